import type { RunCompleted, RunFailed, RunStarted } from '@lnbx/contracts';
import { decideRun, evolveRun, newRun, progressOf, type RunCommand, type RunEvent, type RunRequest, type RunState } from './run';

const RUN = 'run-1';
const CONNECTION = 'acme';
const LEASE_MS = 60_000;
const T0 = Date.parse('2026-03-10T09:00:00.000Z');
const at = (seconds: number): string => new Date(T0 + seconds * 1000).toISOString();

const request: RunRequest = {
  runId: RUN,
  connectionId: CONNECTION,
  flow: 'invoices',
  mode: 'export',
  trigger: 'manual',
  documents: null,
  requestedBy: 'finance@acme',
  requestEventId: 'request-1',
  fullRecheck: false,
};
const startedValue = (worker: string, scope: RunStarted.Value['scope'], startedAt = at(2)): RunStarted.Value => ({
  runId: RUN,
  flow: 'invoices',
  mode: 'export',
  trigger: 'manual',
  requestedBy: 'finance@acme',
  startedAt,
  worker,
  scope,
  scopeReason: 'because',
});
const counts: RunCompleted.Counts = { seen: 10, selected: 8, emitted: 3, unchanged: 5, excludedBySelection: 2, heldBack: 0, enriched: 3 };
const completedValue: RunCompleted.Value = { runId: RUN, flow: 'invoices', counts, completedAt: at(9), scope: 'incremental' };
const failedValue: RunFailed.Value = {
  runId: RUN,
  flow: 'invoices',
  problem: { code: 'LNB.UNAVAILABLE', severity: 'error', message: 'down' },
  failedAt: at(9),
};

// Events as a run's stream holds them.
const queued: RunEvent = { type: 'RunQueued', request, at: at(0) };
const claimedBy = (worker: string, seconds = 1): RunEvent => ({ type: 'RunClaimed', worker, leaseMs: LEASE_MS, at: at(seconds) });
const startedBy = (worker: string, scope: RunStarted.Value['scope'] = 'incremental', seconds = 2): RunEvent => ({
  type: 'RunStarted',
  value: startedValue(worker, scope, at(seconds)),
  eventId: `started-by-${worker}`,
  connectionId: CONNECTION,
  at: at(seconds),
});
/** As a poller older than incremental runs wrote it: no scope, no claim before it. */
const legacyStart = (worker: string, seconds = 2): RunEvent => {
  const { scope: _scope, scopeReason: _reason, ...value } = startedValue(worker, undefined, at(seconds));
  return { type: 'RunStarted', value, eventId: `started-by-${worker}`, connectionId: CONNECTION, at: at(seconds) };
};
const page = (worker: string, n: number): RunEvent => ({ type: 'PageStored', worker, page: n, documents: 500, emitted: 3, at: at(3 + n) });
const completed: RunEvent = { type: 'RunCompleted', value: completedValue, eventId: 'completed-1', connectionId: CONNECTION, at: at(9) };
const failed: RunEvent = { type: 'RunFailed', value: failedValue, eventId: 'failed-1', connectionId: CONNECTION, at: at(9) };

const given = (...events: RunEvent[]): RunState => events.reduce(evolveRun, newRun(RUN));
/** The events a command makes from the state `events` leave, or its refusal. */
const when = (command: RunCommand, ...events: RunEvent[]) => decideRun(command, given(...events));

const claim = (worker: string, seconds: number, holderSeenAt: string | null = null): RunCommand => ({
  type: 'ClaimRun',
  worker,
  leaseMs: LEASE_MS,
  at: at(seconds),
  holderSeenAt,
  request,
});
const start = (worker: string): RunCommand => ({ type: 'StartRun', worker, value: startedValue(worker, 'incremental'), eventId: 'started-new', at: at(2) });
const storePage = (worker: string, n: number): RunCommand => ({ type: 'StorePage', worker, page: n, documents: 500, emitted: 3, at: at(3 + n) });
const complete = (worker: string): RunCommand => ({ type: 'CompleteRun', worker, value: completedValue, eventId: 'completed-1', at: at(9) });
const fail = (worker: string): RunCommand => ({ type: 'FailRun', worker, value: failedValue, eventId: 'failed-1', at: at(9) });
const refused = (code: string) => ({ ok: false, code, message: expect.any(String) });

