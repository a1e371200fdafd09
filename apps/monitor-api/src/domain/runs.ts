// A run as the monitor shows it, folded from the run events. The four run events travel on four
// topics, so they may arrive in any order: a completed run never goes back to running, and what an
// early event leaves unknown is filled in when the others come.
import { assertNever, type Flow, type Problem, type RunCompleted, type RunMode, type RunScope, type RunTrigger } from '@lnbx/contracts';
import type { RunEvent } from './events';

export const RUN_STATUSES = ['requested', 'running', 'completed', 'failed'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export interface RunView {
  runId: string;
  connectionId: string;
  flow: Flow;
  mode: RunMode | null;
  trigger: RunTrigger | null;
  requestedBy: string | null;
  /** The references a run was asked for ("export now" or a retry), if any. */
  requestedDocuments: string[] | null;
  status: RunStatus;
  requestedAt: string | null;
  startedAt: string | null;
  endedAt: string | null;
  counts: RunCompleted.Counts | null;
  problem: Problem | null;
  /** Asked for as "Full re-check" (RunRequested.fullRecheck). */
  fullRecheck: boolean;
  /**
   * What the run read from LNB and why, as the poller said when it started it (RunStarted.scope, scopeReason).
   * Null for runs of pollers older than incremental runs, and until the start is known.
   */
  scope: RunScope | null;
  scopeReason: string | null;
  /** Incremental: the orders LNB updated since this time were read again. */
  changedSince: string | null;
  /** Requests the run sent to LNB, retries and token requests included (RunCompleted); null until it completes. */
  lnbRequests: number | null;
  /** Incremental: the orders LNB listed as changed since `changedSince`. */
  changedOrders: number | null;
}

/** What a run read from LNB, in the words the task log and the Integration Center use. */
export const SCOPE_LABEL: Record<RunScope, string> = { incremental: 'Incremental', full: 'Full re-check', named: 'Named documents' };

type AddedLater = 'fullRecheck' | 'scope' | 'scopeReason' | 'changedSince' | 'lnbRequests' | 'changedOrders';
/** A view as monitor.runs may hold it: one stored before incremental runs lacks their fields. */
export type StoredRunView = Omit<RunView, AddedLater> & Partial<Pick<RunView, AddedLater>>;

/** What a stored view lacks reads as unknown (null), never undefined. */
export function readStoredRun(stored: StoredRunView): RunView {
  return {
    ...stored,
    fullRecheck: stored.fullRecheck ?? false,
    scope: stored.scope ?? null,
    scopeReason: stored.scopeReason ?? null,
    changedSince: stored.changedSince ?? null,
    lnbRequests: stored.lnbRequests ?? null,
    changedOrders: stored.changedOrders ?? null,
  };
}

const RANK: Record<RunStatus, number> = { requested: 0, running: 1, completed: 2, failed: 2 };

const later = (current: RunStatus, next: RunStatus): RunStatus => (RANK[next] > RANK[current] ? next : current);

export function evolveRun(run: StoredRunView | null, e: RunEvent): RunView {
  const base: RunView = run
    ? readStoredRun(run)
    : {
        runId: e.payload.runId,
        connectionId: e.connectionId,
        flow: e.payload.flow,
        mode: null,
        trigger: null,
        requestedBy: null,
        requestedDocuments: null,
        status: 'requested',
        requestedAt: null,
        startedAt: null,
        endedAt: null,
        counts: null,
        problem: null,
        fullRecheck: false,
        scope: null,
        scopeReason: null,
        changedSince: null,
        lnbRequests: null,
        changedOrders: null,
      };
  switch (e.type) {
    case 'RunRequested': {
      const p = e.payload;
      return {
        ...base,
        mode: base.mode ?? p.mode,
        trigger: base.trigger ?? p.trigger,
        requestedBy: base.requestedBy ?? p.requestedBy,
        requestedDocuments: p.documents?.length ? p.documents : base.requestedDocuments,
        requestedAt: e.occurredAt,
        fullRecheck: base.fullRecheck || p.fullRecheck === true,
      };
    }
    case 'RunStarted': {
      const p = e.payload;
      // An older poller says nothing of its scope: what a RunCompleted brought first stays.
      return {
        ...base,
        mode: p.mode,
        trigger: p.trigger,
        requestedBy: p.requestedBy,
        startedAt: p.startedAt,
        status: later(base.status, 'running'),
        scope: p.scope ?? base.scope,
        scopeReason: p.scopeReason ?? base.scopeReason,
        changedSince: p.changedSince ?? base.changedSince,
      };
    }
    case 'RunCompleted': {
      const p = e.payload;
      return {
        ...base,
        status: later(base.status, 'completed'),
        endedAt: p.completedAt,
        counts: p.counts,
        scope: base.scope ?? p.scope ?? null,
        lnbRequests: p.lnbRequests ?? null,
        changedOrders: p.changedOrders ?? null,
      };
    }
    case 'RunFailed':
      return { ...base, status: later(base.status, 'failed'), endedAt: e.payload.failedAt, problem: e.payload.problem };
    default:
      return assertNever(e);
  }
}

/** Seconds from start (or request, when the start is not known) to the end; null while running. */
export function runDurationSeconds(run: RunView): number | null {
  const from = run.startedAt ?? run.requestedAt;
  if (!from || !run.endedAt) return null;
  return Math.max(0, (Date.parse(run.endedAt) - Date.parse(from)) / 1000);
}
