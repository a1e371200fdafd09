// A run, decided from its own stream (run-<runId>): requested, queued, claimed by one poller instance with a
// lease, started, its pages stored, completed or failed. RunRequested, RunStarted, RunCompleted and RunFailed
// are published (their contract's payload); RunQueued, RunClaimed and PageStored stay in the stream. The run
// queue (poller.runs) and each flow's progress (poller.flow_progress) are projections of this state.
import type { Flow, RunCompleted, RunFailed, RunMode, RunRequested, RunScope, RunStarted, RunTrigger } from '@lnbx/contracts';
import { assertNever } from './flow-settings';

/** What a run was asked to do, as the queue takes it. */
export interface RunRequest {
  runId: string;
  /** The connection (brand) the run reads for: its LNB credentials and budget, its settings, its documents' keys. */
  connectionId: string;
  flow: Flow;
  mode: RunMode;
  trigger: RunTrigger;
  /** The documents a run names; null: the flow's listing. */
  documents: string[] | null;
  requestedBy: string;
  /** The RunRequested the run answers (its RunStarted's causation); null for a run an older poller queued without it. */
  requestEventId: string | null;
  fullRecheck: boolean;
}

/** The instance holding a run. The heartbeats that keep the lease alive go to the queue, not the stream (one every lease/3). */
export interface RunLease {
  worker: string;
  /** The database's clock, as every lease comparison is: instances' clocks may differ. */
  claimedAt: string;
  leaseMs: number;
}

/** An event published on its contract's topic keeps its eventId: causations point at it. */
interface Published<T extends string, V> {
  type: T;
  value: V;
  eventId: string;
  /** The connection its envelope names. */
  connectionId: string;
  /** Its occurredAt. */
  at: string;
}

export type RunEvent =
  /** Fired by the poller's scheduler (monitor-api's requests are in monitor-api's stream). */
  | Published<'RunRequested', RunRequested.Value>
  /** The poller took the request into its queue; a scheduled run's own RunRequested needs none. */
  | { type: 'RunQueued'; request: RunRequest; at: string }
  | { type: 'RunClaimed'; worker: string; leaseMs: number; at: string }
  | Published<'RunStarted', RunStarted.Value>
  /** One page of the listing (1-based) whose reads and detected events were stored, in the same transaction. */
  | { type: 'PageStored'; worker: string; page: number; documents: number; emitted: number; at: string }
  | Published<'RunCompleted', RunCompleted.Value>
  | Published<'RunFailed', RunFailed.Value>;

export type RunStatus = 'new' | 'requested' | 'claimed' | 'started' | 'completed' | 'failed';

/** What the claim in force started: a takeover starts the run again from its first page. */
export interface RunAttempt {
  eventId: string;
  /** The connection its RunStarted named (a run an older poller started may have no request in its stream). */
  connectionId: string;
  startedAt: string;
  flow: Flow;
  mode: RunMode;
  /** Absent from pollers older than incremental runs (they read everything). */
  scope?: RunScope;
  /** The last page stored since this start; 0: none yet. */
  lastPage: number;
}

/** One run's stream, as its events tell it. */
export interface RunState {
  runId: string;
  /** How many events the stream holds; a decision is appended expecting exactly this. */
  version: number;
  status: RunStatus;
  /** null: not requested in this stream (a run an older poller queued, or none at all). */
  request: RunRequest | null;
  lease: RunLease | null;
  /** Claims so far: each is one attempt. */
  claims: number;
  started: RunAttempt | null;
  /** Set once the run ended: what the run did, or why it failed. */
  ended: { type: 'RunCompleted'; value: RunCompleted.Value; at: string } | { type: 'RunFailed'; value: RunFailed.Value; at: string } | null;
}

export const newRun = (runId: string): RunState => ({ runId, version: 0, status: 'new', request: null, lease: null, claims: 0, started: null, ended: null });

export type RunCommand =
  /** The scheduler fires a run (a new stream). */
  | { type: 'RequestRun'; connectionId: string; value: RunRequested.Value; eventId: string; at: string }
  /** A RunRequested consumed from Kafka: the run joins the queue. */
  | { type: 'QueueRun'; request: RunRequest; at: string }
  /**
   * An instance takes the run. `at` and `holderSeenAt` (the holder's last heartbeat) are the database's clock;
   * `request` is the queue's row, recorded for a run an older poller queued without a RunQueued.
   */
  | { type: 'ClaimRun'; worker: string; leaseMs: number; at: string; holderSeenAt: string | null; request: RunRequest }
  | { type: 'StartRun'; worker: string; value: RunStarted.Value; eventId: string; at: string }
  | { type: 'StorePage'; worker: string; page: number; documents: number; emitted: number; at: string }
  | { type: 'CompleteRun'; worker: string; value: RunCompleted.Value; eventId: string; at: string }
  | { type: 'FailRun'; worker: string; value: RunFailed.Value; eventId: string; at: string };

