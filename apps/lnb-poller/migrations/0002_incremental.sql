-- Incremental runs (issue 17): a run asks LNB only for what changed since the flow's last completed run.
-- Two tables are caches of what LNB said, not decided from (losing them costs one run that reads
-- everything, never a missed change): what was last read of each document and retailer; and the
-- connection's LNB request budget (a token bucket shared by every poller instance).

-- Up Migration
alter table poller.runs add column full_recheck boolean not null default false;
-- What the poller last read of each document, for incremental runs to decide from the listing alone.
alter table poller.document_revisions add column update_time text;
alter table poller.document_revisions add column fingerprint text;
alter table poller.document_revisions add column order_reference text;
alter table poller.document_revisions add column retailer_reference text;
alter table poller.document_revisions add column recheck boolean not null default false;
-- Per flow: every change LNB made before checked_until was seen by a completed run (its start).
create table poller.flow_progress (
  flow text primary key,
  checked_until timestamptz not null,
  last_full_at timestamptz,
  updated_at timestamptz not null default now()
);
-- Per flow: each retailer's content hash as the last completed run listed it.
create table poller.retailer_fingerprints (
  flow text not null,
  reference text not null,
  fingerprint text not null,
  primary key (flow, reference)
);
-- The connection's LNB request budget (a token bucket), shared by every poller instance.
create table poller.lnb_budget (
  connection_id text primary key,
  tokens double precision not null,
  refilled_at timestamptz not null,
  paused_until timestamptz not null
);

-- Down Migration
drop table poller.lnb_budget;
drop table poller.retailer_fingerprints;
drop table poller.flow_progress;
alter table poller.document_revisions drop column recheck;
alter table poller.document_revisions drop column retailer_reference;
alter table poller.document_revisions drop column order_reference;
alter table poller.document_revisions drop column fingerprint;
alter table poller.document_revisions drop column update_time;
alter table poller.runs drop column full_recheck;
