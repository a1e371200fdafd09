// The event store on PostgreSQL: one schema per service, optimistic concurrency on a streams row,
// and the outbox as the events that carry a topic (published by OutboxRelay).
import { randomUUID } from 'node:crypto';
import type { ClientBase, Pool, QueryResultRow } from 'pg';
import { DuplicateEventError, hasSqlState, SQLSTATE, WrongExpectedVersionError } from './errors';
import type {
  AppendOptions,
  AppendResult,
  EventStore,
  ExpectedVersion,
  NewEvent,
  OutboxMessage,
  Position,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  StreamAppend,
  Transaction,
} from './event-store';
import { EVENT_COLUMNS, type EventRow, OUTBOX_COLUMNS, positionParams, START, toOutboxMessage, toRecordedEvent } from './rows';
import { checkSchemaName, outboxChannel } from './schema';

type Db = ClientBase | Pool;

/** One events row as the insert's JSON document carries it (a JSON null `data` is kept as JSON null). */
interface EventRecord {
  tx: string;
  stream: string;
  version: number;
  id: string;
  type: string;
  data: unknown;
  meta: Record<string, unknown>;
  topic: string | null;
  key: string | null;
}

function eventRecord(tx: string, stream: string, version: number, e: NewEvent): EventRecord {
  return {
    tx,
    stream,
    version,
    id: e.eventId ?? randomUUID(),
    type: e.type,
    data: e.data ?? null,
    meta: e.metadata ?? {},
    topic: e.topic ?? null,
    key: e.topic === undefined ? null : (e.kafkaKey ?? stream),
  };
}

function checkExpected(streamId: string, expected: ExpectedVersion): void {
  if (typeof expected === 'number' && !(Number.isInteger(expected) && expected >= 0)) {
    throw new RangeError(`stream ${streamId}: expected version must be a whole number >= 0, got ${expected}`);
  }
}

export class PostgresEventStore implements EventStore {
  readonly schema: string;

  constructor(
    readonly pool: Pool,
    schema: string,
  ) {
    this.schema = checkSchemaName(schema);
  }

  async append(streamId: string, events: NewEvent[], { expectedVersion }: AppendOptions, tx?: Transaction): Promise<AppendResult> {
    if (events.length === 0) throw new RangeError(`stream ${streamId}: append needs at least one event`);
    checkExpected(streamId, expectedVersion);
    const run = (c: ClientBase) => this.appendIn(c, streamId, events, expectedVersion);
    return tx ? run(tx) : this.withTransaction(run);
  }

  private async appendIn(c: ClientBase, streamId: string, events: NewEvent[], expected: ExpectedVersion): Promise<AppendResult> {
    const claim = await this.claimVersions(c, streamId, events.length, expected);
    if (!claim) {
      const actual = await this.rows<{ version: number }>(c, `select version from ${this.schema}.streams where stream_id = $1`, [streamId]);
      throw new WrongExpectedVersionError(streamId, expected, actual[0]?.version ?? 0);
    }
    const outbox = events.some((e) => e.topic !== undefined);
    const first = claim.version - events.length + 1;
    const inserted = await this.insertEvents(
      c,
      events.map((e, i) => eventRecord(claim.transaction_id, streamId, first + i, e)),
      streamId,
    );
    // Delivered only at commit, so a relay never wakes for an event it cannot see yet.
    if (outbox) await c.query('select pg_notify($1, $2)', [outboxChannel(this.schema), '']);
    inserted.sort((a, b) => a.stream_version - b.stream_version);
    return { nextVersion: claim.version, globalPositions: inserted.map((r) => BigInt(r.global_position)) };
  }

