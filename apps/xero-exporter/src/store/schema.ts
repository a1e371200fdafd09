// The exporter's own tables beside its event store (schema `exporter`): connections and their sealed
// tokens, documents waiting for Xero, what Xero holds per document, contact ids, follow-up work, and
// credit notes' allocations to their invoices. They are made by apps/xero-exporter/migrations (npm run
// migrate), never by the service.
export const SCHEMA = 'exporter';

/** The last of apps/xero-exporter/migrations: the service refuses to start until its schema has it. */
export const REQUIRED_MIGRATION = '0008_app-pace';
