/**
 * The monitor's tables, in its own schema beside its event store (which owns monitor.events, streams,
 * checkpoints, processed_events), made by apps/monitor-api/migrations (npm run migrate), never by the
 * service. `journal` keeps every envelope and dead letter the monitor took in, append-only: the read
 * models are rebuilt from it (`npm run monitor:rebuild`).
 */
export const SCHEMA = 'monitor';

/** The last of apps/monitor-api/migrations: the service (and its commands) refuse to start until the schema has it. */
export const REQUIRED_MIGRATION = '0009_xero-choosing';

export const READ_MODEL_TABLES = [
  'runs',
  'documents',
  'run_documents',
  'log_lines',
  'flow_settings',
  'held',
  'xero_connections',
  'allocations',
  'xero_connection_state',
] as const;
