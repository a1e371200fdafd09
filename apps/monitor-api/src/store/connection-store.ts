// The connection streams (connection-<id>) read back through evolveConnection, a decision's events appended
// expecting the version it was decided on, and the projection (monitor.connections) written from the evolved
// state in the same transaction: the same code serves the REST API, the projection hook and the rebuild, so a
// rebuilt table is the one the changes wrote. The stream's own events are stored without a topic (never
// published); each change also goes out once, whole, as ConnectionChanged on its own stream
// (published-connection-<id>), which no decision reads.
import { ConnectionChanged, type ConnectionSnapshot, createEnvelope, type EventEnvelope, FLOWS } from '@lnbx/contracts';
import type { NewEvent, RecordedEvent, Transaction } from '@lnbx/event-store';
import { UnreadableEventError } from '@lnbx/event-store';
import type { ClientBase } from 'pg';
import { changeOf, type ConnectionEvent, type ConnectionEventType, type ConnectionState, evolveConnection, NO_CONNECTION } from '../domain/connection';
import { SCHEMA } from './schema';

export const CONNECTION_STREAM_PREFIX = 'connection-';
export const connectionStream = (id: string): string => `${CONNECTION_STREAM_PREFIX}${id}`;
/** Where the published ConnectionChanged events are appended: a name the prefix above never matches. */
export const publishedConnectionStream = (id: string): string => `published-${connectionStream(id)}`;

/** What the store needs of the event store and the outbox (the Outbox and its store, in the app). */
export interface ConnectionEventSink {
  readStream(streamId: string, tx: Transaction): Promise<RecordedEvent[]>;
  append(tx: Transaction, streamId: string, events: NewEvent[], expectedVersion: number): Promise<void>;
  publish(tx: Transaction, streamId: string, envelopes: EventEnvelope[]): Promise<void>;
}

/** Holds the connection for the rest of the transaction: one decision at a time per connection, whoever asks. */
export const lockConnection = (tx: ClientBase, id: string) => tx.query('select pg_advisory_xact_lock(hashtextextended($1, 0))', [`monitor.connection:${id}`]);

/** What a read of the streams needs: the rebuild has no outbox. */
export type ConnectionStreamReader = Pick<ConnectionEventSink, 'readStream'>;

export async function loadConnection(sink: ConnectionStreamReader, tx: Transaction, id: string): Promise<ConnectionState> {
  return (await sink.readStream(connectionStream(id), tx)).map(connectionEvent).reduce(evolveConnection, NO_CONNECTION);
}

/**
 * Appends `events`, decided on `state`, expecting its version (a writer that appended meanwhile makes
 * STORE.WRONG_EXPECTED_VERSION refuse them all), publishes one ConnectionChanged per event and projects the
 * state after. Returns that state and the published envelopes.
 */
export async function appendConnection(
  sink: ConnectionEventSink,
  tx: Transaction,
  state: ConnectionState,
  events: ConnectionEvent[],
  ctx: { correlationId: string; causationId?: string | null },
): Promise<{ state: ConnectionState; published: EventEnvelope[] }> {
  if (!events.length) return { state, published: [] };
  const after = events.reduce(evolveConnection, state);
  const id = after.connection!.id;
  await sink.append(tx, connectionStream(id), events.map(storedOf), state.version);
  const published: EventEnvelope[] = [];
  let current = state;
  for (const event of events) {
    current = evolveConnection(current, event);
    published.push(
      createEnvelope(
        ConnectionChanged.definition,
        { change: changeOf(event), connection: current.connection!, by: event.by, at: event.at },
        {
          producer: 'monitor-api',
          connectionId: id,
          correlationId: ctx.correlationId,
          causationId: ctx.causationId ?? null,
          key: id,
          occurredAt: new Date(event.at),
        },
      ),
    );
  }
  await sink.publish(tx, publishedConnectionStream(id), published);
  await projectConnection(tx, after);
  return { state: after, published };
}

