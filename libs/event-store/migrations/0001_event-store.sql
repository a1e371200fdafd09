-- The tables of one service's event store, created in that service's own schema: the runner sets the
-- search_path to it, which is why no name below is qualified. `events.transaction_id` is the writer's
-- transaction id, raised when needed to the stream's previous one (libs/event-store/README.md: it keeps
-- a stream's order in the global order). The outbox is the events that have a topic.
-- "if not exists": a database made before migrations (the services created these at start) adopts them.

-- Up Migration
create table if not exists streams (
  stream_id text primary key,
  version int not null check (version > 0),
  transaction_id xid8 not null
);
create table if not exists events (
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
);
create index if not exists events_global_order on events (transaction_id, global_position);
create index if not exists events_outbox_order on events (transaction_id, global_position) where topic is not null;
create table if not exists checkpoints (
  name text primary key,
  transaction_id xid8 not null,
  global_position bigint not null,
  updated_at timestamptz not null default now()
);
create table if not exists processed_events (
  consumer text not null,
  event_id uuid not null,
  processed_at timestamptz not null default now(),
  primary key (consumer, event_id)
);

-- Down Migration
drop table if exists processed_events;
drop table if exists checkpoints;
drop table if exists events;
drop table if exists streams;
