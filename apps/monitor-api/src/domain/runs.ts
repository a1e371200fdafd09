// A run as the monitor shows it, folded from the run events. The four run events travel on four
// topics, so they may arrive in any order: a completed run never goes back to running, and what an
// early event leaves unknown is filled in when the others come.
import type { Flow, Problem, RunCompleted, RunMode, RunTrigger } from '@lnbx/contracts';
import { assertNever, type RunEvent } from './events';

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
}

const RANK: Record<RunStatus, number> = { requested: 0, running: 1, completed: 2, failed: 2 };

const later = (current: RunStatus, next: RunStatus): RunStatus => (RANK[next] > RANK[current] ? next : current);

export function evolveRun(run: RunView | null, e: RunEvent): RunView {
  const base: RunView = run ?? {
    runId: e.payload.runId, connectionId: e.connectionId, flow: e.payload.flow, mode: null, trigger: null, requestedBy: null,
    requestedDocuments: null, status: 'requested', requestedAt: null, startedAt: null, endedAt: null, counts: null, problem: null,
  };
  switch (e.type) {
    case 'RunRequested': {
      const p = e.payload;
      return {
        ...base, mode: base.mode ?? p.mode, trigger: base.trigger ?? p.trigger, requestedBy: base.requestedBy ?? p.requestedBy,
        requestedDocuments: p.documents?.length ? p.documents : base.requestedDocuments, requestedAt: e.occurredAt,
      };
    }
    case 'RunStarted': {
      const p = e.payload;
      return { ...base, mode: p.mode, trigger: p.trigger, requestedBy: p.requestedBy, startedAt: p.startedAt, status: later(base.status, 'running') };
    }
    case 'RunCompleted':
      return { ...base, status: later(base.status, 'completed'), endedAt: e.payload.completedAt, counts: e.payload.counts };
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
