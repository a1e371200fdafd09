-- Connections (issue 12): each brand's LNB account joined to one Xero organisation, decided from its own
-- stream (connection-<id>, in monitor.events) by decideConnection / evolveConnection. This table is the
-- projection of those streams, written in the transaction that appends to them and rebuilt from them by
-- npm run monitor:rebuild. No secret is kept here: the LNB credentials stay sealed in the poller
-- (poller.lnb_credentials); only that they were set, by whom, when, and a hint of the client id.

-- Up Migration
create table monitor.connections (
  id text primary key,
  name text not null,
  time_zone text not null,
  base_currency text,
  status text not null check (status in ('active', 'paused', 'removed')),
  paused_reason text,
  xero_state text not null check (xero_state in ('never', 'connected', 'lost', 'disconnected')),
  xero_tenant_id text,
  xero_organisation_name text,
  xero_reason text,
  lnb_credentials_set_at timestamptz,
  lnb_credentials_set_by text,
  lnb_credentials_hint text,
  mapping_changed_at timestamptz,
  mapping_changed_by text,
  schedule_changed_at timestamptz,
  schedule_changed_by text,
  selection_changed_at timestamptz,
  selection_changed_by text,
  created_at timestamptz not null,
  created_by text not null,
  updated_at timestamptz not null,
  version integer not null check (version > 0)
);

-- Down Migration
drop table monitor.connections;