/** Writes the row of a connection's state; a stream never created has none. */
export async function projectConnection(tx: ClientBase, state: ConnectionState): Promise<void> {
  const c = state.connection;
  if (!c) return;
  await tx.query(
    `insert into ${SCHEMA}.connections (id, name, time_zone, base_currency, status, paused_reason, xero_state, xero_tenant_id, xero_organisation_name,
       xero_reason, lnb_credentials_set_at, lnb_credentials_set_by, lnb_credentials_hint, mapping_changed_at, mapping_changed_by, schedule_changed_at,
       schedule_changed_by, selection_changed_at, selection_changed_by, created_at, created_by, updated_at, version)
     values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,$23)
     on conflict (id) do update set name = excluded.name, time_zone = excluded.time_zone, base_currency = excluded.base_currency, status = excluded.status,
       paused_reason = excluded.paused_reason, xero_state = excluded.xero_state, xero_tenant_id = excluded.xero_tenant_id,
       xero_organisation_name = excluded.xero_organisation_name, xero_reason = excluded.xero_reason, lnb_credentials_set_at = excluded.lnb_credentials_set_at,
       lnb_credentials_set_by = excluded.lnb_credentials_set_by, lnb_credentials_hint = excluded.lnb_credentials_hint,
       mapping_changed_at = excluded.mapping_changed_at, mapping_changed_by = excluded.mapping_changed_by, schedule_changed_at = excluded.schedule_changed_at,
       schedule_changed_by = excluded.schedule_changed_by, selection_changed_at = excluded.selection_changed_at,
       selection_changed_by = excluded.selection_changed_by, created_at = excluded.created_at, created_by = excluded.created_by,
       updated_at = excluded.updated_at, version = excluded.version`,
    [
      c.id,
      c.name,
      c.timeZone,
      c.baseCurrency,
      c.status,
      c.pausedReason,
      c.xero.state,
      c.xero.tenantId,
      c.xero.organisationName,
      c.xero.reason,
      c.lnbCredentials?.setAt ?? null,
      c.lnbCredentials?.setBy ?? null,
      c.lnbCredentials?.hint ?? null,
      c.mappingChanged?.at ?? null,
      c.mappingChanged?.by ?? null,
      c.scheduleChanged?.at ?? null,
      c.scheduleChanged?.by ?? null,
      c.selectionChanged?.at ?? null,
      c.selectionChanged?.by ?? null,
      c.createdAt,
      c.createdBy,
      c.updatedAt,
      c.version,
    ],
  );
}

/** Empties monitor.connections and writes it again from every connection's stream, in `tx`. */
export async function rebuildConnections(sink: ConnectionStreamReader, tx: Transaction): Promise<{ streams: number; events: number }> {
  await tx.query(`lock table ${SCHEMA}.connections in exclusive mode`);
  await tx.query(`delete from ${SCHEMA}.connections`);
  const { rows } = await tx.query<{ stream_id: string }>(`select stream_id from ${SCHEMA}.streams where stream_id like $1 order by stream_id`, [
    `${CONNECTION_STREAM_PREFIX}%`,
  ]);
  const counts = { streams: 0, events: 0 };
  for (const { stream_id } of rows) {
    const state = await loadConnection(sink, tx, stream_id.slice(CONNECTION_STREAM_PREFIX.length));
    await projectConnection(tx, state);
    counts.streams++;
    counts.events += state.version;
  }
  return counts;
}

/** A connection as the REST API shows it: the projection's row, whole, never a secret (none is kept here). */
export type ConnectionOut = ConnectionSnapshot;

type Row = Record<string, unknown>;
const iso = (v: unknown): string | null => (v instanceof Date ? v.toISOString() : null);
const text = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const change = (at: unknown, by: unknown) => (iso(at) ? { at: iso(at)!, by: text(by)! } : null);

