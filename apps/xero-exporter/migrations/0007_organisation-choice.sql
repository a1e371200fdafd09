-- A consent that gives access to several organisations connects none (issue 13 part 2): the connection waits,
-- status 'choosing', with its sealed tokens and the organisations offered (Xero's /connections entries: id,
-- tenantId, tenantName) until an operator picks one or the choice expires with the consent's refresh token.
-- Who picked it is kept while it stays connected to that organisation.

-- Up Migration
alter table exporter.connections add column candidates jsonb;
alter table exporter.connections add column choice_expires_at timestamptz;
alter table exporter.connections add column chosen_by text;

-- Down Migration
update exporter.connections set status = 'disconnected', reason = 'a choice of organisation was undone by a migration: connect again',
  access_token = null, access_expires_at = null, refresh_token = null where status = 'choosing';
alter table exporter.connections drop column chosen_by;
alter table exporter.connections drop column choice_expires_at;
alter table exporter.connections drop column candidates;
