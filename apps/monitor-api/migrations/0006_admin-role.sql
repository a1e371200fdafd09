-- API keys of the integrator who runs the deployment (issue 12): role admin, which may do all an operator may and
-- also create and remove connections.

-- Up Migration
alter table monitor.api_keys drop constraint if exists api_keys_role_check;
alter table monitor.api_keys add constraint api_keys_role_check check (role in ('viewer', 'operator', 'admin'));

-- Down Migration
-- An admin key becomes an operator key (the nearest role the previous release knows); nothing is deleted.
update monitor.api_keys set role = 'operator' where role = 'admin';
alter table monitor.api_keys drop constraint if exists api_keys_role_check;
alter table monitor.api_keys add constraint api_keys_role_check check (role in ('viewer', 'operator'));
