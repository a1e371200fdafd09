-- A Xero connection someone disconnected in the Integration Center ("Disconnect", issue 13 part 2) is told as
-- such, apart from a loss: the panel says who did it and offers to connect again.

-- Up Migration
alter table monitor.xero_connection_state drop constraint xero_connection_state_status_check;
alter table monitor.xero_connection_state add constraint xero_connection_state_status_check
  check (status in ('connected', 'lost', 'disconnected', 'not_connected'));

-- Down Migration
update monitor.xero_connection_state set status = 'lost' where status = 'disconnected';
alter table monitor.xero_connection_state drop constraint xero_connection_state_status_check;
alter table monitor.xero_connection_state add constraint xero_connection_state_status_check
  check (status in ('connected', 'lost', 'not_connected'));
