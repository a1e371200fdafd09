// The names of one service's event store in Postgres: its schema (its tables are made by the migrations in
// libs/event-store/migrations, run in that schema by tools/migrate) and its notification channel.

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** The schema name, checked, because it is spliced into SQL (identifiers cannot be bind parameters). */
export function checkSchemaName(schema: string): string {
  if (!SCHEMA_NAME.test(schema)) {
    throw new Error(`event store schema "${schema}" must match ${SCHEMA_NAME} (lower case letters, digits, _)`);
  }
  if (schema.startsWith('pg_') || schema === 'information_schema') {
    throw new Error(`event store schema "${schema}" is reserved by PostgreSQL`);
  }
  return schema;
}

/** The LISTEN/NOTIFY channel that wakes this schema's relays when an outbox event commits. */
export const outboxChannel = (schema: string): string => `${checkSchemaName(schema)}_outbox`;
