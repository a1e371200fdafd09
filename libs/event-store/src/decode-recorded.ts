// A stored event read back as the envelope it was written from, for a service that rebuilds its state
// from its own streams. Beside the store because every stream reader needs it, and a lib may import
// contracts while contracts imports nothing of ours.
import { CodedError, decode, type EventDefinition, type EventEnvelope } from '@lnbx/contracts';
import type { RecordedEvent } from './event-store';

type Where = Pick<RecordedEvent, 'streamId' | 'streamVersion' | 'eventId'>;

/** A stored event that cannot be read back as the event its stream holds: the state cannot be rebuilt past it. */
export class UnreadableEventError extends CodedError<'STORE.UNREADABLE_EVENT'> {
  readonly streamId: string;
  readonly streamVersion: number;
  readonly eventId: string;

  constructor({ streamId, streamVersion, eventId }: Where, reason: string, cause?: unknown) {
    super('STORE.UNREADABLE_EVENT', `${streamId} v${streamVersion} (event ${eventId}) cannot be read: ${reason}`, {
      details: { streamId, streamVersion, eventId },
      cause,
    });
    this.streamId = streamId;
    this.streamVersion = streamVersion;
    this.eventId = eventId;
  }
}

/**
 * The envelope `recorded` holds, as `definition`, validated again as a consumer validates a message: the
 * schema may have moved since it was written. Decoded on the definition's topic, not the stored one,
 * since an event kept without a topic (never published) is read the same way. Throws
 * UnreadableEventError when it is another event, or no longer passes its contract.
 */
export function decodeRecorded<V extends object>(recorded: RecordedEvent, definition: EventDefinition<V>): EventEnvelope<V> {
  if (recorded.type !== definition.type) throw new UnreadableEventError(recorded, `it holds a ${recorded.type}, not a ${definition.type}`);
  const decoded = decode(definition.topic, JSON.stringify(recorded.data));
  if (!decoded.ok) throw new UnreadableEventError(recorded, `${decoded.code}: ${decoded.reasons.join('; ')}`);
  return decoded.envelope as EventEnvelope<V>;
}
