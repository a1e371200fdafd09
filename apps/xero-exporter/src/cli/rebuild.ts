// npm run exporter:rebuild: writes exporter.documents (and the state of exporter.allocations) again from the
// document-<key> streams, through the same evolve and projection the workers use, in one transaction. Safe
// while exporters run: their writes to those tables wait for it, and they read the old rows until it commits.
import 'reflect-metadata';
import { assertMigrated, PostgresEventStore } from '@lnbx/event-store';
import { Pool } from 'pg';
import { DocumentLifecycleStore } from '../store/document-lifecycle-store';
import { REQUIRED_MIGRATION, SCHEMA } from '../store/schema';

/** What the rebuild does, given a pool on a migrated database (the command, and the tests). */
export async function rebuildDocuments(pool: Pool): Promise<{ streams: number; events: number }> {
  await assertMigrated(pool, { schema: SCHEMA, own: REQUIRED_MIGRATION });
  const events = new PostgresEventStore(pool, SCHEMA);
  return events.withTransaction((tx) => new DocumentLifecycleStore(events).rebuild(tx));
}

async function main(): Promise<void> {
  // Only the database: the exporter's Xero settings and secrets have no part in a rebuild.
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) throw new Error('DATABASE_URL must be set (a database migrated with npm run migrate)');
  const pool = new Pool({ connectionString: databaseUrl, application_name: 'exporter-rebuild' });
  try {
    const started = Date.now();
    const { streams, events } = await rebuildDocuments(pool);
    process.stdout.write(`exporter documents and allocations rebuilt from ${events} events in ${streams} streams in ${Date.now() - started} ms\n`);
  } finally {
    await pool.end();
  }
}

if (require.main === module) {
  main().catch((err) => {
    process.stderr.write(`exporter:rebuild failed: ${(err as Error).message}\n`);
    process.exit(1);
  });
}
