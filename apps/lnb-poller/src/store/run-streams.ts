// The run streams (run-<runId>) read back through evolve, and a decision's events appended to them: the
// published ones through the outbox as their contract's envelopes, the poller's own (RunQueued, RunClaimed,
// PageStored) with no topic, so they are stored and never published.
import {
  CodedError,
  createEnvelope,
  decode,
  type EventEnvelope,
  type Flow,
  flowKey,
  FLOWS,
  RUN_MODES,
  RUN_TRIGGERS,
  RunCompleted,
  RunFailed,
  RunRequested,
  RunStarted,
} from '@lnbx/contracts';
import type { NewEvent, RecordedEvent, Transaction } from '@lnbx/event-store';
import { Outbox } from '@lnbx/messaging';
import { Injectable } from '@nestjs/common';
import { assertNever } from '../domain/flow-settings';
import { evolveRun, newRun, type RunEvent, type RunRequest, type RunState } from '../domain/run';

export const RUN_STREAM_PREFIX = 'run-';
export const runStream = (runId: string): string => `${RUN_STREAM_PREFIX}${runId}`;

@Injectable()
export class RunStreams {
  constructor(private readonly outbox: Outbox) {}

  /** A run's state, from what `tx` sees of its stream. */
  async load(tx: Transaction, runId: string): Promise<RunState> {
    const recorded = await this.outbox.store.readStream(runStream(runId), { tx });
    return recorded.map(runEvent).reduce(evolveRun, newRun(runId));
  }

  /**
   * Appends `events`, decided on `state`, expecting its version: if another writer appended meanwhile (an
   * instance that took the run over), STORE.WRONG_EXPECTED_VERSION refuses them all. Returns the state after.
   */
  async append(tx: Transaction, state: RunState, events: RunEvent[]): Promise<RunState> {
    const stream = runStream(state.runId);
    let current = state;
    for (const event of events) {
      if (isOwn(event)) await this.outbox.store.append(stream, [storedOf(event, state.runId)], { expectedVersion: current.version }, tx);
      else await this.outbox.append(tx, stream, [this.envelopeOf(event, current)], current.version);
      current = evolveRun(current, event);
    }
    return current;
  }

  /** A published event as its envelope: occurredAt and eventId the event's, so the stream read back says the same. */
  private envelopeOf(event: Exclude<RunEvent, OwnRunEvent>, state: RunState): EventEnvelope {
    const ctx = (published: { eventId: string; at: string; connectionId: string; value: { flow: Flow } }, causationId: string | null) => ({
      producer: 'lnb-poller' as const,
      connectionId: published.connectionId,
      correlationId: state.runId,
      key: flowKey(published.connectionId, published.value.flow),
      eventId: published.eventId,
      occurredAt: new Date(published.at),
      causationId,
    });
    switch (event.type) {
      case 'RunRequested':
        return createEnvelope(RunRequested.definition, event.value, ctx(event, null));
      case 'RunStarted':
        return createEnvelope(RunStarted.definition, event.value, ctx(event, state.request?.requestEventId ?? null));
      case 'RunCompleted':
        return createEnvelope(RunCompleted.definition, event.value, ctx(event, state.started?.eventId ?? null));
      case 'RunFailed':
        return createEnvelope(RunFailed.definition, event.value, ctx(event, state.started?.eventId ?? null));
      default:
        return assertNever(event);
    }
  }
}

type OwnRunEvent = Extract<RunEvent, { type: 'RunQueued' | 'RunClaimed' | 'PageStored' }>;
const isOwn = (event: RunEvent): event is OwnRunEvent => event.type === 'RunQueued' || event.type === 'RunClaimed' || event.type === 'PageStored';

/** One of the poller's own events as the stream keeps it: no topic, so never in the outbox. */
function storedOf(event: OwnRunEvent, runId: string): NewEvent {
  const { type, ...data } = event;
  return { type, data, metadata: { correlationId: runId } };
}

/** A stored run event, validated again as any consumer would (its schema may have moved since it was written). */
export function runEvent(recorded: RecordedEvent): RunEvent {
  const where = `${recorded.streamId} v${recorded.streamVersion} (event ${recorded.eventId})`;
  if (recorded.topic === null) return ownEvent(recorded.type, recorded.data, where);
  const decoded = decode(recorded.topic, JSON.stringify(recorded.data));
  if (!decoded.ok) throw unreadable(`${where} cannot be read: ${decoded.code}: ${decoded.reasons.join('; ')}`);
  const { type, payload, eventId, connectionId, occurredAt: at } = decoded.envelope;
  switch (type) {
    case RunRequested.definition.type:
      return { type: 'RunRequested', value: payload as RunRequested.Value, eventId, connectionId, at };
    case RunStarted.definition.type:
      return { type: 'RunStarted', value: payload as RunStarted.Value, eventId, connectionId, at };
    case RunCompleted.definition.type:
      return { type: 'RunCompleted', value: payload as RunCompleted.Value, eventId, connectionId, at };
    case RunFailed.definition.type:
      return { type: 'RunFailed', value: payload as RunFailed.Value, eventId, connectionId, at };
    default:
      throw unreadable(`${where} holds a ${type}, not a run event`);
  }
}

function ownEvent(type: string, data: unknown, where: string): RunEvent {
  const d = (data ?? {}) as Record<string, unknown>;
  const text = (field: string): string => {
    if (typeof d[field] !== 'string') throw unreadable(`${where}: ${type}.${field} is not a string`);
    return d[field] as string;
  };
  const whole = (field: string): number => {
    if (!Number.isInteger(d[field]) || (d[field] as number) < 0) throw unreadable(`${where}: ${type}.${field} is not a whole number`);
    return d[field] as number;
  };
  switch (type) {
    case 'RunQueued':
      return { type, request: runRequest(d.request, where), at: text('at') };
    case 'RunClaimed':
      return { type, worker: text('worker'), leaseMs: whole('leaseMs'), at: text('at') };
    case 'PageStored':
      return { type, worker: text('worker'), page: whole('page'), documents: whole('documents'), emitted: whole('emitted'), at: text('at') };
    default:
      throw unreadable(`${where} holds a ${type}, not a run event`);
  }
}

function runRequest(value: unknown, where: string): RunRequest {
  const r = (value ?? {}) as Partial<RunRequest>;
  const valid =
    typeof r.runId === 'string' &&
    // A RunQueued an older poller recorded got its connection from migration 0005_connections.
    typeof r.connectionId === 'string' &&
    FLOWS.includes(r.flow!) &&
    RUN_MODES.includes(r.mode!) &&
    RUN_TRIGGERS.includes(r.trigger!) &&
    (r.documents === null || (Array.isArray(r.documents) && r.documents.every((x) => typeof x === 'string'))) &&
    typeof r.requestedBy === 'string' &&
    (r.requestEventId === null || typeof r.requestEventId === 'string') &&
    typeof r.fullRecheck === 'boolean';
  if (!valid) throw unreadable(`${where}: RunQueued.request is not a run request`);
  return r as RunRequest;
}

const unreadable = (message: string) => new CodedError('STORE.UNREADABLE_EVENT', message);
