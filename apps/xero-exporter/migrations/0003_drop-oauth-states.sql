-- The Xero connect flow's requests (state, PKCE verifier, who asked) live in monitor-api now
-- (monitor.xero_authorizations): the exporter's own open /connect and /callback, and their table, are gone.

-- Up Migration
drop table exporter.oauth_states;

-- Down Migration
create table exporter.oauth_states (
  state text primary key,
  connection_id text not null,
  redirect_uri text not null,
  created_at timestamptz not null default now()
);
