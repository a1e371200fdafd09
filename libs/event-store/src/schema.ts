// The tables of one service's event store, all in that service's own Postgres schema.

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** The schema name, checked, because it is spliced into SQL (identifiers cannot be bind parameters). */
export function checkSchemaName(schema: string): string {
  if (!SCHEMA_NAME.test(schema)) {
    throw new Error(`event store schema "${schema}" must match ${SCHEMA_NAME} (lower case letters, digits, _)`);
  }
  if (schema.startsWith('pg_') || schema === 'information_schema') {
    throw new Error(`event store schema "${schema}" is reserved by PostgreSQL`);
  }
  return schema;
}

/**
 * Idempotent DDL. `events.transaction_id` is the writer's transaction id, raised when needed to the
 * stream's previous one (see `streams.transaction_id` and the README: it keeps a stream's order in
 * the global order). The outbox is the events that have a topic; the partial index finds them.
 */
export function schemaDdl(schema: string): string[] {
  const s = checkSchemaName(schema);
  return [
    `create schema if not exists ${s}`,
    `create table if not exists ${s}.streams (
       stream_id text primary key,
       version int not null check (version > 0),
       transaction_id xid8 not null
     )`,
    `create table if not exists ${s}.events (
       global_position bigserial primary key,
       transaction_id xid8 not null default pg_current_xact_id(),
       stream_id text not null,
       stream_version int not null,
       event_id uuid not null unique,
       type text not null,
       data jsonb not null,
       metadata jsonb not null default '{}',
       topic text null,
       kafka_key text null,
       recorded_at timestamptz not null default now(),
       unique (stream_id, stream_version)
     )`,
    `create index if not exists events_global_order on ${s}.events (transaction_id, global_position)`,
    `create index if not exists events_outbox_order on ${s}.events (transaction_id, global_position)
       where topic is not null`,
    `create table if not exists ${s}.checkpoints (
       name text primary key,
       transaction_id xid8 not null,
       global_position bigint not null,
       updated_at timestamptz not null default now()
     )`,
    `create table if not exists ${s}.processed_events (
       consumer text not null,
       event_id uuid not null,
       processed_at timestamptz not null default now(),
       primary key (consumer, event_id)
     )`,
  ];
}

/** The LISTEN/NOTIFY channel that wakes this schema's relays when an outbox event commits. */
export const outboxChannel = (schema: string): string => `${checkSchemaName(schema)}_outbox`;
