-- Xero authorization requests: an operator's "Connect to Xero" (POST /api/xero/connect) until Xero sends the
-- browser back to GET /api/xero/callback. The state and the browser's nonce are stored as SHA-256 hashes; the
-- PKCE verifier only until the code is exchanged. A used request stays as the record of who connected what
-- and how it ended; one never used is deleted a day after it expired. Not a read model: never rebuilt.

-- Up Migration
create table monitor.xero_authorizations (
  state_hash text primary key,
  browser_hash text not null,
  connection_id text not null,
  requested_by text not null,
  redirect_uri text not null,
  code_verifier text,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  used_at timestamptz,
  outcome text
);
create index xero_authorizations_expires_at on monitor.xero_authorizations (expires_at) where used_at is null;

-- Down Migration
drop table monitor.xero_authorizations;
