-- The poller's tables beside its event store, as the release before migrations (70967e0) created them at
-- start: "if not exists", so that database adopts them unchanged.

-- Up Migration
create table if not exists poller.runs (
  run_id text primary key,
  flow text not null,
  mode text not null,
  trigger text not null,
  documents jsonb,
  requested_by text not null,
  status text not null,
  worker text,
  heartbeat_at timestamptz,
  created_at timestamptz not null default now(),
  correlation_event_id text
);
create index if not exists runs_queued on poller.runs (created_at) where status in ('queued', 'running');
create table if not exists poller.document_revisions (
  document_key text primary key,
  revision text not null,
  run_id text not null,
  emitted_at timestamptz not null default now()
);
create table if not exists poller.schedules (
  flow text primary key,
  enabled boolean not null,
  cron text,
  time_zone text,
  last_fired_for timestamptz,
  updated_at timestamptz not null default now()
);
create table if not exists poller.scheduled_fires (
  flow text not null,
  fire_at timestamptz not null,
  primary key (flow, fire_at)
);
create table if not exists poller.selections (
  flow text primary key,
  rules jsonb not null,
  updated_at timestamptz not null default now()
);

-- Down Migration
drop table if exists poller.selections;
drop table if exists poller.scheduled_fires;
drop table if exists poller.schedules;
drop table if exists poller.document_revisions;
drop table if exists poller.runs;
