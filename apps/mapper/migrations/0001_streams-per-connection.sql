-- Each connection (brand) has its own mapping and reference-data streams (issue 12): `mapping-config-<id>` and
-- `org-reference-<id>`. A database of the single-connection release has `mapping-config` and `org-reference`:
-- they become the streams of the connection it served, named by the last event that names one (every stored
-- event is a whole envelope, which carries its connection), or 'default', that release's CONNECTION_ID default.

-- Up Migration
with legacy as (
  select coalesce(
    (select data->>'connectionId' from mapper.events where data ? 'connectionId' order by global_position desc limit 1),
    'default'
  ) as connection_id
)
update mapper.events e set stream_id = e.stream_id || '-' || legacy.connection_id
  from legacy where e.stream_id in ('mapping-config', 'org-reference');

with legacy as (
  select coalesce(
    (select data->>'connectionId' from mapper.events where data ? 'connectionId' order by global_position desc limit 1),
    'default'
  ) as connection_id
)
update mapper.streams s set stream_id = s.stream_id || '-' || legacy.connection_id
  from legacy where s.stream_id in ('mapping-config', 'org-reference');

-- Down Migration
-- The single-connection release reads one pair of streams: the connection of the last event that names one gets
-- them back; other connections' streams stay, under names that release never reads.
with legacy as (
  select coalesce(
    (select data->>'connectionId' from mapper.events where data ? 'connectionId' order by global_position desc limit 1),
    'default'
  ) as connection_id
)
update mapper.events e set stream_id = left(e.stream_id, length(e.stream_id) - length(legacy.connection_id) - 1)
  from legacy where e.stream_id in ('mapping-config-' || legacy.connection_id, 'org-reference-' || legacy.connection_id);

with legacy as (
  select coalesce(
    (select data->>'connectionId' from mapper.events where data ? 'connectionId' order by global_position desc limit 1),
    'default'
  ) as connection_id
)
update mapper.streams s set stream_id = left(s.stream_id, length(s.stream_id) - length(legacy.connection_id) - 1)
  from legacy where s.stream_id in ('mapping-config-' || legacy.connection_id, 'org-reference-' || legacy.connection_id);
