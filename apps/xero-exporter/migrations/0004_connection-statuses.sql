-- What the exporter knows of each connection's status (issue 12): active, paused or removed, as monitor-api, which
-- owns connections, last published it (ConnectionChanged, whole). A cache of another service's state, kept by the
-- connection's version (a redelivered or older change never overwrites a newer one). While a connection is not
-- active its documents are still recorded as they arrive, and wait: nothing of it is sent to Xero.

-- Up Migration
create table exporter.connection_statuses (
  connection_id text primary key,
  status text not null check (status in ('active', 'paused', 'removed')),
  paused_reason text,
  version int not null,
  updated_at timestamptz not null default now()
);

-- Down Migration
drop table exporter.connection_statuses;
