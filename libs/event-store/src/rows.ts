// Between Postgres rows and the port's types. pg hands int8 and xid8 over as strings: they become
// bigint here, never number, so no position is ever rounded.
import type { OutboxMessage, Position, RecordedEvent } from './event-store';

export interface EventRow {
  global_position: string;
  transaction_id: string;
  stream_id: string;
  stream_version: number;
  event_id: string;
  type: string;
  data: unknown;
  metadata: Record<string, unknown> | null;
  topic: string | null;
  kafka_key: string | null;
  recorded_at: Date;
}

export const EVENT_COLUMNS = 'global_position, transaction_id, stream_id, stream_version, event_id, type, data, metadata, topic, kafka_key, recorded_at';

/** As EVENT_COLUMNS, with data as the JSON text Postgres holds (pg leaves text unparsed). */
export const OUTBOX_COLUMNS = EVENT_COLUMNS.replace(/\bdata\b/, 'data::text as data');

export function toOutboxMessage(row: EventRow): OutboxMessage {
  const { data, ...event } = toRecordedEvent(row);
  return { ...event, topic: row.topic!, kafkaKey: row.kafka_key!, json: data as string };
}

export function toRecordedEvent(row: EventRow): RecordedEvent {
  return {
    eventId: row.event_id,
    streamId: row.stream_id,
    streamVersion: row.stream_version,
    type: row.type,
    data: row.data,
    metadata: row.metadata ?? {},
    topic: row.topic,
    kafkaKey: row.kafka_key,
    position: { transactionId: BigInt(row.transaction_id), globalPosition: BigInt(row.global_position) },
    recordedAt: row.recorded_at,
  };
}

/** Before everything: where a reader with no checkpoint starts. */
export const START: Position = { transactionId: 0n, globalPosition: 0n };

export function comparePositions(a: Position, b: Position): number {
  if (a.transactionId !== b.transactionId) return a.transactionId < b.transactionId ? -1 : 1;
  if (a.globalPosition !== b.globalPosition) return a.globalPosition < b.globalPosition ? -1 : 1;
  return 0;
}

/** Bind parameters for a position: strings, because pg would send a bigint as a JS number. */
export const positionParams = (p: Position): [string, string] => [p.transactionId.toString(), p.globalPosition.toString()];
