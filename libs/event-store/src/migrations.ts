// Services never create tables: `npm run migrate` (tools/migrate/migrate.mjs, node-pg-migrate) does, as a
// step before they start. A service checks at start that its schema has the migrations its code needs
// and refuses to start, saying what to run, when it does not.
import { CodedError } from '@lnbx/contracts';
import type { Pool } from 'pg';
import { checkSchemaName } from './schema';

/** The last migration of libs/event-store/migrations (a test holds it equal to the folder). */
export const EVENT_STORE_MIGRATION = '0001_event-store';
/** Where node-pg-migrate records what ran, in each owner's schema (tools/migrate/migrate.mjs). */
export const EVENT_STORE_MIGRATIONS_TABLE = 'pgmigrations_event_store';
export const OWN_MIGRATIONS_TABLE = 'pgmigrations';

export interface RequiredMigrations {
  schema: string;
  /** The service's own last migration (in apps/<service>/migrations), if it has any. */
  own?: string;
}

export class SchemaNotMigratedError extends CodedError<'STORE.SCHEMA_NOT_MIGRATED'> {
  constructor(message: string) {
    super('STORE.SCHEMA_NOT_MIGRATED', message);
  }
}

/** Resolves when `schema` has every migration this code needs; otherwise says which is missing and what to run. */
export async function assertMigrated(pool: Pool, required: RequiredMigrations): Promise<void> {
  const schema = checkSchemaName(required.schema);
  const needed: [string, string][] = [
    [EVENT_STORE_MIGRATIONS_TABLE, EVENT_STORE_MIGRATION],
    ...(required.own ? [[OWN_MIGRATIONS_TABLE, required.own] as [string, string]] : []),
  ];
  for (const [table, name] of needed) {
    const { rows } = await pool.query<{ t: string | null }>('select to_regclass($1) as t', [`${schema}.${table}`]);
    const ran = rows[0].t ? (await pool.query(`select 1 from ${schema}.${table} where name = $1`, [name])).rowCount : 0;
    if (!ran) {
      throw new SchemaNotMigratedError(
        `the database schema "${schema}" lacks migration ${name}, which this version needs: run "npm run migrate" ` +
          '(or the compose "migrate" service) against this DATABASE_URL before starting the service',
      );
    }
  }
}
