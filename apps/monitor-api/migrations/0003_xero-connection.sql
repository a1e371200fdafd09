-- The Xero connection of each LNB connection as the exporter tells it whole (XeroConnectionChanged): what
-- the Integration Center's Xero panel shows, learnt from events only (the monitor no longer asks the
-- exporter over HTTP). Its losses and restorations stay in monitor.xero_connections. A read model: rebuilt
-- from the journal.

-- Up Migration
create table monitor.xero_connection_state (
  connection_id text primary key,
  status text not null check (status in ('connected', 'lost', 'not_connected')),
  view jsonb not null
);

-- Down Migration
drop table monitor.xero_connection_state;