/**
 * Why a command is refused. Internal to the poller (the queue and its instances act on them; no person
 * sees one), so they are not in the error catalogue. RUN_NOT_HELD and RUN_FINISHED tell an instance it
 * lost the run (another took it over, or ended it): it stops without a word on Kafka.
 */
export type RunRefusalCode =
  'RUN.ALREADY_REQUESTED' | 'RUN.LEASE_HELD' | 'RUN.NOT_HELD' | 'RUN.FINISHED' | 'RUN.ALREADY_STARTED' | 'RUN.NOT_STARTED' | 'RUN.PAGE_OUT_OF_ORDER';
export type RunRefusal = { ok: false; code: RunRefusalCode; message: string };
export type RunDecision = { ok: true; events: RunEvent[] } | RunRefusal;

/** What a command makes happen on the run as its stream stands, or why not. */
export function decideRun(command: RunCommand, state: RunState): RunDecision {
  const run = state.runId;
  switch (command.type) {
    case 'RequestRun':
      if (state.version > 0) return refuse('RUN.ALREADY_REQUESTED', `run ${run} exists already`);
      return accept({ type: 'RunRequested', value: command.value, eventId: command.eventId, connectionId: command.connectionId, at: command.at });
    case 'QueueRun':
      // Redelivered, or the scheduler's own request read back from Kafka: queued already.
      if (state.request) return accept();
      return accept({ type: 'RunQueued', request: command.request, at: command.at });
    case 'ClaimRun': {
      if (state.ended) return finished(state);
      const lease = state.lease;
      if (lease && lease.worker !== command.worker && leaseLive(lease, command.holderSeenAt, command.at)) {
        return refuse('RUN.LEASE_HELD', `run ${run} is held by ${lease.worker}, whose lease has not ended`);
      }
      const claimed: RunEvent = { type: 'RunClaimed', worker: command.worker, leaseMs: command.leaseMs, at: command.at };
      return state.request ? accept(claimed) : accept({ type: 'RunQueued', request: command.request, at: command.at }, claimed);
    }
    case 'StartRun': {
      const held = holding(state, command.worker);
      if (held) return held;
      if (state.status === 'started') return refuse('RUN.ALREADY_STARTED', `run ${run} was started already by this claim`);
      return accept({ type: 'RunStarted', value: command.value, eventId: command.eventId, connectionId: connectionOf(state), at: command.at });
    }
    case 'StorePage': {
      const held = holding(state, command.worker) ?? notStarted(state);
      if (held) return held;
      if (command.page <= state.started!.lastPage) {
        return refuse('RUN.PAGE_OUT_OF_ORDER', `run ${run}: page ${command.page} comes after page ${state.started!.lastPage}, which is stored`);
      }
      const { worker, page, documents, emitted, at } = command;
      return accept({ type: 'PageStored', worker, page, documents, emitted, at });
    }
    case 'CompleteRun':
      return (
        holding(state, command.worker) ??
        notStarted(state) ??
        accept({ type: 'RunCompleted', value: command.value, eventId: command.eventId, connectionId: connectionOf(state), at: command.at })
      );
    case 'FailRun':
      // A run may fail before it starts (its progress could not be read).
      return (
        holding(state, command.worker) ??
        accept({ type: 'RunFailed', value: command.value, eventId: command.eventId, connectionId: connectionOf(state), at: command.at })
      );
    default:
      return assertNever(command);
  }
}

/**
 * The run's state after one more of its events. History is taken as it is, including what a decision would
 * refuse today (an older poller's run taken over and completed twice, a RunStarted with no claim before it).
 */