  /**
   * Appends to many streams at once in three statements whatever their number (a poller page of 500
   * documents, an exporter intake of 100, is one round of them, not one per stream). Each stream's
   * expected version holds as with `append` (absent: `any`); when one does not, nothing is appended and
   * WrongExpectedVersionError names the first such stream. Events keep their order within each stream;
   * the streams' transaction ids only grow, as with `append`. Callers appending with expected versions
   * to streams others may append to concurrently hold those streams' locks in one order first (their
   * rows are claimed in no particular order).
   */
  async appendToStreams(batch: StreamAppend[], tx?: Transaction): Promise<void> {
    const merged = new Map<string, { events: NewEvent[]; expected: ExpectedVersion }>();
    for (const { streamId, events, expectedVersion = 'any' } of batch) {
      checkExpected(streamId, expectedVersion);
      const seen = merged.get(streamId);
      if (seen && (seen.expected !== 'any' || expectedVersion !== 'any')) {
        throw new RangeError(`stream ${streamId}: named twice in one append with an expected version; give its events once`);
      }
      merged.set(streamId, { events: [...(seen?.events ?? []), ...events], expected: expectedVersion });
    }
    const ids = [...merged.keys()].filter((id) => merged.get(id)!.events.length);
    if (!ids.length) return;
    // any: -1; no stream: 0; else the version expected.
    const expectedOf = (e: ExpectedVersion): number => (e === 'any' ? -1 : e === 'no_stream' ? 0 : e);
    const run = async (c: ClientBase) => {
      const s = this.schema;
      const claimed = await this.rows<{ stream_id: string; version: number; transaction_id: string }>(
        c,
        `with s as (select * from unnest($1::text[], $2::int[], $3::int[]) as s(id, n, expected)),
         anyv as (
           insert into ${s}.streams as st (stream_id, version, transaction_id)
           select s.id, s.n, pg_current_xact_id() from s where s.expected = -1 order by s.id
           on conflict (stream_id) do update
             set version = st.version + excluded.version, transaction_id = greatest(st.transaction_id, excluded.transaction_id)
           returning stream_id, version, transaction_id),
         fresh as (
           insert into ${s}.streams (stream_id, version, transaction_id)
           select s.id, s.n, pg_current_xact_id() from s where s.expected = 0 order by s.id
           on conflict (stream_id) do nothing
           returning stream_id, version, transaction_id),
         moved as (
           update ${s}.streams st set version = st.version + s.n, transaction_id = greatest(st.transaction_id, pg_current_xact_id())
           from s where s.expected > 0 and st.stream_id = s.id and st.version = s.expected
           returning st.stream_id, st.version, st.transaction_id)
         select * from anyv union all select * from fresh union all select * from moved`,
        [ids, ids.map((id) => merged.get(id)!.events.length), ids.map((id) => expectedOf(merged.get(id)!.expected))],
      );
      if (claimed.length !== ids.length) {
        const got = new Set(claimed.map((r) => r.stream_id));
        const missed = ids.find((id) => !got.has(id))!;
        const actual = await this.rows<{ version: number }>(c, `select version from ${s}.streams where stream_id = $1`, [missed]);
        throw new WrongExpectedVersionError(missed, merged.get(missed)!.expected, actual[0]?.version ?? 0);
      }
      const records: EventRecord[] = [];
      for (const row of claimed) {
        const { events } = merged.get(row.stream_id)!;
        const first = row.version - events.length + 1;
        events.forEach((e, i) => records.push(eventRecord(row.transaction_id, row.stream_id, first + i, e)));
      }
      await this.insertEvents(c, records, ids.join(', '));
      if (records.some((r) => r.topic !== null)) await c.query('select pg_notify($1, $2)', [outboxChannel(this.schema), '']);
    };
    await (tx ? run(tx) : this.withTransaction(run));
  }

  /**
   * Inserts events in the order given. The rows travel as one JSON document, not as arrays of text:
   * Postgres parses it once, where arrays of JSON texts cost client-side array escaping and a parse
   * per element (twice as slow for a poller page).
   */
  private async insertEvents(c: ClientBase, records: EventRecord[], streams: string): Promise<{ global_position: string; stream_version: number }[]> {
    try {
      return await this.rows(
        c,
        `insert into ${this.schema}.events (transaction_id, stream_id, stream_version, event_id, type, data, metadata, topic, kafka_key)
         select e.tx, e.stream, e.version, e.id, e.type, coalesce(e.data, 'null'::jsonb), coalesce(e.meta, '{}'::jsonb), e.topic, e.key
         from rows from (jsonb_to_recordset($1::jsonb) as (tx xid8, stream text, version int, id uuid, type text, data jsonb, meta jsonb, topic text, key text))
           with ordinality as e(tx, stream, version, id, type, data, meta, topic, key, ord)
         order by e.ord
         returning global_position, stream_version`,
        [JSON.stringify(records)],
      );
    } catch (err) {
      if (hasSqlState(err, SQLSTATE.uniqueViolation)) throw new DuplicateEventError(streams);
      throw err;
    }
  }

