-- Credit notes' allocations to their invoices (issue 18): the state on each document for filtering (its
-- view holds the rest), and what the exporter said of each allocation per run that exported the credit
-- note, so an allocation that arrives before anything else of its document (another topic) is there when
-- the document's row, or its run's, is first written. A read model: rebuilt from the journal.

-- Up Migration
alter table monitor.documents add column allocation text;
create index documents_allocation on monitor.documents (allocation, last_event_at desc) where allocation is not null;
create table monitor.allocations (
  document_key text not null,
  run_id text not null,
  view jsonb not null,
  primary key (document_key, run_id)
);

-- Down Migration
drop table monitor.allocations;
drop index monitor.documents_allocation;
alter table monitor.documents drop column allocation;