export function evolveRun(state: RunState, event: RunEvent): RunState {
  const next = { ...state, version: state.version + 1 };
  const status = (to: RunStatus): RunStatus => (state.ended ? state.status : to);
  switch (event.type) {
    case 'RunRequested':
      return { ...next, status: status(state.status === 'new' ? 'requested' : state.status), request: state.request ?? requestOf(event) };
    case 'RunQueued':
      return { ...next, status: status(state.status === 'new' ? 'requested' : state.status), request: state.request ?? event.request };
    case 'RunClaimed':
      return {
        ...next,
        status: status('claimed'),
        lease: { worker: event.worker, claimedAt: event.at, leaseMs: event.leaseMs },
        claims: state.claims + 1,
        started: null,
      };
    case 'RunStarted': {
      const { flow, mode, scope, startedAt } = event.value;
      const started: RunAttempt = { eventId: event.eventId, connectionId: event.connectionId, startedAt, flow, mode, ...(scope ? { scope } : {}), lastPage: 0 };
      return { ...next, status: status('started'), started };
    }
    case 'PageStored':
      return state.started ? { ...next, started: { ...state.started, lastPage: event.page } } : next;
    case 'RunCompleted':
    case 'RunFailed':
      return {
        ...next,
        status: status(event.type === 'RunCompleted' ? 'completed' : 'failed'),
        ended: state.ended ?? ({ type: event.type, value: event.value, at: event.at } as RunState['ended']),
      };
    default:
      return assertNever(event);
  }
}

/** What a completed run tells of its flow's progress: every change LNB made before it started was seen. */
export interface ProgressMade {
  connectionId: string;
  flow: Flow;
  checkedUntil: string;
  full: boolean;
}

/**
 * A completed export that read the flow's listing (not named documents) moves its flow's progress to its
 * start. A run from a poller older than incremental runs says no scope: it moves nothing, so a flow whose
 * only runs are that old reads everything next, as the first run after that upgrade did.
 */
export function progressOf(state: RunState): ProgressMade | null {
  const attempt = state.started;
  if (state.ended?.type !== 'RunCompleted' || !attempt || attempt.mode !== 'export') return null;
  switch (attempt.scope) {
    case 'full':
    case 'incremental':
      return { connectionId: attempt.connectionId, flow: attempt.flow, checkedUntil: attempt.startedAt, full: attempt.scope === 'full' };
    case 'named':
    case undefined:
      return null;
    default:
      return assertNever(attempt.scope);
  }
}

/** The RunRequested a run answers, as the queue keeps it. */
export function requestOf(event: { value: RunRequested.Value; eventId: string; connectionId: string }): RunRequest {
  const { runId, flow, mode, trigger, documents, requestedBy, fullRecheck } = event.value;
  return {
    runId,
    connectionId: event.connectionId,
    flow,
    mode,
    trigger,
    documents: documents ?? null,
    requestedBy,
    requestEventId: event.eventId,
    fullRecheck: fullRecheck ?? false,
  };
}

/**
 * The connection of a run being decided on: its request's (a claim records the request first when the stream had
 * none), else its start's. A run held by an instance always has one of them.
 */
function connectionOf(state: RunState): string {
  const connectionId = state.request?.connectionId ?? state.started?.connectionId;
  if (!connectionId) throw new Error(`run ${state.runId} has no request and no start: its connection is unknown`);
  return connectionId;
}

/** Whether a refusal means the instance lost the run: another holds or ended it. */
export const lostTheRun = (refusal: RunRefusal): boolean => refusal.code === 'RUN.NOT_HELD' || refusal.code === 'RUN.FINISHED';

function leaseLive(lease: RunLease, holderSeenAt: string | null, at: string): boolean {
  const seen = Math.max(Date.parse(lease.claimedAt), holderSeenAt ? Date.parse(holderSeenAt) : 0);
  return Date.parse(at) < seen + lease.leaseMs;
}

/** Refused unless `worker` holds the run and it has not ended. */
function holding(state: RunState, worker: string): RunRefusal | undefined {
  if (state.ended) return finished(state);
  if (state.lease?.worker !== worker) {
    return refuse('RUN.NOT_HELD', `run ${state.runId} is not held by ${worker}${state.lease ? ` but by ${state.lease.worker}` : ''}`);
  }
  return undefined;
}

function notStarted(state: RunState): RunRefusal | undefined {
  return state.status === 'started' ? undefined : refuse('RUN.NOT_STARTED', `run ${state.runId} has not started since it was claimed`);
}

function finished(state: RunState): RunRefusal {
  return refuse('RUN.FINISHED', `run ${state.runId} has ${state.status === 'failed' ? 'failed' : 'completed'} already`);
}

const accept = (...events: RunEvent[]): RunDecision => ({ ok: true, events });
const refuse = (code: RunRefusalCode, message: string): RunRefusal => ({ ok: false, code, message });