function outOf(r: Row): ConnectionOut {
  return {
    id: r.id as string,
    name: r.name as string,
    timeZone: r.time_zone as string,
    baseCurrency: text(r.base_currency),
    status: r.status as ConnectionOut['status'],
    pausedReason: text(r.paused_reason),
    xero: {
      state: r.xero_state as ConnectionOut['xero']['state'],
      tenantId: text(r.xero_tenant_id),
      organisationName: text(r.xero_organisation_name),
      reason: text(r.xero_reason),
    },
    lnbCredentials: iso(r.lnb_credentials_set_at)
      ? { setAt: iso(r.lnb_credentials_set_at)!, setBy: text(r.lnb_credentials_set_by)!, hint: text(r.lnb_credentials_hint)! }
      : null,
    mappingChanged: change(r.mapping_changed_at, r.mapping_changed_by),
    scheduleChanged: change(r.schedule_changed_at, r.schedule_changed_by),
    selectionChanged: change(r.selection_changed_at, r.selection_changed_by),
    createdAt: iso(r.created_at)!,
    createdBy: r.created_by as string,
    updatedAt: iso(r.updated_at)!,
    version: r.version as number,
  };
}

/** Every connection, removed ones only when asked (they are kept, recorded, never deleted). */
export async function listConnections(db: ClientBase | { query: ClientBase['query'] }, { includeRemoved = false } = {}): Promise<ConnectionOut[]> {
  const { rows } = await db.query<Row>(`select * from ${SCHEMA}.connections where $1 or status <> 'removed' order by id`, [includeRemoved]);
  return rows.map(outOf);
}

export async function getConnection(db: ClientBase | { query: ClientBase['query'] }, id: string): Promise<ConnectionOut | null> {
  const { rows } = await db.query<Row>(`select * from ${SCHEMA}.connections where id = $1`, [id]);
  return rows.length ? outOf(rows[0]) : null;
}

/** One of the stream's events as it is stored: no topic, so never in the outbox; who did it also in the metadata. */
function storedOf(event: ConnectionEvent): NewEvent {
  const { type, ...data } = event;
  return { type, data, metadata: { by: event.by } };
}

/** The fields each stored event must hold, beyond `by` and `at` (a nullable one ends with ?). */
const FIELDS: Record<ConnectionEventType, readonly string[]> = {
  ConnectionCreated: ['id', 'name', 'timeZone', 'baseCurrency?'],
  ConnectionRenamed: ['name'],
  TimeZoneChanged: ['timeZone'],
  LnbCredentialsSet: ['hint'],
  XeroConnected: ['tenantId', 'organisationName?'],
  XeroLost: ['tenantId?', 'organisationName?', 'reason?'],
  XeroDisconnected: [],
  MappingChanged: [],
  ScheduleChanged: ['flow'],
  SelectionChanged: ['flow'],
  ConnectionPaused: ['reason'],
  ConnectionResumed: [],
  ConnectionRemoved: [],
};

/** A stored event, checked again as a consumer would (its shape may have moved since it was written). */
export function connectionEvent(recorded: RecordedEvent): ConnectionEvent {
  const fields = Object.hasOwn(FIELDS, recorded.type) ? FIELDS[recorded.type as ConnectionEventType] : undefined;
  if (recorded.topic !== null || !fields) throw new UnreadableEventError(recorded, `it holds a ${recorded.type}, not a connection event`);
  const d = (recorded.data ?? {}) as Record<string, unknown>;
  for (const f of ['by', 'at', ...fields]) {
    const name = f.replace(/\?$/, '');
    const v = d[name];
    const ok = typeof v === 'string' || (f.endsWith('?') && (v === null || v === undefined));
    if (!ok) throw new UnreadableEventError(recorded, `${recorded.type}.${name} is not a string`);
  }
  if ('flow' in d && !(FLOWS as readonly unknown[]).includes(d.flow)) throw new UnreadableEventError(recorded, `${recorded.type}.flow is not a flow`);
  return { type: recorded.type, ...d } as ConnectionEvent;
}
