// A run's lease, as two poller processes hold it over the real broker and Postgres: the holder goes silent
// mid-run (stopped, not killed), the other instance takes the run over once the lease ends and completes it
// once; woken, the deposed holder finds at its next write that the run is no longer its own, and stops.
import type { RunStarted } from '@lnbx/contracts';
import { waitFor } from '@lnbx/testing';
import { Pool } from 'pg';
import { PollerHarness } from './testing/harness';

const CONNECTION = 'takeover';
const LEASE_MS = 3_000;

describe('a run whose poller goes silent', () => {
  const h = new PollerHarness({ name: 'takeover', connectionId: CONNECTION });
  let pool: Pool;

  beforeAll(async () => {
    await h.start({ seed: 41, invoices: 60, creditNotes: 0, defectRate: 0 });
    pool = new Pool({ connectionString: h.db.url });
    const env = { POLLER_RUN_LEASE_MS: String(LEASE_MS), POLLER_CONCURRENT_RUNS: '1', POLLER_TICK_MS: '100', LNB_RETRY_BASE_MS: '10' };
    await h.startPoller(env);
    await h.startPoller(env);
  });

  afterEach(() => h.reportFailure(expect.getState(), 40));

  afterAll(async () => {
    await pool?.end();
    await h.stop();
  });

  it('is taken over once its lease ends and completed once; its woken holder writes nothing more', async () => {
    h.lnb.admin.setPageSize(10);
    // From the third listing page on, LNB answers slowly: the run is held mid-way long enough to stop its poller.
    h.lnb.admin.injectFault({ kind: 'latency', path: '/invoices', skip: 2, times: 'always', latencyMs: 1_500 });
    const runId = await h.request();
    const first = await h.started(runId);
    const holder = h.pollers.find((p) => first.payload.worker?.endsWith(`-${p.process.pid}`));
    expect(holder).toBeDefined();
    const pid = holder!.process.pid!;
    await waitFor('a first page stored', () => h.ofRun(runId, 'InvoiceDetected').length > 0);
    const streamOf = async () =>
      (
        await pool.query<{ type: string; data: { worker?: string } }>('select type, data from poller.events where stream_id = $1 order by stream_version', [
          `run-${runId}`,
        ])
      ).rows;
    await stopOutsideATransaction(pid, pool, () => h.ofRun(runId, 'InvoiceDetected').length);
    try {
      h.lnb.admin.clearFaults();
      // Read from the stream, not from Kafka: the stopped poller may be the one whose outbox relay publishes
      // (its session holds the relay's lock), and nothing is published until it resumes.
      await waitFor('the run to complete on the other poller', async () => (await streamOf()).some((e) => e.type === 'RunCompleted'), { timeoutMs: 60_000 });
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    expect((await h.outcome(runId)).type).toBe('RunCompleted');
    const starts = await waitFor('both starts', () => (h.ofRun(runId, 'RunStarted').length === 2 ? h.ofRun<RunStarted.Value>(runId, 'RunStarted') : undefined));
    const second = starts.find((s) => s.eventId !== first.eventId)!;
    expect(second.payload.worker).not.toBe(first.payload.worker);

    // Woken, the deposed holder's next write (a page, or the end) is refused: it stops without a word on Kafka.
    await waitFor(
      'the deposed holder to stop',
      () => holder!.logs.find((l) => l.msg === 'run taken over by another instance: this one stops' && l.runId === runId),
      { timeoutMs: 30_000 },
    );
    expect(h.ofRun(runId, 'RunCompleted')).toHaveLength(1);
    expect(h.ofRun(runId, 'RunFailed')).toHaveLength(0);
    const rows = await streamOf();
    const types = rows.map((r) => r.type);
    expect(types.filter((t) => t === 'RunClaimed')).toHaveLength(2);
    expect(types.at(-1)).toBe('RunCompleted');
    // What the first holder stored before it went silent stays; after the takeover, only the new holder wrote.
    const takeover = types.lastIndexOf('RunClaimed');
    expect(
      rows
        .slice(takeover)
        .filter((r) => r.type === 'PageStored')
        .every((r) => r.data.worker === second.payload.worker),
    ).toBe(true);
    expect(types.slice(0, takeover)).toContain('PageStored');
    // The flow's progress is the completing attempt's start.
    const progress = await pool.query<{ checked_until: Date }>(`select checked_until from poller.flow_progress where flow = 'invoices'`);
    expect(progress.rows[0]?.checked_until.toISOString()).toBe(second.payload.startedAt);
    expect((await pool.query(`select status from poller.runs where run_id = $1`, [runId])).rows).toEqual([{ status: 'completed' }]);
  });
});

/**
 * Stops the holder between two database transactions. Stopped inside one (a page being stored), it would hold
 * the run stream's row lock until it wakes, and the other poller's takeover would wait behind it: no lease can
 * end that (a real frozen process is cut off by its connection's timeout). After the stop, any transaction of
 * this database still open (or a query still running) may be its: then it is let go on until its next page and
 * stopped again.
 */
async function stopOutsideATransaction(pid: number, pool: Pool, pages: () => number): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    process.kill(pid, 'SIGSTOP');
    const { rows } = await pool.query<{ n: number }>(
      `select count(*)::int as n from pg_stat_activity
       where datname = current_database() and backend_type = 'client backend' and pid <> pg_backend_pid()
         and state in ('active', 'idle in transaction', 'idle in transaction (aborted)')`,
    );
    if (rows[0].n === 0) return;
    if (attempt === 20) throw new Error('the holder was inside a transaction at each of 20 stops');
    process.kill(pid, 'SIGCONT');
    const seen = pages();
    await waitFor('the next page stored', () => pages() > seen);
  }
}