describe('a run requested and queued', () => {
  it('the scheduler fires a run on a new stream, once', () => {
    const value = { runId: RUN, flow: 'invoices' as const, mode: 'export' as const, trigger: 'schedule' as const, requestedBy: 'schedule' };
    const command: RunCommand = { type: 'RequestRun', connectionId: CONNECTION, value, eventId: 'request-1', at: at(0) };
    expect(when(command)).toEqual({ ok: true, events: [{ type: 'RunRequested', value, eventId: 'request-1', connectionId: CONNECTION, at: at(0) }] });
    expect(when(command, queued)).toEqual(refused('RUN.ALREADY_REQUESTED'));
  });

  it("a request read from Kafka joins the queue once: again, or for the scheduler's own run, nothing happens", () => {
    const command: RunCommand = { type: 'QueueRun', request, at: at(0) };
    expect(when(command)).toEqual({ ok: true, events: [queued] });
    expect(when(command, queued)).toEqual({ ok: true, events: [] });
    const scheduled: RunEvent = {
      type: 'RunRequested',
      value: { runId: RUN, flow: 'invoices', mode: 'export', trigger: 'schedule', requestedBy: 'schedule' },
      eventId: 'fired',
      connectionId: CONNECTION,
      at: at(0),
    };
    expect(when(command, scheduled)).toEqual({ ok: true, events: [] });
    expect(given(scheduled).request).toEqual({ ...request, trigger: 'schedule', requestedBy: 'schedule', requestEventId: 'fired' });
  });
});

describe('claiming a run: its lease', () => {
  it('a queued run is claimed by the first instance that asks', () => {
    expect(when(claim('a', 1), queued)).toEqual({ ok: true, events: [claimedBy('a')] });
  });

  it("a run an older poller queued (no request in its stream) records the queue's request with the claim", () => {
    expect(when(claim('a', 1))).toEqual({ ok: true, events: [{ ...queued, at: at(1) }, claimedBy('a')] });
  });

  it('is refused while another instance holds a live lease, by its claim or by its heartbeat', () => {
    expect(when(claim('b', 30), queued, claimedBy('a'), startedBy('a'))).toEqual(refused('RUN.LEASE_HELD'));
    // 61 s after the claim, but the holder's heartbeat came 20 s ago.
    expect(when(claim('b', 62), queued, claimedBy('a'), startedBy('a'), page('a', 1)).ok).toBe(true);
    expect(when(claim('b', 62, at(42)), queued, claimedBy('a'), startedBy('a'))).toEqual(refused('RUN.LEASE_HELD'));
  });

  it('is taken over once the lease ended: the run starts again from its first page', () => {
    const decision = when(claim('b', 120, at(50)), queued, claimedBy('a'), startedBy('a'), page('a', 1), page('a', 2));
    expect(decision).toEqual({ ok: true, events: [claimedBy('b', 120)] });
    const state = given(queued, claimedBy('a'), startedBy('a'), page('a', 1), claimedBy('b', 120));
    expect(state).toMatchObject({ status: 'claimed', lease: { worker: 'b' }, claims: 2, started: null });
  });

  it('is refused once the run ended', () => {
    expect(when(claim('b', 600), queued, claimedBy('a'), startedBy('a'), completed)).toEqual(refused('RUN.FINISHED'));
    expect(when(claim('b', 600), queued, claimedBy('a'), startedBy('a'), failed)).toEqual(refused('RUN.FINISHED'));
  });
});

describe('running a run', () => {
  const running = [queued, claimedBy('a'), startedBy('a')];

  it('the holder starts it, once per claim; an instance that does not hold it cannot', () => {
    expect(when(start('a'), queued, claimedBy('a'))).toEqual({
      ok: true,
      events: [{ type: 'RunStarted', value: startedValue('a', 'incremental'), eventId: 'started-new', connectionId: CONNECTION, at: at(2) }],
    });
    expect(when(start('a'), ...running)).toEqual(refused('RUN.ALREADY_STARTED'));
    expect(when(start('b'), queued, claimedBy('a'))).toEqual(refused('RUN.NOT_HELD'));
    expect(when(start('a'), queued)).toEqual(refused('RUN.NOT_HELD'));
  });

  it('pages are stored in order, by the holder, once it started', () => {
    expect(when(storePage('a', 1), ...running)).toEqual({ ok: true, events: [page('a', 1)] });
    // A page with nothing to write stores nothing: the next page stored may skip numbers.
    expect(when(storePage('a', 4), ...running, page('a', 1)).ok).toBe(true);
    expect(when(storePage('a', 1), ...running, page('a', 1))).toEqual(refused('RUN.PAGE_OUT_OF_ORDER'));
    expect(when(storePage('a', 2), ...running, page('a', 3))).toEqual(refused('RUN.PAGE_OUT_OF_ORDER'));
    expect(when(storePage('a', 1), queued, claimedBy('a'))).toEqual(refused('RUN.NOT_STARTED'));
    expect(when(storePage('b', 1), ...running)).toEqual(refused('RUN.NOT_HELD'));
  });

  it('a deposed holder can neither store a page nor end the run', () => {
    const takenOver = [...running, page('a', 1), claimedBy('b', 120)];
    expect(when(storePage('a', 2), ...takenOver)).toEqual(refused('RUN.NOT_HELD'));
    expect(when(complete('a'), ...takenOver)).toEqual(refused('RUN.NOT_HELD'));
    expect(when(fail('a'), ...takenOver)).toEqual(refused('RUN.NOT_HELD'));
  });

  it('completes only once started by its claim, and only once', () => {
    expect(when(complete('a'), ...running, page('a', 1))).toEqual({ ok: true, events: [completed] });
    expect(when(complete('a'), queued, claimedBy('a'))).toEqual(refused('RUN.NOT_STARTED'));
    expect(when(complete('a'), ...running, completed)).toEqual(refused('RUN.FINISHED'));
  });

  it('fails once held, started or not (its progress could not be read), and only once', () => {
    expect(when(fail('a'), queued, claimedBy('a'))).toEqual({ ok: true, events: [failed] });
    expect(when(fail('a'), ...running)).toEqual({ ok: true, events: [failed] });
    expect(when(fail('a'), ...running, failed)).toEqual(refused('RUN.FINISHED'));
    expect(when(complete('a'), ...running, failed)).toEqual(refused('RUN.FINISHED'));
  });

  it('its state counts its events and keeps its outcome', () => {
    expect(given(...running, page('a', 1), completed)).toMatchObject({
      version: 5,
      status: 'completed',
      started: { eventId: 'started-by-a', startedAt: at(2), scope: 'incremental', lastPage: 1 },
      ended: { type: 'RunCompleted', value: completedValue },
    });
  });
});

