import { createEnvelope, isCodedError, RunRequested, RunStarted } from '@lnbx/contracts';
import { decodeRecorded, UnreadableEventError } from './decode-recorded';
import type { RecordedEvent } from './event-store';

const requested = createEnvelope(
  RunRequested.definition,
  { runId: 'run-1', flow: 'invoices', mode: 'export', trigger: 'manual', requestedBy: 'ops' },
  { producer: 'monitor-api', connectionId: 'acme', correlationId: 'run-1', key: 'acme:invoices' },
);

/** A row as the store gives it back: the envelope as JSON data, the type beside it. */
function recorded(data: unknown, over: Partial<RecordedEvent> = {}): RecordedEvent {
  return {
    eventId: requested.eventId,
    streamId: 'run-run-1',
    streamVersion: 1,
    type: 'RunRequested',
    data,
    metadata: {},
    topic: RunRequested.definition.topic,
    kafkaKey: 'acme:invoices',
    position: { transactionId: 1n, globalPosition: 1n },
    recordedAt: new Date(),
    ...over,
  };
}

function failure(run: () => unknown): UnreadableEventError {
  try {
    run();
  } catch (err) {
    if (err instanceof UnreadableEventError) return err;
    throw err;
  }
  throw new Error('expected an UnreadableEventError');
}

describe('decodeRecorded', () => {
  it('gives back the envelope that was stored, its payload a validated instance of the DTO', () => {
    const env = decodeRecorded(recorded(JSON.parse(JSON.stringify(requested))), RunRequested.definition);
    expect(env).toEqual({ ...requested, payload: { ...requested.payload } });
    expect(env.payload).toBeInstanceOf(RunRequested.Value);
  });

  it("reads an event kept without a topic (never published) on its definition's topic", () => {
    expect(decodeRecorded(recorded(requested, { topic: null, kafkaKey: null }), RunRequested.definition).payload.runId).toBe('run-1');
  });

  it('refuses another event than the one asked for, naming the stream, version and event', () => {
    const err = failure(() => decodeRecorded(recorded(requested, { streamVersion: 3 }), RunStarted.definition));
    expect(err.message).toBe(`run-run-1 v3 (event ${requested.eventId}) cannot be read: it holds a RunRequested, not a RunStarted`);
    expect([err.code, err.retriable, err.streamId, err.streamVersion, err.eventId]).toEqual([
      'STORE.UNREADABLE_EVENT',
      false,
      'run-run-1',
      3,
      requested.eventId,
    ]);
    expect(isCodedError(err, 'STORE.UNREADABLE_EVENT')).toBe(true);
  });

  it('refuses a stored event its contract no longer accepts, with every reason', () => {
    const err = failure(() =>
      decodeRecorded(recorded({ ...requested, payload: { ...requested.payload, flow: 'orders', requestedBy: 7 } }), RunRequested.definition),
    );
    expect(err.message).toMatch(/cannot be read: CONTRACT\.BAD_PAYLOAD: payload\.flow: .*; payload\.requestedBy: /);
    expect(failure(() => decodeRecorded(recorded({ ...requested, eventId: 'not-a-uuid' }), RunRequested.definition)).message).toMatch(
      /CONTRACT\.BAD_ENVELOPE: eventId/,
    );
  });
});
