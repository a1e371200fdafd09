// The exporter's own tables beside its event store (schema `exporter`): connections and their sealed
// tokens, documents waiting for Xero, what Xero holds per document, contact ids, follow-up work, and
// credit notes' allocations to their invoices.
export const SCHEMA = 'exporter';

export const DDL = [
  `create schema if not exists ${SCHEMA}`,
  `create table if not exists ${SCHEMA}.connections (
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
   )`,
  `create table if not exists ${SCHEMA}.oauth_states (
     state text primary key,
     connection_id text not null,
     redirect_uri text not null,
     created_at timestamptz not null default now()
   )`,
  // One row per call Xero lets a tenant have in flight: a sender holds one (row lock) for each unit of
  // work, so exporter instances together never pass the limit.
  `create table if not exists ${SCHEMA}.rate_slots (
     xero_tenant_id text not null,
     slot int not null,
     primary key (xero_tenant_id, slot)
   )`,
  `create table if not exists ${SCHEMA}.pending (
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
   )`,
  `create index if not exists pending_ready on ${SCHEMA}.pending (connection_id, next_attempt_at, enqueued_at)`,
  `create table if not exists ${SCHEMA}.documents (
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
   )`,
  `create table if not exists ${SCHEMA}.contacts (
     xero_tenant_id text not null,
     contact_number text not null,
     contact_id text not null,
     name text not null,
     updated_at timestamptz not null default now(),
     primary key (xero_tenant_id, contact_number)
   )`,
  `create table if not exists ${SCHEMA}.followups (
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
   )`,
  // A credit note's allocation to its invoice, from its export until it is allocated or cannot be:
  // `message` is the last thing said of it (an event is appended only when that changes).
  `create table if not exists ${SCHEMA}.allocations (
     document_key text primary key,
     connection_id text not null,
     revision text not null,
     run_id text not null,
     correlation_id text not null,
     causation_id text not null,
     credit_note_xero_id text not null,
     credit_note_number text not null,
     invoice_number text not null,
     credit_note_date text,
     state text not null default 'waiting' check (state in ('waiting', 'allocated', 'not_possible')),
     message text,
     checks int not null default 0,
     next_check_at timestamptz not null default now(),
     updated_at timestamptz not null default now()
   )`,
  `create index if not exists allocations_due on ${SCHEMA}.allocations (connection_id, next_check_at) where state = 'waiting'`,
  `create index if not exists allocations_invoice on ${SCHEMA}.allocations (connection_id, upper(invoice_number)) where state = 'waiting'`,
  // Allocations queued as follow-ups before they had a table of their own carry on from here.
  `insert into ${SCHEMA}.allocations (document_key, connection_id, revision, run_id, correlation_id, causation_id, credit_note_xero_id, credit_note_number, invoice_number, credit_note_date)
   select document_key, connection_id, revision, run_id, correlation_id, causation_id, xero_id, number, data->>'invoiceNumber', data->>'date'
     from ${SCHEMA}.followups where kind = 'allocate'
   on conflict (document_key) do nothing`,
  `delete from ${SCHEMA}.followups where kind = 'allocate'`,
];
