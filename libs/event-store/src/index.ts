export * from './event-store';
export * from './errors';
export { PostgresEventStore } from './postgres-event-store';
export { OutboxRelay, type OutboxRelayOptions, type OutboxRelayStatus } from './outbox-relay';
export { comparePositions, START } from './rows';
export { checkSchemaName } from './schema';
export { assertMigrated, EVENT_STORE_MIGRATION, type RequiredMigrations, SchemaNotMigratedError } from './migrations';
export { type StepOutcome, WorkLoop, type WorkLoopOptions } from './work-loop';
export { Waker } from './waker';
