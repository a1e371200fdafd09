-- What the poller knows of each connection (issue 12): whether it is active, paused or removed, as monitor-api, which
-- owns connections, last published it (ConnectionChanged, whole). A cache of another service's state, not the
-- poller's own: kept by the connection's version, so a redelivered or older change never overwrites a newer one.
-- A run or a scheduled firing of a connection that is not active reads nothing from LNB.

-- Up Migration
create table poller.connection_statuses (
  connection_id text primary key,
  status text not null check (status in ('active', 'paused', 'removed')),
  paused_reason text,
  version int not null,
  updated_at timestamptz not null default now()
);

-- Down Migration
drop table poller.connection_statuses;
