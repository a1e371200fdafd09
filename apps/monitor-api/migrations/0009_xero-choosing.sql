-- A consent that gave access to several organisations waits for an operator to pick one (issue 13 part 2): the
-- Xero panel shows the organisations offered (in the state's view) and "Use this organisation".

-- Up Migration
alter table monitor.xero_connection_state drop constraint xero_connection_state_status_check;
alter table monitor.xero_connection_state add constraint xero_connection_state_status_check
  check (status in ('connected', 'lost', 'disconnected', 'not_connected', 'choosing'));

-- Down Migration
update monitor.xero_connection_state
   set status = 'not_connected', view = jsonb_set(view, '{status}', '"not_connected"') - 'organisations'
 where status = 'choosing';
alter table monitor.xero_connection_state drop constraint xero_connection_state_status_check;
alter table monitor.xero_connection_state add constraint xero_connection_state_status_check
  check (status in ('connected', 'lost', 'disconnected', 'not_connected'));
