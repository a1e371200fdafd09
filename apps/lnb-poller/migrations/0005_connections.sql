-- One poller serves every connection (issue 12): what was kept per flow is kept per connection and flow, and a run
-- carries its connection. A database of a poller that served one connection (CONNECTION_ID) upgrades in place: its
-- rows and streams become that connection's, the one its events last named (each event is a whole envelope with
-- its connectionId), 'default' (the old CONNECTION_ID default) when no event names one.
--   - poller.runs gets connection_id; schedules, scheduled_fires, selections, flow_progress and retailer_fingerprints
--     are keyed by (connection_id, flow, ...);
--   - the setting streams schedule-<flow> and selection-<flow> become schedule-<connection>-<flow> and
--     selection-<connection>-<flow> (poller.streams and poller.events);
--   - the request a RunQueued recorded gets its connectionId (the run's, as its queue row says after the backfill);
--   - poller.connection_statuses keeps each connection's time zone (its schedules fire in it when they name none).
-- The LNB budget (lnb_budget) and the credentials were per connection already; document keys carry the connection.

-- Up Migration
create temp table legacy_connection on commit drop as
  select coalesce((select data->>'connectionId' from poller.events where data ? 'connectionId' order by global_position desc limit 1), 'default') as id;

alter table poller.runs add column connection_id text;
update poller.runs set connection_id = (select id from legacy_connection);
alter table poller.runs alter column connection_id set not null;
create index runs_running on poller.runs (connection_id, flow) where status = 'running';

alter table poller.schedules add column connection_id text;
update poller.schedules set connection_id = (select id from legacy_connection);
alter table poller.schedules alter column connection_id set not null;
alter table poller.schedules drop constraint schedules_pkey, add primary key (connection_id, flow);

alter table poller.scheduled_fires add column connection_id text;
update poller.scheduled_fires set connection_id = (select id from legacy_connection);
alter table poller.scheduled_fires alter column connection_id set not null;
alter table poller.scheduled_fires drop constraint scheduled_fires_pkey, add primary key (connection_id, flow, fire_at);

alter table poller.selections add column connection_id text;
update poller.selections set connection_id = (select id from legacy_connection);
alter table poller.selections alter column connection_id set not null;
alter table poller.selections drop constraint selections_pkey, add primary key (connection_id, flow);

alter table poller.flow_progress add column connection_id text;
update poller.flow_progress set connection_id = (select id from legacy_connection);
alter table poller.flow_progress alter column connection_id set not null;
alter table poller.flow_progress drop constraint flow_progress_pkey, add primary key (connection_id, flow);

alter table poller.retailer_fingerprints add column connection_id text;
update poller.retailer_fingerprints set connection_id = (select id from legacy_connection);
alter table poller.retailer_fingerprints alter column connection_id set not null;
alter table poller.retailer_fingerprints drop constraint retailer_fingerprints_pkey, add primary key (connection_id, flow, reference);

alter table poller.connection_statuses add column time_zone text;

update poller.streams set stream_id = regexp_replace(stream_id, '^(schedule|selection)-', '\1-' || (select id from legacy_connection) || '-')
  where stream_id in ('schedule-invoices', 'schedule-credit_notes', 'selection-invoices', 'selection-credit_notes');
update poller.events set stream_id = regexp_replace(stream_id, '^(schedule|selection)-', '\1-' || (select id from legacy_connection) || '-')
  where stream_id in ('schedule-invoices', 'schedule-credit_notes', 'selection-invoices', 'selection-credit_notes');

update poller.events set data = jsonb_set(data, '{request,connectionId}', to_jsonb((select id from legacy_connection)))
  where type = 'RunQueued' and topic is null and not (data->'request' ? 'connectionId');

-- Down Migration
-- Back to one connection: refused while the poller holds settings, runs or streams of more than one.
do $$
declare
  connections text[];
begin
  select array_agg(distinct c) into connections from (
    select connection_id as c from poller.runs union select connection_id from poller.schedules
    union select connection_id from poller.selections union select connection_id from poller.flow_progress
    union select connection_id from poller.retailer_fingerprints union select connection_id from poller.scheduled_fires
  ) all_connections;
  if coalesce(array_length(connections, 1), 0) > 1 then
    raise exception 'poller 0005_connections cannot be undone: the poller serves several connections (%)', array_to_string(connections, ', ');
  end if;
end $$;

update poller.events set data = data #- '{request,connectionId}' where type = 'RunQueued' and topic is null;
update poller.events set stream_id = regexp_replace(stream_id, '^(schedule|selection)-.+-(invoices|credit_notes)$', '\1-\2')
  where stream_id ~ '^(schedule|selection)-.+-(invoices|credit_notes)$';
update poller.streams set stream_id = regexp_replace(stream_id, '^(schedule|selection)-.+-(invoices|credit_notes)$', '\1-\2')
  where stream_id ~ '^(schedule|selection)-.+-(invoices|credit_notes)$';

alter table poller.connection_statuses drop column time_zone;

alter table poller.retailer_fingerprints drop constraint retailer_fingerprints_pkey, add primary key (flow, reference);
alter table poller.retailer_fingerprints drop column connection_id;
alter table poller.flow_progress drop constraint flow_progress_pkey, add primary key (flow);
alter table poller.flow_progress drop column connection_id;
alter table poller.selections drop constraint selections_pkey, add primary key (flow);
alter table poller.selections drop column connection_id;
alter table poller.scheduled_fires drop constraint scheduled_fires_pkey, add primary key (flow, fire_at);
alter table poller.scheduled_fires drop column connection_id;
alter table poller.schedules drop constraint schedules_pkey, add primary key (flow);
alter table poller.schedules drop column connection_id;
drop index poller.runs_running;
alter table poller.runs drop column connection_id;
