-- A credit note's allocation to its invoice, from its export until it is allocated or cannot be
-- (apps/xero-exporter/README.md): `message` is the last thing said of it (an event is appended only
-- when that changes). Allocations queued as follow-ups before they had a table of their own move here.

-- Up Migration
create table exporter.allocations (
  document_key text primary key,
  connection_id text not null,
  revision text not null,
  run_id text not null,
  correlation_id text not null,
  causation_id text not null,
  credit_note_xero_id text not null,
  credit_note_number text not null,
  invoice_number text not null,
  credit_note_date text,
  state text not null default 'waiting' check (state in ('waiting', 'allocated', 'not_possible')),
  message text,
  checks int not null default 0,
  next_check_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index allocations_due on exporter.allocations (connection_id, next_check_at) where state = 'waiting';
create index allocations_invoice on exporter.allocations (connection_id, upper(invoice_number)) where state = 'waiting';
insert into exporter.allocations (document_key, connection_id, revision, run_id, correlation_id, causation_id, credit_note_xero_id, credit_note_number, invoice_number, credit_note_date)
select document_key, connection_id, revision, run_id, correlation_id, causation_id, xero_id, number, data->>'invoiceNumber', data->>'date'
  from exporter.followups where kind = 'allocate'
on conflict (document_key) do nothing;
delete from exporter.followups where kind = 'allocate';

-- Down Migration
insert into exporter.followups (document_key, connection_id, kind, doc_type, revision, run_id, correlation_id, causation_id, xero_id, number, data)
select document_key, connection_id, 'allocate', 'credit_note', revision, run_id, correlation_id, causation_id, credit_note_xero_id, credit_note_number,
       jsonb_build_object('invoiceNumber', invoice_number, 'date', credit_note_date)
  from exporter.allocations where state = 'waiting'
on conflict (document_key, kind, revision) do nothing;
drop table exporter.allocations;
