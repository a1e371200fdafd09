// npm run monitor:rebuild: empties the monitor's read models and replays its journal through the same
// projections the consumers use. Safe while monitor-api runs: its consumers wait for the rebuild.
import 'reflect-metadata';
import { assertMigrated } from '@lnbx/event-store';
import { loadConfig } from '@lnbx/platform';
import { Pool } from 'pg';
import { MonitorConfig } from '../config';
import { rebuild } from '../store/projector';
import { REQUIRED_MIGRATION, SCHEMA } from '../store/schema';

async function main(): Promise<void> {
  const config = loadConfig(MonitorConfig);
  const pool = new Pool({ connectionString: config.databaseUrl, application_name: 'monitor-rebuild' });
  try {
    await assertMigrated(pool, { schema: SCHEMA, own: REQUIRED_MIGRATION });
    const started = Date.now();
    const { events, deadLetters, connections } = await rebuild(pool);
    process.stdout.write(
      `monitor read models rebuilt from ${events} events and ${deadLetters} dead letters, and ${connections} connections from their streams, in ${Date.now() - started} ms\n`,
    );
  } finally {
    await pool.end();
  }
}

main().catch((err) => {
  process.stderr.write(`monitor:rebuild failed: ${(err as Error).message}\n`);
  process.exit(1);
});
