-- The exporter's own tables beside its event store (connections and their sealed tokens, documents waiting
-- for Xero, what Xero holds per document, contact ids, follow-up work), as the release before migrations
-- (70967e0) created them at start: "if not exists", so that database adopts them unchanged.

-- Up Migration
create table if not exists exporter.connections (
  connection_id text primary key,
  grant_type text not null,
  status text not null default 'disconnected',
  reason text,
  xero_tenant_id text,
  tenant_name text,
  short_code text,
  access_token text,
  access_expires_at timestamptz,
  refresh_token text,
  paused_until timestamptz,
  pause_reason text,
  reference_published_at timestamptz,
  connected_at timestamptz,
  updated_at timestamptz not null default now()
);
create table if not exists exporter.oauth_states (
  state text primary key,
  connection_id text not null,
  redirect_uri text not null,
  created_at timestamptz not null default now()
);
-- One row per call Xero lets a tenant have in flight: a sender holds one (row lock) per unit of work, so
-- exporter instances together never pass the limit.
create table if not exists exporter.rate_slots (
  xero_tenant_id text not null,
  slot int not null,
  primary key (xero_tenant_id, slot)
);
create table if not exists exporter.pending (
  document_key text primary key,
  connection_id text not null,
  doc_type text not null,
  revision text not null,
  run_id text not null,
  correlation_id text not null,
  causation_id text not null,
  value jsonb not null,
  attempts int not null default 0,
  next_attempt_at timestamptz not null default now(),
  enqueued_at timestamptz not null default now(),
  last_error text
);
create index if not exists pending_ready on exporter.pending (connection_id, next_attempt_at, enqueued_at);
create table if not exists exporter.documents (
  document_key text primary key,
  connection_id text not null,
  doc_type text not null,
  xero_tenant_id text,
  xero_id text,
  number text,
  revision text,
  status text,
  sub_total numeric,
  total_tax numeric,
  total numeric,
  url text,
  needs_lookup boolean not null default false,
  updated_at timestamptz not null default now()
);
create table if not exists exporter.contacts (
  xero_tenant_id text not null,
  contact_number text not null,
  contact_id text not null,
  name text not null,
  updated_at timestamptz not null default now(),
  primary key (xero_tenant_id, contact_number)
);
create table if not exists exporter.followups (
  id bigserial primary key,
  document_key text not null,
  connection_id text not null,
  kind text not null,
  doc_type text not null,
  revision text not null,
  run_id text not null,
  correlation_id text not null,
  causation_id text not null,
  xero_id text not null,
  number text not null,
  data jsonb not null,
  attempts int not null default 0,
  next_attempt_at timestamptz not null default now(),
  unique (document_key, kind, revision)
);

-- Down Migration
drop table if exists exporter.followups;
drop table if exists exporter.contacts;
drop table if exists exporter.documents;
drop table if exists exporter.pending;
drop table if exists exporter.rate_slots;
drop table if exists exporter.oauth_states;
drop table if exists exporter.connections;
