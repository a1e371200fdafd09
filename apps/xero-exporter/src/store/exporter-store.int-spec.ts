// The exporter's tables on a database the previous release left behind: a credit note whose allocation
// was queued as a follow-up carries on as an allocation to look at, once.
import { createTestDatabase, type TestDatabase } from '@lnbx/testing';
import { Pool } from 'pg';
import { ExporterStore } from './exporter-store';

describe('ExporterStore.migrate on the previous release database', () => {
  let db: TestDatabase;
  let pool: Pool;

  beforeAll(async () => {
    db = await createTestDatabase('exporter_store', { empty: true });
    pool = new Pool({ connectionString: db.url, max: 2 });
  });
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  it('moves queued allocations out of the follow-ups and keeps the attachments there', async () => {
    // The follow-ups table as main at 70967e0 created it, with one of each kind queued.
    await pool.query(`create schema exporter; create table exporter.followups (
      id bigserial primary key, document_key text not null, connection_id text not null, kind text not null, doc_type text not null,
      revision text not null, run_id text not null, correlation_id text not null, causation_id text not null, xero_id text not null,
      number text not null, data jsonb not null, attempts int not null default 0, next_attempt_at timestamptz not null default now(),
      unique (document_key, kind, revision))`);
    const common = ['acme', 'credit_note', 'r1', 'run-1', 'run-1', 'cause-1', 'c0000000-0000-4000-8000-000000000001', 'CN-1'];
    await pool.query(
      `insert into exporter.followups (document_key, connection_id, doc_type, revision, run_id, correlation_id, causation_id, xero_id, number, kind, data)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'allocate', $10), ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'attach', $11)`,
      ['acme:credit_note:CN-1', ...common, JSON.stringify({ invoiceNumber: 'INV-9', date: '2026-03-05' }), JSON.stringify({ pdfUrl: 'http://x/CN-1.pdf' })],
    );
    const store = new ExporterStore(pool);
    await store.migrate();
    await store.migrate();
    expect(await store.allocation(pool, 'acme:credit_note:CN-1')).toMatchObject({
      state: 'waiting', creditNoteXeroId: 'c0000000-0000-4000-8000-000000000001', creditNoteNumber: 'CN-1', invoiceNumber: 'INV-9',
      creditNoteDate: '2026-03-05', runId: 'run-1', checks: 0, message: null,
    });
    const { rows } = await pool.query('select kind from exporter.followups order by kind');
    expect(rows).toEqual([{ kind: 'attach' }]);
  });
});
