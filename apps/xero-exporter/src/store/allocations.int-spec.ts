// The allocations' work queue against a real Postgres: an invoice that reaches Xero wakes the credit
// notes waiting for it, even one whose check is running at that moment (its look-up made before the
// invoice arrived, so it is about to put the allocation off by a whole recheck interval).
import { createTestDatabase, type TestDatabase, waitFor } from '@lnbx/testing';
import { Pool } from 'pg';
import { ExporterStore } from './exporter-store';

const KEY = 'acme:credit_note:CN-1';
const RECHECK_MS = 120_000;

describe('allocations waiting for an invoice', () => {
  let db: TestDatabase;
  let pool: Pool;
  let store: ExporterStore;

  beforeAll(async () => {
    db = await createTestDatabase('exporter_allocations');
    pool = new Pool({ connectionString: db.url, max: 4 });
    store = new ExporterStore(pool);
  });

  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  beforeEach(async () => {
    await pool.query('truncate exporter.allocations');
    await pool.query(
      `insert into exporter.allocations (document_key, connection_id, revision, run_id, correlation_id, causation_id, credit_note_xero_id, credit_note_number, invoice_number)
       values ($1, 'acme', 'r1', 'run-1', 'c-1', 'e-1', '7d1c2a9e-0000-4000-8000-000000000001', 'CN-1', 'INV-1')`,
      [KEY],
    );
  });

  const due = async (): Promise<boolean> =>
    (await pool.query<{ due: boolean }>('select next_check_at <= now() as due from exporter.allocations where document_key = $1', [KEY])).rows[0].due;

  it('makes a put-off allocation due when its invoice arrives', async () => {
    await store.scheduleAllocation(pool, KEY, 1, RECHECK_MS);
    expect(await due()).toBe(false);

    expect(await store.allocationsForInvoiceDue(pool, 'acme', ['inv-1'])).toBe(1);
    expect(await due()).toBe(true);
  });

  it('waits for a check running as the invoice arrives and makes the allocation due after it', async () => {
    const check = await pool.connect();
    const invoiceUnit = await pool.connect();
    try {
      await check.query('begin');
      expect((await store.claimAllocations(check, 'acme', 10)).map((r) => r.documentKey)).toEqual([KEY]);

      await invoiceUnit.query('begin');
      const pid = (await invoiceUnit.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0].pid;
      const woken = store.allocationsForInvoiceDue(invoiceUnit, 'acme', ['INV-1']);
      const blocked = waitFor(
        'the invoice unit to wait for the check',
        async () => (await pool.query(`select 1 from pg_stat_activity where pid = $1 and wait_event_type = 'Lock'`, [pid])).rowCount === 1,
      );
      // Finishing at once (without waiting for the check) is the lost wake-up.
      expect(await Promise.race([woken.then(() => 'finished without waiting'), blocked.then(() => 'waiting')])).toBe('waiting');
      // The check looked before the invoice was there: it puts the allocation off and commits.
      await store.scheduleAllocation(check, KEY, 1, RECHECK_MS);
      await check.query('commit');

      expect(await woken).toBe(1);
      await invoiceUnit.query('commit');
      expect(await due()).toBe(true);
    } finally {
      await check.query('rollback').catch(() => undefined);
      await invoiceUnit.query('rollback').catch(() => undefined);
      check.release();
      invoiceUnit.release();
    }
  });

  it('leaves an allocation already made alone', async () => {
    await pool.query(`update exporter.allocations set state = 'allocated', next_check_at = now() + interval '1 hour' where document_key = $1`, [KEY]);

    expect(await store.allocationsForInvoiceDue(pool, 'acme', ['INV-1'])).toBe(0);
    expect(await due()).toBe(false);
  });
});
