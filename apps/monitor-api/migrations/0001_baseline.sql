-- The monitor's tables beside its event store, as the release before migrations (70967e0) created them at
-- start: "if not exists", so that database adopts them unchanged. `journal` keeps every envelope and dead
-- letter the monitor took in, append-only; the read models are rebuilt from it (`npm run monitor:rebuild`).

-- Up Migration
create table if not exists monitor.journal (
  seq bigserial primary key,
  id text not null unique,
  kind text not null check (kind in ('event', 'dead_letter')),
  topic text not null,
  type text,
  correlation_id text,
  body jsonb not null,
  received_at timestamptz not null default now()
);

create table if not exists monitor.runs (
  run_id text primary key,
  number bigserial not null,
  flow text not null,
  mode text,
  status text not null,
  requested_at timestamptz,
  started_at timestamptz,
  ended_at timestamptz,
  view jsonb not null,
  updated_at timestamptz not null default now()
);
create index if not exists runs_recent on monitor.runs (number desc);

create table if not exists monitor.documents (
  document_key text primary key,
  flow text not null,
  type text not null,
  reference text not null,
  state text not null,
  retailer_reference text,
  retailer_name text,
  document_date date,
  codes text[] not null default '{}',
  last_event_at timestamptz not null,
  view jsonb not null
);
create index if not exists documents_state on monitor.documents (state, last_event_at desc);
create index if not exists documents_flow_reference on monitor.documents (flow, reference);

create table if not exists monitor.run_documents (
  run_id text not null,
  document_key text not null,
  state text not null,
  mode text,
  updated_at timestamptz not null,
  view jsonb not null,
  primary key (run_id, document_key)
);

create table if not exists monitor.log_lines (
  seq bigserial primary key,
  run_id text,
  at timestamptz not null,
  level text not null,
  document_key text,
  reference text,
  code text,
  message text not null,
  event_type text not null,
  source_id text not null,
  revision text
);
create index if not exists log_lines_run on monitor.log_lines (run_id, at, seq);
create index if not exists log_lines_document on monitor.log_lines (document_key, at, seq);

create table if not exists monitor.flow_settings (
  flow text primary key,
  view jsonb not null
);

-- The flows' hold-back lists as the poller last confirmed them.
create table if not exists monitor.held (
  flow text not null,
  reference text not null,
  primary key (flow, reference)
);

-- The Xero connection per LNB connection, as XeroConnectionLost / XeroConnectionRestored tell it.
create table if not exists monitor.xero_connections (
  connection_id text primary key,
  view jsonb not null
);

-- Not a read model: never rebuilt, never truncated.
create table if not exists monitor.api_keys (
  name text primary key,
  role text not null check (role in ('viewer', 'operator')),
  salt text not null,
  hash text not null,
  created_at timestamptz not null default now(),
  revoked_at timestamptz
);

-- Down Migration
drop table if exists monitor.api_keys;
drop table if exists monitor.xero_connections;
drop table if exists monitor.held;
drop table if exists monitor.flow_settings;
drop table if exists monitor.log_lines;
drop table if exists monitor.run_documents;
drop table if exists monitor.documents;
drop table if exists monitor.runs;
drop table if exists monitor.journal;
