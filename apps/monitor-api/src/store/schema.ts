import type { Pool } from 'pg';

/**
 * The monitor's tables, in its own schema beside its event store (which owns monitor.events, streams,
 * checkpoints, processed_events). `journal` keeps every envelope and dead letter the monitor took in,
 * append-only: the read models below it are rebuilt from it (`npm run monitor:rebuild`).
 */
export const READ_MODEL_TABLES = ['runs', 'documents', 'run_documents', 'log_lines', 'flow_settings', 'held', 'xero_connections', 'allocations'] as const;

const DDL = `
  create schema if not exists monitor;

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

  -- The walking skeleton's runs table had another shape and no journal behind it: replace it.
  do $$ begin
    if exists (select 1 from information_schema.tables where table_schema = 'monitor' and table_name = 'runs')
       and not exists (select 1 from information_schema.columns where table_schema = 'monitor' and table_name = 'runs' and column_name = 'view') then
      drop table monitor.runs;
    end if;
  end $$;

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
  -- A credit note's allocation state (waiting, allocated, not_possible), for filtering; the view holds the rest.
  alter table monitor.documents add column if not exists allocation text;
  create index if not exists documents_allocation on monitor.documents (allocation, last_event_at desc) where allocation is not null;

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

  -- What the exporter said of each credit note's allocation, per run that exported it (the latest that
  -- stands, domain/documents.ts laterAllocation). The views above copy it; it is kept here too so an
  -- allocation that arrives before anything else of its document (another topic) is there when the
  -- document's row, or its run's, is first written.
  create table if not exists monitor.allocations (
    document_key text not null,
    run_id text not null,
    view jsonb not null,
    primary key (document_key, run_id)
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
`;

export async function migrateReadModel(pool: Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    // Two instances booting together must not race on the DDL.
    await client.query(`select pg_advisory_xact_lock(hashtext('monitor.read-model'))`);
    await client.query(DDL);
    await client.query('commit');
  } catch (err) {
    await client.query('rollback').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
