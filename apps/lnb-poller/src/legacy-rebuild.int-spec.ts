// npm run poller:rebuild on a database the release before migrations (70967e0) wrote: its schema from
// tools/migrate/fixtures, the streams and rows that poller left (runs without a scope, no RunQueued or
// RunClaimed; a preview's detected events beside an export's), migrated, then rebuilt.
import { createEnvelope, type EventDefinition, flowKey, InvoiceDetected, RunCompleted, RunRequested, RunStarted } from '@lnbx/contracts';
import { PostgresEventStore } from '@lnbx/event-store';
import { createTestDatabase, runMigrations, type TestDatabase } from '@lnbx/testing';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { Pool } from 'pg';

const ROOT = path.resolve(__dirname, '../../..');
const CONNECTION = 'acme';

describe('poller:rebuild on a database the release before migrations wrote', () => {
  let db: TestDatabase;
  let pool: Pool;

  beforeAll(async () => {
    db = await createTestDatabase('poller_legacy', { empty: true });
    pool = new Pool({ connectionString: db.url });
    await pool.query(readFileSync(path.join(ROOT, 'tools/migrate/fixtures/previous-release-70967e0.sql'), 'utf8'));
  });

  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  it("rebuilds no progress from runs that said no scope, and each revision an export recorded, never a preview's", async () => {
    const store = new PostgresEventStore(pool, 'poller');
    const append = async <V extends object>(stream: string, definition: EventDefinition<V>, payload: V, correlationId: string, key: string) => {
      const env = createEnvelope(definition, payload, { producer: 'lnb-poller', connectionId: CONNECTION, correlationId, key, validate: false });
      await store.append(stream, [{ eventId: env.eventId, type: env.type, data: env, topic: definition.topic, kafkaKey: key }], { expectedVersion: 'any' });
    };
    const runKey = flowKey(CONNECTION, 'invoices');
    const docKey = `${CONNECTION}:invoice:INV-000001`;
    const previewedOnly = `${CONNECTION}:invoice:INV-000002`;
    const detected = (documentKey: string, revision: string, runId: string, mode: 'export' | 'preview') => ({
      documentKey,
      documentType: 'invoice' as const,
      revision,
      runId,
      mode,
      document: { reference_number: documentKey.split(':')[2], items: [] } as never,
      retailer: {},
    });

    // A run that poller completed (it read everything, and said no scope), and one its scheduler fired, never run.
    await append(
      'run-old',
      RunStarted.definition,
      { runId: 'old', flow: 'invoices', mode: 'export', trigger: 'manual', requestedBy: 'ops', startedAt: '2026-11-20T08:00:00.000Z' },
      'old',
      runKey,
    );
    await append(
      'run-old',
      RunCompleted.definition,
      {
        runId: 'old',
        flow: 'invoices',
        completedAt: '2026-11-20T08:01:00.000Z',
        counts: { seen: 2, selected: 2, emitted: 1, unchanged: 0, excludedBySelection: 0, heldBack: 0 },
      },
      'old',
      runKey,
    );
    await append(
      'run-fired',
      RunRequested.definition,
      { runId: 'fired', flow: 'invoices', mode: 'export', trigger: 'schedule', requestedBy: 'schedule' },
      'fired',
      runKey,
    );
    await pool.query(
      `insert into poller.runs (run_id, flow, mode, trigger, requested_by, status) values ('old', 'invoices', 'export', 'manual', 'ops', 'completed')`,
    );
    // What it published: an export's revision (recorded), then a preview's (never recorded); a document only previewed.
    await append(`document-${docKey}`, InvoiceDetected.definition, detected(docKey, 'r1', 'old', 'export'), 'old', docKey);
    await append(`document-${docKey}`, InvoiceDetected.definition, detected(docKey, 'r2', 'preview', 'preview'), 'preview', docKey);
    await append(`document-${previewedOnly}`, InvoiceDetected.definition, detected(previewedOnly, 'p1', 'preview', 'preview'), 'preview', previewedOnly);
    await pool.query(
      `insert into poller.document_revisions (document_key, revision, run_id, emitted_at)
       select $1, 'r1', 'old', recorded_at from poller.events where stream_id = $2 and stream_version = 1`,
      [docKey, `document-${docKey}`],
    );
    // emitted_at as text: to the microsecond.
    const revisions = async () =>
      (await pool.query('select document_key, revision, run_id, emitted_at::text from poller.document_revisions order by document_key')).rows;
    const before = await revisions();

    await runMigrations(db.url);
    await pool.query('truncate poller.document_revisions, poller.flow_progress');
    const { stdout } = await promisify(execFile)('npm', ['run', '--silent', 'poller:rebuild'], { cwd: ROOT, env: { ...process.env, DATABASE_URL: db.url } });
    expect(stdout).toMatch(
      /^poller rebuilt in \d+ ms: schedules and selections from 0 events in 0 streams, flow progress from 3 events in 2 run streams, document revisions from 3 events in 2 document streams$/m,
    );

    // The next run of the flow reads everything, as the first run after that upgrade did.
    expect((await pool.query('select * from poller.flow_progress')).rows).toEqual([]);
    expect(await revisions()).toEqual(before);
    expect(before).toEqual([expect.objectContaining({ document_key: docKey, revision: 'r1', run_id: 'old' })]);
  });
});
