// npm run poller:rebuild: writes the poller's projections again from its streams, through the same evolve and
// projection code the live path uses: every connection's schedules and selections (schedule-<connection>-<flow>,
// selection-<connection>-<flow>), then each connection's flows' progress (run-<runId>) and each document's published
// revision (document-<key>). Safe while pollers run: what writes them waits for it, and what reads them reads the old
// rows until it commits.
import 'reflect-metadata';
import { assertMigrated, PostgresEventStore } from '@lnbx/event-store';
import { loadConfig } from '@lnbx/platform';
import { Pool } from 'pg';
import { PollerConfig } from '../config';
import { FlowSettingsStore } from '../store/flow-settings-store';
import { rebuildRunProjections } from '../store/run-projections';
import { RunStore } from '../store/run-store';
import { ScheduleStore } from '../store/schedule-store';
import { REQUIRED_MIGRATION, SCHEMA } from '../store/schema';
import { SelectionStore } from '../store/selection-store';

async function main(): Promise<void> {
  const config = loadConfig(PollerConfig);
  const pool = new Pool({ connectionString: config.databaseUrl, application_name: 'poller-rebuild' });
  try {
    await assertMigrated(pool, { schema: SCHEMA, own: REQUIRED_MIGRATION });
    const store = new PostgresEventStore(pool, SCHEMA);
    const settings = new FlowSettingsStore(store, new ScheduleStore(pool), new SelectionStore(pool));
    const started = Date.now();
    // One transaction: the schedules and selections, the progress and the revisions all at once or none.
    const { settings: s, runs } = await store.withTransaction(async (tx) => ({
      settings: await settings.rebuild(tx),
      runs: await rebuildRunProjections(store, new RunStore(pool), tx),
    }));
    process.stdout.write(
      `poller rebuilt in ${Date.now() - started} ms: schedules and selections from ${s.events} events in ${s.streams} streams, flow progress from ${runs.runEvents} events in ${runs.runs} run streams, document revisions from ${runs.documentEvents} events in ${runs.documents} document streams\n`,
    );
  } finally {
    await pool.end();
  }
}

main().catch((err) => {
  process.stderr.write(`poller:rebuild failed: ${(err as Error).message}\n`);
  process.exit(1);
});
