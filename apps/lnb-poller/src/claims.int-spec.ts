// The run queue's claim across connections (RunStore.claimable) on a real database: one connection's flow one run at
// a time; the runs of the connection with the fewest runs in flight first, then the oldest; none of a connection this
// instance runs as many of as it may; a run whose holder went silent is claimable again.
import { PostgresEventStore } from '@lnbx/event-store';
import { createTestDatabase, type TestDatabase } from '@lnbx/testing';
import { Pool } from 'pg';
import { RunStore } from './store/run-store';

const LEASE_MS = 60_000;

describe('the run queue: fair claims across connections', () => {
  let db: TestDatabase;
  let pool: Pool;
  let runs: RunStore;
  let store: PostgresEventStore;

  beforeAll(async () => {
    db = await createTestDatabase('poller_claims');
    pool = new Pool({ connectionString: db.url, max: 2 });
    runs = new RunStore(pool);
    store = new PostgresEventStore(pool, 'poller');
  });

  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  /** A queue row; `ageSeconds` before now; a running one heard of `heartbeatSecondsAgo`. */
  const row = (runId: string, connectionId: string, flow: string, status: 'queued' | 'running', ageSeconds: number, heartbeatSecondsAgo?: number) =>
    pool.query(
      `insert into poller.runs (run_id, connection_id, flow, mode, trigger, requested_by, status, worker, heartbeat_at, created_at)
       values ($1, $2, $3, 'export', 'manual', 'test', $4, $5, now() - make_interval(secs => $6::float), now() - make_interval(secs => $7::float))`,
      [runId, connectionId, flow, status, status === 'running' ? 'elsewhere' : null, heartbeatSecondsAgo ?? 0, ageSeconds],
    );
  const claimable = (busy: string[] = []) =>
    store.withTransaction(async (tx) => (await runs.claimable(tx, LEASE_MS, busy)).map((c) => `${c.request.connectionId}/${c.request.runId}`));

  it('takes the runs of the connection with the fewest in flight first, never a second of one flow, none of a busy connection', async () => {
    // Brand A: one run going (invoices), two queued, the oldest of all; brand B: one queued, newer; brand C: a run whose holder went silent.
    await row('a-running', 'brand-a', 'invoices', 'running', 300);
    await row('a-invoices', 'brand-a', 'invoices', 'queued', 200);
    await row('a-credit-notes', 'brand-a', 'credit_notes', 'queued', 190);
    await row('b-invoices', 'brand-b', 'invoices', 'queued', 10);
    await row('c-silent', 'brand-c', 'invoices', 'running', 400, 120);

    // B and C have nothing live in flight: theirs first (C's is older); then A's credit notes (its invoices are running).
    expect(await claimable()).toEqual(['brand-c/c-silent', 'brand-b/b-invoices', 'brand-a/a-credit-notes']);
    // This instance runs as many of B's as it may: B's run is left for later, or another instance.
    expect(await claimable(['brand-b'])).toEqual(['brand-c/c-silent', 'brand-a/a-credit-notes']);
  });
});