  /**
   * Moves the stream's version on by `count` when `expected` holds, or returns undefined. The
   * streams row lock serialises appenders of one stream: a loser waits for the winner's commit,
   * then finds the version changed. The row's transaction_id only ever grows, so each append's
   * events sort after the stream's earlier ones even when this transaction's id is older than the
   * one that appended before it (it took its id before waiting on the lock).
   */
  private async claimVersions(
    c: ClientBase,
    streamId: string,
    count: number,
    expected: ExpectedVersion,
  ): Promise<{ version: number; transaction_id: string } | undefined> {
    const s = this.schema;
    let sql: string;
    let params: unknown[];
    if (expected === 'no_stream' || expected === 0) {
      sql = `insert into ${s}.streams (stream_id, version, transaction_id) values ($1, $2, pg_current_xact_id())
             on conflict (stream_id) do nothing
             returning version, transaction_id`;
      params = [streamId, count];
    } else if (expected === 'any') {
      sql = `insert into ${s}.streams as st (stream_id, version, transaction_id) values ($1, $2, pg_current_xact_id())
             on conflict (stream_id) do update
               set version = st.version + excluded.version,
                   transaction_id = greatest(st.transaction_id, excluded.transaction_id)
             returning version, transaction_id`;
      params = [streamId, count];
    } else {
      sql = `update ${s}.streams
             set version = version + $2, transaction_id = greatest(transaction_id, pg_current_xact_id())
             where stream_id = $1 and version = $3
             returning version, transaction_id`;
      params = [streamId, count, expected];
    }
    return (await this.rows<{ version: number; transaction_id: string }>(c, sql, params))[0];
  }

  async readStream(streamId: string, { fromVersion = 1, maxCount, tx }: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const rows = await this.rows<EventRow>(
      tx ?? this.pool,
      `select ${EVENT_COLUMNS} from ${this.schema}.events
       where stream_id = $1 and stream_version >= $2
       order by stream_version
       limit $3`,
      [streamId, fromVersion, maxCount ?? null],
    );
    return rows.map(toRecordedEvent);
  }

  async readStreams(streamIds: string[], { tx }: Pick<ReadStreamOptions, 'tx'> = {}): Promise<Map<string, RecordedEvent[]>> {
    const ids = [...new Set(streamIds)];
    const streams = new Map<string, RecordedEvent[]>(ids.map((id) => [id, []]));
    if (!ids.length) return streams;
    const rows = await this.rows<EventRow>(
      tx ?? this.pool,
      `select ${EVENT_COLUMNS} from ${this.schema}.events where stream_id = any($1::text[]) order by stream_id, stream_version`,
      [ids],
    );
    for (const row of rows) streams.get(row.stream_id)!.push(toRecordedEvent(row));
    return streams;
  }

  async readAll({ after = START, limit }: ReadAllOptions): Promise<RecordedEvent[]> {
    return this.readOrdered(this.pool, after, limit, false);
  }

  /** The next outbox events after `after`, in publishing order (the relay's read). */
  async readOutbox(after: Position, limit: number, db: Db = this.pool): Promise<OutboxMessage[]> {
    return (await this.readOrdered(db, after, limit, true)).map(toOutboxMessage);
  }

  /**
   * Whether outbox events after `after` are committed or coming but not readable yet: a transaction older than
   * them is still open (readOutbox stops below the oldest one). The relay then looks again soon instead of
   * waiting for its poll, so a long transaction elsewhere delays publishing by its own length, not by a poll.
   */
  async outboxHeldBack(after: Position, db: Db = this.pool): Promise<boolean> {
    const rows = await this.rows<{ held: boolean }>(
      db,
      `select exists (select 1 from ${this.schema}.events where topic is not null and (transaction_id, global_position) > ($1::xid8, $2::bigint)) as held`,
      positionParams(after),
    );
    return rows[0].held;
  }

