-- Each connection's LNB client id and secret (issue 12), set through PUT /internal/connections/:id/lnb-credentials
-- after LNB accepted them. The poller is the only service that uses them, so it alone keeps them: sealed with
-- AES-256-GCM under POLLER_CREDENTIALS_KEY, the connection id bound as associated data (a value copied into
-- another connection's row does not open). A run of the deployment's connection uses its row when there is one,
-- LNB_CLIENT_ID and LNB_CLIENT_SECRET otherwise.

-- Up Migration
create table poller.lnb_credentials (
  connection_id text primary key,
  sealed text not null,
  updated_at timestamptz not null default now()
);

-- Down Migration
drop table poller.lnb_credentials;
