// Incremental runs (issue 17) as the monitor shows them: what a run read from LNB and why (RunStarted's
// scope and scopeReason), what it cost (RunCompleted's lnbRequests), in the run view and the task log;
// events and stored views from before carry none of it and show nothing.
import type { EventEnvelope, RunCompleted, RunRequested, RunStarted } from '@lnbx/contracts';
import { isRunEvent, type RunEvent } from './events';
import { logLinesFor } from './log-lines';
import { evolveRun, readStoredRun, type RunView, type StoredRunView } from './runs';
import { aRun, k, type RunEvents } from './testing';

const INCREMENTAL_REASON =
  "only what changed in Le New Black is read: new or changed documents, and those whose order or retailer changed since 2026-03-02T06:45:00.000Z (the last run's start less 15 minutes)";
const RECHECK_REASON = 'a full re-check was requested: every document and its order are read again';

/** The poller's events of today: the builders' (as an older poller sent them) with what incremental runs added. */
const requested = (run: RunEvents, extra: Partial<RunRequested.Value>): EventEnvelope<RunRequested.Value> => {
  const e = run.requested();
  return { ...e, payload: { ...e.payload, ...extra } };
};
const started = (run: RunEvents, extra: Partial<RunStarted.Value>): EventEnvelope<RunStarted.Value> => {
  const e = run.started();
  return { ...e, payload: { ...e.payload, ...extra } };
};
const completed = (run: RunEvents, extra: Partial<RunCompleted.Value>, enriched?: number): EventEnvelope<RunCompleted.Value> => {
  const e = run.completed(3);
  return { ...e, payload: { ...e.payload, counts: { ...e.payload.counts, ...(enriched === undefined ? {} : { enriched }) }, ...extra } };
};
const fold = (events: EventEnvelope[], from: StoredRunView | null = null): RunView =>
  events
    .map(k)
    .filter(isRunEvent)
    .reduce<RunView | null>((r, e) => evolveRun(r, e as RunEvent), from as RunView | null)!;
const message = (e: EventEnvelope): string => logLinesFor(k(e))[0].message;

describe('what a run read from LNB, in its view', () => {
  it('says an incremental run was incremental, why, since when, and how many LNB requests it made', () => {
    const run = aRun();
    const view = fold([
      run.requested(),
      started(run, { scope: 'incremental', scopeReason: INCREMENTAL_REASON, changedSince: '2026-03-02T06:45:00.000Z' }),
      completed(run, { scope: 'incremental', lnbRequests: 203, changedOrders: 2 }, 5),
    ]);
    expect(view).toMatchObject({
      status: 'completed',
      fullRecheck: false,
      scope: 'incremental',
      scopeReason: INCREMENTAL_REASON,
      changedSince: '2026-03-02T06:45:00.000Z',
      lnbRequests: 203,
      changedOrders: 2,
      counts: { enriched: 5 },
    });
  });

  it('keeps that a full re-check was asked for, before the poller starts it and after', () => {
    const run = aRun();
    const asked = fold([requested(run, { fullRecheck: true })]);
    expect(asked).toMatchObject({ status: 'requested', fullRecheck: true, scope: null, scopeReason: null, lnbRequests: null });
    const done = fold([started(run, { scope: 'full', scopeReason: RECHECK_REASON }), completed(run, { scope: 'full', lnbRequests: 17_227 })], asked);
    expect(done).toMatchObject({ fullRecheck: true, scope: 'full', scopeReason: RECHECK_REASON, changedSince: null, lnbRequests: 17_227, changedOrders: null });
  });

  it('lands on the same view whatever order the run events arrive in (they travel on four topics)', () => {
    const run = aRun();
    const events = [
      requested(run, { fullRecheck: true }),
      started(run, { scope: 'full', scopeReason: RECHECK_REASON }),
      completed(run, { scope: 'full', lnbRequests: 40 }),
    ];
    const expected = fold(events);
    for (const order of [
      [2, 1, 0],
      [1, 2, 0],
      [2, 0, 1],
      [0, 2, 1],
    ]) {
      expect(fold(order.map((i) => events[i]))).toEqual(expected);
    }
    expect(expected).toMatchObject({ status: 'completed', fullRecheck: true, scope: 'full', scopeReason: RECHECK_REASON, lnbRequests: 40 });
  });

  it('takes the scope from the completion while the start is not known, and the start says why', () => {
    const run = aRun();
    const early = fold([completed(run, { scope: 'incremental', lnbRequests: 4, changedOrders: 0 })]);
    expect(early).toMatchObject({ scope: 'incremental', scopeReason: null, lnbRequests: 4, changedOrders: 0 });
    expect(fold([started(run, { scope: 'incremental', scopeReason: INCREMENTAL_REASON })], early)).toMatchObject({
      scope: 'incremental',
      scopeReason: INCREMENTAL_REASON,
      lnbRequests: 4,
    });
  });

  it('shows nothing of it for the events of a poller older than incremental runs: null, never absent', () => {
    const run = aRun();
    const view = fold([run.requested(), run.started(), run.completed(3)]);
    expect(view).toMatchObject({
      status: 'completed',
      fullRecheck: false,
      scope: null,
      scopeReason: null,
      changedSince: null,
      lnbRequests: null,
      changedOrders: null,
    });
    expect(Object.keys(JSON.parse(JSON.stringify(view)))).toEqual(
      expect.arrayContaining(['fullRecheck', 'scope', 'scopeReason', 'changedSince', 'lnbRequests', 'changedOrders']),
    );
  });

  it('reads a view stored before incremental runs, and goes on from it', () => {
    const run = aRun();
    const {
      fullRecheck: _f,
      scope: _s,
      scopeReason: _r,
      changedSince: _c,
      lnbRequests: _l,
      changedOrders: _o,
      ...stored
    } = fold([run.requested(), run.started()]);
    expect(readStoredRun(stored)).toMatchObject({
      status: 'running',
      fullRecheck: false,
      scope: null,
      scopeReason: null,
      changedSince: null,
      lnbRequests: null,
      changedOrders: null,
    });
    expect(fold([completed(run, { scope: 'incremental', lnbRequests: 12 })], stored)).toMatchObject({
      status: 'completed',
      scope: 'incremental',
      lnbRequests: 12,
      scopeReason: null,
    });
  });
});

