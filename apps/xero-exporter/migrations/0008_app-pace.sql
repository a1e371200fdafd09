-- Xero's app-wide limit shared at an even pace (issue 12): per organisation, when its next call is due (epoch
-- milliseconds) if it keeps to its fair share one call at a time after a short burst (domain/app-budget.ts). A
-- rolling minute alone let one organisation spend its whole share at once while the others waited. One row per
-- organisation that ever called; shared by every exporter instance like exporter.app_calls.

-- Up Migration
create table exporter.app_pace (
  xero_tenant_id text primary key,
  pace_at bigint not null
);

-- Down Migration
drop table exporter.app_pace;