describe("a run's connection", () => {
  const startedFor = (connectionId: string, scope: RunStarted.Value['scope']): RunEvent => ({
    type: 'RunStarted',
    value: startedValue('a', scope),
    eventId: 'started-by-a',
    connectionId,
    at: at(2),
  });

  it('its request names it; its start, end and progress carry it', () => {
    const other = { ...request, connectionId: 'brand-nl' };
    const claimed = given({ type: 'RunQueued', request: other, at: at(0) }, claimedBy('a'));
    const decided = decideRun(start('a'), claimed);
    expect(decided).toMatchObject({ ok: true, events: [{ type: 'RunStarted', connectionId: 'brand-nl' }] });
    const started = given({ type: 'RunQueued', request: other, at: at(0) }, claimedBy('a'), startedFor('brand-nl', 'full'));
    expect(decideRun(complete('a'), started)).toMatchObject({ ok: true, events: [{ type: 'RunCompleted', connectionId: 'brand-nl' }] });
    expect(decideRun(fail('a'), started)).toMatchObject({ ok: true, events: [{ type: 'RunFailed', connectionId: 'brand-nl' }] });
    const completedHere: RunEvent = { type: 'RunCompleted', value: completedValue, eventId: 'completed-1', connectionId: 'brand-nl', at: at(9) };
    expect(progressOf(evolveRun(started, completedHere))).toMatchObject({ connectionId: 'brand-nl', flow: 'invoices' });
  });

  it("a run an older poller started, with no request in its stream, is its start's connection", () => {
    expect(progressOf(given(startedFor('legacy', 'incremental'), completed))).toMatchObject({ connectionId: 'legacy' });
  });
});

describe('the progress a run makes for its flow', () => {
  it('a completed export that read the listing moves its flow to its start; a full one is the last full re-check', () => {
    expect(progressOf(given(queued, claimedBy('a'), startedBy('a', 'incremental'), completed))).toEqual({
      connectionId: CONNECTION,
      flow: 'invoices',
      checkedUntil: at(2),
      full: false,
    });
    expect(progressOf(given(queued, claimedBy('a'), startedBy('a', 'full'), completed))).toEqual({
      connectionId: CONNECTION,
      flow: 'invoices',
      checkedUntil: at(2),
      full: true,
    });
  });

  it('after a takeover, from the start of the attempt that completed', () => {
    const state = given(queued, claimedBy('a'), startedBy('a', 'full'), claimedBy('b', 120), startedBy('b', 'incremental', 121), completed);
    expect(progressOf(state)).toEqual({ connectionId: CONNECTION, flow: 'invoices', checkedUntil: at(121), full: false });
  });

  it.each([
    ['a failed run', [queued, claimedBy('a'), startedBy('a'), failed]],
    ['a run still running', [queued, claimedBy('a'), startedBy('a')]],
    ['a run naming documents', [queued, claimedBy('a'), startedBy('a', 'named'), completed]],
    ['a run from a poller older than incremental runs (no scope: it moves nothing)', [legacyStart('a'), completed]],
  ])('none from %s', (_name, events) => {
    expect(progressOf(given(...events))).toBeNull();
  });

  it('none from a preview', () => {
    const preview: RunEvent = {
      type: 'RunStarted',
      value: { ...startedValue('a', 'full'), mode: 'preview' },
      eventId: 's',
      connectionId: CONNECTION,
      at: at(2),
    };
    expect(progressOf(given(queued, claimedBy('a'), preview, completed))).toBeNull();
  });

  it("history is taken as it is: an older poller's run completed twice after a takeover keeps its first outcome", () => {
    const state = given(legacyStart('a'), legacyStart('b', 70), completed, { ...completed, eventId: 'completed-2' });
    expect(state).toMatchObject({ version: 4, status: 'completed', ended: { type: 'RunCompleted' }, lease: null });
  });
});