  /** Outbox events after the checkpoint `name`: what its relay has yet to publish. */
  async outboxLag(name: string, db: Db = this.pool): Promise<number> {
    const after = (await this.readCheckpoint(name, db)) ?? START;
    const rows = await this.rows<{ n: string }>(
      db,
      `select count(*) as n from ${this.schema}.events
       where topic is not null and (transaction_id, global_position) > ($1::xid8, $2::bigint)`,
      positionParams(after),
    );
    return Number(rows[0].n);
  }

  /**
   * Rows come in (transaction_id, global_position) order, and only those below the oldest
   * transaction still running: a position taken by a transaction that has not committed yet can
   * never land behind what a reader has already passed (the emmett consumer-polling race).
   */
  private async readOrdered(db: Db, after: Position, limit: number, outboxOnly: true): Promise<EventRow[]>;
  private async readOrdered(db: Db, after: Position, limit: number, outboxOnly: false): Promise<RecordedEvent[]>;
  private async readOrdered(db: Db, after: Position, limit: number, outboxOnly: boolean): Promise<RecordedEvent[] | EventRow[]> {
    const rows = await this.rows<EventRow>(
      db,
      `select ${outboxOnly ? OUTBOX_COLUMNS : EVENT_COLUMNS} from ${this.schema}.events
       where (transaction_id, global_position) > ($1::xid8, $2::bigint)
         and transaction_id < pg_snapshot_xmin(pg_current_snapshot())
         ${outboxOnly ? 'and topic is not null' : ''}
       order by transaction_id, global_position
       limit $3`,
      [...positionParams(after), limit],
    );
    return outboxOnly ? rows : rows.map(toRecordedEvent);
  }

  async withTransaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('begin');
      const result = await fn(client);
      await client.query('commit');
      client.release();
      return result;
    } catch (err) {
      try {
        await client.query('rollback');
        client.release();
      } catch (rollbackError) {
        // A connection that cannot even roll back is broken: destroy it rather than pool it.
        client.release(rollbackError as Error);
      }
      throw err;
    }
  }

  async markProcessedMany(tx: Transaction, consumer: string, eventIds: string[]): Promise<Set<string>> {
    if (!eventIds.length) return new Set();
    // Postgres answers a uuid in lower case: the ids are given back as the caller wrote them.
    const given = new Map(eventIds.map((id) => [id.toLowerCase(), id]));
    const rows = await this.rows<{ event_id: string }>(
      tx,
      `insert into ${this.schema}.processed_events (consumer, event_id) select $1, e from unnest($2::uuid[]) as e
       on conflict do nothing returning event_id`,
      [consumer, [...given.keys()]],
    );
    return new Set(rows.map((r) => given.get(r.event_id)!));
  }

  async markProcessed(tx: Transaction, consumer: string, eventId: string): Promise<boolean> {
    const result = await tx.query(
      `insert into ${this.schema}.processed_events (consumer, event_id) values ($1, $2)
       on conflict do nothing`,
      [consumer, eventId],
    );
    return result.rowCount === 1;
  }

  async readCheckpoint(name: string, db: Db = this.pool): Promise<Position | undefined> {
    const rows = await this.rows<{ transaction_id: string; global_position: string }>(
      db,
      `select transaction_id, global_position from ${this.schema}.checkpoints where name = $1`,
      [name],
    );
    return rows[0] && { transactionId: BigInt(rows[0].transaction_id), globalPosition: BigInt(rows[0].global_position) };
  }

  async storeCheckpoint(name: string, position: Position, db: Db = this.pool): Promise<void> {
    // Never backwards: a relay deposed mid-batch must not undo its successor's progress.
    await db.query(
      `insert into ${this.schema}.checkpoints as cp (name, transaction_id, global_position) values ($1, $2, $3)
       on conflict (name) do update
         set transaction_id = excluded.transaction_id, global_position = excluded.global_position, updated_at = now()
         where (cp.transaction_id, cp.global_position) < (excluded.transaction_id, excluded.global_position)`,
      [name, ...positionParams(position)],
    );
  }

  private async rows<R extends QueryResultRow>(db: Db, sql: string, params: unknown[]): Promise<R[]> {
    return (await db.query<R>(sql, params)).rows;
  }
}
