// npm run poller:rebuild: writes the poller's schedules and selections again from their streams
// (schedule-<flow>, selection-<flow>) through the same evolve and projection a change uses. Safe while
// pollers run: changes and firings wait for it, runs and the scheduler read the old rows until it commits.
import 'reflect-metadata';
import { assertMigrated, PostgresEventStore } from '@lnbx/event-store';
import { loadConfig } from '@lnbx/platform';
import { Pool } from 'pg';
import { PollerConfig } from '../config';
import { FlowSettingsStore } from '../store/flow-settings-store';
import { ScheduleStore } from '../store/schedule-store';
import { REQUIRED_MIGRATION, SCHEMA } from '../store/schema';
import { SelectionStore } from '../store/selection-store';

async function main(): Promise<void> {
  const config = loadConfig(PollerConfig);
  const pool = new Pool({ connectionString: config.databaseUrl, application_name: 'poller-rebuild' });
  try {
    await assertMigrated(pool, { schema: SCHEMA, own: REQUIRED_MIGRATION });
    const settings = new FlowSettingsStore(new PostgresEventStore(pool, SCHEMA), new ScheduleStore(pool), new SelectionStore(pool));
    const started = Date.now();
    const { streams, events } = await settings.rebuild();
    process.stdout.write(`poller schedules and selections rebuilt from ${events} events in ${streams} streams in ${Date.now() - started} ms\n`);
  } finally {
    await pool.end();
  }
}

main().catch((err) => {
  process.stderr.write(`poller:rebuild failed: ${(err as Error).message}\n`);
  process.exit(1);
});
