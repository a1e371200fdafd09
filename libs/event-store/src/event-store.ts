// The port: what a service needs from an event store, with no database in sight. PostgresEventStore
// fills it today; an EventStoreDB adapter could fill it later (see the README for the mapping).
import type { ClientBase } from 'pg';

/**
 * A connection inside a transaction the caller began. Typed on pg because the point of passing it
 * is to share one Postgres transaction (processed eventId + new events, atomically); an adapter for
 * another store would define its own transaction handle.
 */
export type Transaction = ClientBase;

/**
 * `no_stream`: the stream must not exist yet; a number: the stream must be at exactly this version
 * (versions count events: the first event of a stream is version 1, and 0 means "no stream");
 * `any`: no check.
 */
export type ExpectedVersion = number | 'any' | 'no_stream';

/** Where an event sits in the store-wide order: by committing transaction, then by position. */
export interface Position {
  transactionId: bigint;
  globalPosition: bigint;
}

export interface NewEvent {
  /** A uuid; generated when absent. Consumers deduplicate on it. */
  eventId?: string;
  type: string;
  data: unknown;
  metadata?: Record<string, unknown>;
  /** Set it to put the event in the outbox: the relay publishes it to this Kafka topic. */
  topic?: string;
  /** The Kafka key; defaults to the stream id so one stream's events stay on one partition, in order. */
  kafkaKey?: string;
}

export interface RecordedEvent {
  eventId: string;
  streamId: string;
  streamVersion: number;
  type: string;
  data: unknown;
  metadata: Record<string, unknown>;
  topic: string | null;
  kafkaKey: string | null;
  position: Position;
  recordedAt: Date;
}

/**
 * An outbox row on its way to Kafka. Its data comes as the JSON text Postgres holds, never parsed:
 * the relay sends it as it is (parsing and writing it again cost the poller a tenth of its CPU).
 */
export type OutboxMessage = Omit<RecordedEvent, 'data'> & { topic: string; kafkaKey: string; json: string };

export interface AppendOptions {
  expectedVersion: ExpectedVersion;
}

/** One stream's part of a many-stream append. */
export interface StreamAppend {
  streamId: string;
  events: NewEvent[];
  expectedVersion?: ExpectedVersion;
}

export interface AppendResult {
  /** The stream's version after the append (the version of its last event). */
  nextVersion: number;
  /** The global positions of the appended events, in the order given. */
  globalPositions: bigint[];
}

export interface ReadStreamOptions {
  /** First version to return (inclusive); 1 when absent. */
  fromVersion?: number;
  maxCount?: number;
  /** Read inside this transaction (to decide on what the transaction already sees). */
  tx?: Transaction;
}

export interface ReadAllOptions {
  /** Return events strictly after this position; from the start when absent. */
  after?: Position;
  limit: number;
}

export interface EventStore {
  append(streamId: string, events: NewEvent[], options: AppendOptions, tx?: Transaction): Promise<AppendResult>;
  /** Appends to many streams at once, all or none, each expecting its version (absent: `any`). */
  appendToStreams(batch: StreamAppend[], tx?: Transaction): Promise<void>;
  readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  /** Several whole streams in one read: each stream's events in order, an empty list for a stream with none. */
  readStreams(streamIds: string[], options?: Pick<ReadStreamOptions, 'tx'>): Promise<Map<string, RecordedEvent[]>>;
  /**
   * One page of the store-wide order, holding back events of transactions that may still commit
   * below it, so a reader that resumes after the last position it saw never skips one.
   */
  readAll(options: ReadAllOptions): Promise<RecordedEvent[]>;
  /** Runs `fn` in a transaction: committed when it resolves, rolled back when it throws. */
  withTransaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T>;
  /** Records that `consumer` handled `eventId`; false when it already had. Roll back to un-mark. */
  markProcessed(tx: Transaction, consumer: string, eventId: string): Promise<boolean>;
  /** As markProcessed for many at once: the ids `consumer` had not handled before (now recorded). */
  markProcessedMany(tx: Transaction, consumer: string, eventIds: string[]): Promise<Set<string>>;
  readCheckpoint(name: string, tx?: Transaction): Promise<Position | undefined>;
  /** Moves the checkpoint forward; a position at or behind the stored one is ignored. */
  storeCheckpoint(name: string, position: Position, tx?: Transaction): Promise<void>;
}