describe('what a run read from LNB, in its task log', () => {
  it('names a full re-check where it is requested', () => {
    expect(message(requested(aRun(), { fullRecheck: true, requestedBy: 'ops' }))).toBe('Full re-check of invoices requested by ops (manual)');
    expect(message(requested(aRun().ofCreditNotes(), { fullRecheck: true, requestedBy: 'ops' }))).toBe(
      'Full re-check of credit notes requested by ops (manual)',
    );
  });

  it('says at the start what the run reads and why', () => {
    expect(message(started(aRun(), { scope: 'incremental', scopeReason: INCREMENTAL_REASON }))).toBe(
      `Run started (export, manual, requested by test). Incremental: ${INCREMENTAL_REASON}`,
    );
    expect(message(started(aRun(), { scope: 'full', scopeReason: RECHECK_REASON }))).toBe(
      `Run started (export, manual, requested by test). Full re-check: ${RECHECK_REASON}`,
    );
    expect(message(started(aRun(), { scope: 'named' }))).toBe('Run started (export, manual, requested by test). Named documents');
  });

  it('says at the end what the run cost in LNB', () => {
    const counts = 'Run completed: 3 seen, 3 selected, 3 new or changed, 0 unchanged, 0 excluded by the selection, 0 held back';
    expect(message(completed(aRun(), { scope: 'incremental', lnbRequests: 203, changedOrders: 2 }, 5))).toBe(
      `${counts}. Incremental: 203 LNB requests, 5 documents read with their order, 2 orders changed in LNB`,
    );
    expect(message(completed(aRun(), { scope: 'full', lnbRequests: 1 }, 1))).toBe(`${counts}. Full re-check: 1 LNB request, 1 document read with its order`);
    expect(message(completed(aRun(), { lnbRequests: 0 }))).toBe(`${counts}. 0 LNB requests`);
  });

  it('reads as before for the events of an older poller', () => {
    const run = aRun();
    expect([run.requested(), run.started(), run.completed(3)].map(message)).toEqual([
      'Run of invoices requested by test (manual)',
      'Run started (export, manual, requested by test)',
      'Run completed: 3 seen, 3 selected, 3 new or changed, 0 unchanged, 0 excluded by the selection, 0 held back',
    ]);
  });
});
