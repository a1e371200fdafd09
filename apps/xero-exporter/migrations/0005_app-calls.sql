-- Xero's app-wide limit (10,000 calls a minute across every organisation, issue 12), shared by every exporter
-- instance: per limit-minute window (`win`: epoch milliseconds divided by a limit-minute's length) and
-- organisation, the calls admitted and how often it asked (an organisation that asked has work: it gets its fair
-- share, domain/app-budget.ts). Only the current and the previous window are kept.

-- Up Migration
create table exporter.app_calls (
  win bigint not null,
  xero_tenant_id text not null,
  asks int not null default 0,
  calls int not null default 0,
  primary key (win, xero_tenant_id)
);

-- Down Migration
drop table exporter.app_calls;
