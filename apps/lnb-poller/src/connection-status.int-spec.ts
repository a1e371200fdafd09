// A connection paused in monitor-api stops the poller without a restart (issue 12): ConnectionChanged read from
// the real broker, the poller as its own process, the LNB sandbox over HTTP. While paused a run asked for ends
// at once, failed in plain words, having asked LNB nothing, and a due schedule is spent without a run; an older
// change redelivered does not undo a newer one; resumed, runs go as before.
import { type ConnectionChanged, createEnvelope, exampleConnectionChanged, flowKey, type RunFailed, ScheduleChangeRequested } from '@lnbx/contracts';
import { waitFor } from '@lnbx/testing';
import { Pool } from 'pg';
import { PollerHarness } from './testing/harness';

const CONNECTION = 'acme';

const changed = (version: number, status: 'active' | 'paused', change: ConnectionChanged.Value['change']) =>
  exampleConnectionChanged(CONNECTION, version, status, change);

describe('lnb-poller: a paused connection runs nothing', () => {
  const h = new PollerHarness({ name: 'connection_status', connectionId: CONNECTION });
  let pool: Pool;

  beforeAll(async () => {
    await h.start({ invoices: 20 });
    await h.startPoller({ POLLER_TICK_MS: '100' });
    pool = new Pool({ connectionString: h.db.url, max: 2 });
  });

  afterAll(async () => {
    await pool?.end();
    await h.stop();
  });

  const status = async () =>
    (await pool.query<{ status: string; version: number }>('select status, version from poller.connection_statuses where connection_id = $1', [CONNECTION]))
      .rows[0];
  const lnbCalls = () => h.lnb.admin.calls().total;

  it('ends a run asked for while paused, reading nothing from LNB, and runs again once resumed', async () => {
    await h.publisher.publish([changed(1, 'active', 'created'), changed(2, 'paused', 'paused')]);
    await waitFor('the pause learned', async () => (await status())?.version === 2);
    // Its time zone with it: a schedule that names none fires in it.
    expect((await pool.query('select time_zone from poller.connection_statuses where connection_id = $1', [CONNECTION])).rows).toEqual([
      { time_zone: 'Europe/London' },
    ]);
    const before = lnbCalls();

    const runId = await h.request();
    const outcome = await h.outcome(runId);
    expect(outcome.type).toBe('RunFailed');
    const { problem } = outcome.payload as RunFailed.Value;
    expect(problem).toMatchObject({
      code: 'POLLER.CONNECTION_NOT_ACTIVE',
      message: 'The connection acme is paused (year-end close): nothing was read from Le New Black. Resume it, then run again.',
    });
    expect(lnbCalls()).toBe(before);

    // An older change delivered again does not undo the pause.
    await h.publisher.publish([changed(1, 'active', 'created')]);
    await h.publisher.publish([changed(3, 'active', 'resumed')]);
    await waitFor('the resumption learned', async () => (await status())?.version === 3);
    expect((await status()).status).toBe('active');
    const resumed = await h.run();
    expect(resumed.outcome.type).toBe('RunCompleted');
    expect(lnbCalls()).toBeGreaterThan(before);
  });

  it('spends a due firing without a run while paused', async () => {
    await h.publisher.publish([changed(4, 'paused', 'paused')]);
    await waitFor('the pause learned', async () => (await status())?.version === 4);
    const schedule = createEnvelope(
      ScheduleChangeRequested.definition,
      { flow: 'credit_notes', enabled: true, cron: '0 6 * * *', timeZone: 'Europe/London', requestedBy: 'test' } satisfies ScheduleChangeRequested.Value,
      { producer: 'monitor-api', connectionId: CONNECTION, correlationId: 'schedule-paused', key: flowKey(CONNECTION, 'credit_notes') },
    );
    await h.publisher.publish([schedule]);
    await waitFor(
      'the schedule stored',
      async () => (await pool.query(`select 1 from poller.schedules where flow = 'credit_notes' and enabled`)).rowCount === 1,
    );
    // Set two days ago: yesterday's 06:00 is a firing missed while no poller ran, which the scheduler takes at its next tick.
    await pool.query(`update poller.schedules set updated_at = now() - interval '2 days' where flow = 'credit_notes'`);

    await waitFor(
      'the firing spent',
      async () => (await pool.query(`select last_fired_for from poller.schedules where flow = 'credit_notes'`)).rows[0]?.last_fired_for,
    );
    // Claimed and requested in one transaction: with the firing spent, a run would be there already.
    expect((await pool.query(`select run_id from poller.runs where trigger = 'schedule'`)).rows).toEqual([]);
  });
});
