-- Every connection in one monitor (issue 12, part 2 and 3): each read model row says the connection it belongs
-- to (the envelope's connectionId), and what was keyed by flow is keyed by (connection, flow); an API key belongs
-- to one connection (viewer, operator: a brand's finance team) or to the deployment (admin). A database of the
-- single-connection release is upgraded in place: each row takes the connection its own data names (a run's or a
-- document's view, a log line's envelope in the journal), the rest (flow settings, hold-backs, keys) the legacy
-- connection: the last one the monitor's events name, or 'default' (the old CONNECTION_ID default).

-- Up Migration
create temporary table legacy_connection as
select coalesce(
  (select body->>'connectionId' from monitor.journal
    where kind = 'event' and body ? 'connectionId' and type is distinct from 'ConnectionChanged' order by seq desc limit 1),
  (select data->>'connectionId' from monitor.events where data ? 'connectionId' order by global_position desc limit 1),
  'default'
) as id;

alter table monitor.runs add column connection_id text;
update monitor.runs set connection_id = coalesce(view->>'connectionId', (select id from legacy_connection));
alter table monitor.runs alter column connection_id set not null;
alter table monitor.runs drop constraint runs_pkey;
alter table monitor.runs add primary key (connection_id, run_id);
-- A run's number counts that connection's runs only: another brand's runs neither show nor count.
drop index monitor.runs_recent;
create unique index runs_recent on monitor.runs (connection_id, number desc);

alter table monitor.documents add column connection_id text;
update monitor.documents set connection_id = coalesce(view->>'connectionId', split_part(document_key, ':', 1));
alter table monitor.documents alter column connection_id set not null;
alter table monitor.documents drop constraint documents_pkey;
alter table monitor.documents add primary key (connection_id, document_key);
drop index monitor.documents_state;
create index documents_state on monitor.documents (connection_id, state, last_event_at desc);
drop index monitor.documents_flow_reference;
create index documents_flow_reference on monitor.documents (connection_id, flow, reference);
drop index monitor.documents_allocation;
create index documents_allocation on monitor.documents (connection_id, allocation, last_event_at desc) where allocation is not null;

alter table monitor.run_documents add column connection_id text;
update monitor.run_documents rd set connection_id = coalesce(
  (select r.connection_id from monitor.runs r where r.run_id = rd.run_id limit 1),
  split_part(rd.document_key, ':', 1));
alter table monitor.run_documents alter column connection_id set not null;
alter table monitor.run_documents drop constraint run_documents_pkey;
alter table monitor.run_documents add primary key (connection_id, run_id, document_key);
create index run_documents_document on monitor.run_documents (connection_id, document_key);

alter table monitor.allocations add column connection_id text;
update monitor.allocations set connection_id = split_part(document_key, ':', 1);
alter table monitor.allocations alter column connection_id set not null;
alter table monitor.allocations drop constraint allocations_pkey;
alter table monitor.allocations add primary key (connection_id, document_key, run_id);

-- Null: a dead letter that says nothing of its connection (shown to the deployment's admin keys only).
alter table monitor.log_lines add column connection_id text;
update monitor.log_lines l set connection_id = j.body->>'connectionId'
  from monitor.journal j where j.kind = 'event' and j.id = l.source_id;
-- A dead letter's Kafka key starts with its connection (<connection>:<type>:<reference>, <connection>:<flow>, ...).
update monitor.log_lines l set connection_id = split_part(j.body->>'key', ':', 1)
  from monitor.journal j where j.kind = 'dead_letter' and j.id = 'dlq:' || l.source_id and split_part(j.body->>'key', ':', 1) ~ '^[a-z0-9][a-z0-9-]{1,62}$';
update monitor.log_lines set connection_id = (select id from legacy_connection) where connection_id is null and event_type <> 'DeadLetter';
drop index monitor.log_lines_run;
create index log_lines_run on monitor.log_lines (connection_id, run_id, at, seq);
drop index monitor.log_lines_document;
create index log_lines_document on monitor.log_lines (connection_id, document_key, at, seq);

alter table monitor.flow_settings add column connection_id text;
update monitor.flow_settings set connection_id = (select id from legacy_connection);
alter table monitor.flow_settings alter column connection_id set not null;
alter table monitor.flow_settings drop constraint flow_settings_pkey;
alter table monitor.flow_settings add primary key (connection_id, flow);

alter table monitor.held add column connection_id text;
update monitor.held set connection_id = (select id from legacy_connection);
alter table monitor.held alter column connection_id set not null;
alter table monitor.held drop constraint held_pkey;
alter table monitor.held add primary key (connection_id, flow, reference);

-- A viewer or operator key belongs to one connection; an admin key to the deployment (no connection).
alter table monitor.api_keys add column connection_id text;
update monitor.api_keys set connection_id = (select id from legacy_connection) where role in ('viewer', 'operator');
alter table monitor.api_keys add constraint api_keys_connection_check check ((role = 'admin') = (connection_id is null));
create index api_keys_connection on monitor.api_keys (connection_id, created_at);

drop table legacy_connection;

-- Down Migration
-- The previous release keys its read models by run, document and flow alone, and serves one connection: a
-- single-connection database goes back unchanged; where two connections' rows share such a key, one of them is
-- kept (the previous release's `npm run monitor:rebuild` makes them again from the journal). Keys keep their role
-- and lose their connection.
drop index monitor.api_keys_connection;
alter table monitor.api_keys drop constraint api_keys_connection_check;
alter table monitor.api_keys drop column connection_id;

delete from monitor.runs a using monitor.runs b where a.run_id = b.run_id and a.connection_id > b.connection_id;
delete from monitor.documents a using monitor.documents b where a.document_key = b.document_key and a.connection_id > b.connection_id;
delete from monitor.run_documents a using monitor.run_documents b
  where a.run_id = b.run_id and a.document_key = b.document_key and a.connection_id > b.connection_id;
delete from monitor.allocations a using monitor.allocations b
  where a.document_key = b.document_key and a.run_id = b.run_id and a.connection_id > b.connection_id;
delete from monitor.flow_settings a using monitor.flow_settings b where a.flow = b.flow and a.connection_id > b.connection_id;
delete from monitor.held a using monitor.held b where a.flow = b.flow and a.reference = b.reference and a.connection_id > b.connection_id;

alter table monitor.held drop constraint held_pkey;
alter table monitor.held drop column connection_id;
alter table monitor.held add primary key (flow, reference);

alter table monitor.flow_settings drop constraint flow_settings_pkey;
alter table monitor.flow_settings drop column connection_id;
alter table monitor.flow_settings add primary key (flow);

drop index monitor.log_lines_document;
drop index monitor.log_lines_run;
alter table monitor.log_lines drop column connection_id;
create index log_lines_run on monitor.log_lines (run_id, at, seq);
create index log_lines_document on monitor.log_lines (document_key, at, seq);

alter table monitor.allocations drop constraint allocations_pkey;
alter table monitor.allocations drop column connection_id;
alter table monitor.allocations add primary key (document_key, run_id);

drop index monitor.run_documents_document;
alter table monitor.run_documents drop constraint run_documents_pkey;
alter table monitor.run_documents drop column connection_id;
alter table monitor.run_documents add primary key (run_id, document_key);

drop index monitor.documents_allocation;
drop index monitor.documents_flow_reference;
drop index monitor.documents_state;
alter table monitor.documents drop constraint documents_pkey;
alter table monitor.documents drop column connection_id;
alter table monitor.documents add primary key (document_key);
create index documents_state on monitor.documents (state, last_event_at desc);
create index documents_flow_reference on monitor.documents (flow, reference);
create index documents_allocation on monitor.documents (allocation, last_event_at desc) where allocation is not null;

drop index monitor.runs_recent;
alter table monitor.runs drop constraint runs_pkey;
alter table monitor.runs drop column connection_id;
alter table monitor.runs add primary key (run_id);
create index runs_recent on monitor.runs (number desc);
