-- Who disconnected a connection from Xero in the Integration Center (issue 13 part 2). Such a disconnection was
-- asked for: the tokens are revoked at Xero and dropped here, and a later failure of a call made just before
-- it is no loss to tell. Cleared when it connects again.

-- Up Migration
alter table exporter.connections add column disconnected_by text;

-- Down Migration
alter table exporter.connections drop column disconnected_by;
