// Migration 0005_connections on a database a poller of one connection (CONNECTION_ID) wrote: migrated up to 0004,
// given that poller's rows and streams, then migrated. Every row becomes the connection its events last named, the
// setting streams take its name (schedule-<connection>-<flow>), a queued run's recorded request carries it, and the
// poller reads all of it as that connection's; with no event to tell, the old default ('default'). Down goes back.
import { createEnvelope, type EventDefinition, flowKey, RunStarted, ScheduleChanged, SelectionChanged } from '@lnbx/contracts';
import { PostgresEventStore } from '@lnbx/event-store';
import { DEFAULT_RULES } from '@lnbx/scheduling';
import { createTestDatabase, runMigrations, type TestDatabase } from '@lnbx/testing';
import { Pool } from 'pg';
import { evolveRun, newRun } from './domain/run';
import { FlowSettingsStore } from './store/flow-settings-store';
import { runEvent } from './store/run-streams';
import { ScheduleStore } from './store/schedule-store';
import { SelectionStore } from './store/selection-store';

const LEGACY = 'acme';
const TABLES = ['runs', 'schedules', 'scheduled_fires', 'selections', 'flow_progress', 'retailer_fingerprints'];

/** A database with the poller's schema at 0004_connection-statuses (everyone else's current). */
async function atPreviousMigration(label: string): Promise<{ db: TestDatabase; pool: Pool }> {
  const db = await createTestDatabase(label, { empty: true });
  await runMigrations(db.url);
  await runMigrations(db.url, ['down', '--owner', 'poller']);
  return { db, pool: new Pool({ connectionString: db.url, max: 2 }) };
}

/** The rows a poller of one connection kept per flow. */
async function legacyRows(pool: Pool): Promise<void> {
  await pool.query(`insert into poller.runs (run_id, flow, mode, trigger, requested_by, status) values ('q', 'invoices', 'export', 'manual', 'ops', 'queued')`);
  await pool.query(`insert into poller.schedules (flow, enabled, cron, time_zone, last_fired_for) values ('invoices', true, '0 6 * * *', null, now())`);
  await pool.query(`insert into poller.scheduled_fires (flow, fire_at) values ('invoices', now())`);
  await pool.query(`insert into poller.selections (flow, rules) values ('credit_notes', $1)`, [JSON.stringify(DEFAULT_RULES)]);
  await pool.query(`insert into poller.flow_progress (flow, checked_until) values ('invoices', now())`);
  await pool.query(`insert into poller.retailer_fingerprints (flow, reference, fingerprint) values ('invoices', 'R-1', 'f')`);
}

const connectionsOf = async (pool: Pool): Promise<Record<string, string[]>> => {
  const out: Record<string, string[]> = {};
  for (const table of TABLES) {
    out[table] = (await pool.query<{ connection_id: string }>(`select distinct connection_id from poller.${table}`)).rows.map((r) => r.connection_id);
  }
  return out;
};

describe('poller migration 0005_connections: a database of one connection upgraded in place', () => {
  let legacy: { db: TestDatabase; pool: Pool };
  let empty: { db: TestDatabase; pool: Pool };

  beforeAll(async () => {
    [legacy, empty] = await Promise.all([atPreviousMigration('poller_upgrade'), atPreviousMigration('poller_upgrade_empty')]);
  });

  afterAll(async () => {
    for (const d of [legacy, empty]) {
      await d?.pool.end();
      await d?.db.drop();
    }
  });

  it("gives every row and setting stream the connection its events named, and the poller reads them as that connection's", async () => {
    const { db, pool } = legacy;
    const store = new PostgresEventStore(pool, 'poller');
    const append = async <V extends object>(stream: string, definition: EventDefinition<V>, payload: V) => {
      const key = flowKey(LEGACY, 'invoices');
      const env = createEnvelope(definition, payload, { producer: 'lnb-poller', connectionId: LEGACY, correlationId: stream, key, validate: false });
      await store.append(stream, [{ eventId: env.eventId, type: env.type, data: env, topic: definition.topic, kafkaKey: key }], { expectedVersion: 'any' });
    };
    await append('schedule-invoices', ScheduleChanged.definition, { flow: 'invoices', enabled: true, cron: '0 6 * * *', requestedBy: 'ops' });
    await append('selection-credit_notes', SelectionChanged.definition, { flow: 'credit_notes', rules: DEFAULT_RULES, requestedBy: 'ops' });
    await append('run-started', RunStarted.definition, {
      runId: 'started',
      flow: 'invoices',
      mode: 'export',
      trigger: 'manual',
      requestedBy: 'ops',
      startedAt: '2026-11-20T08:00:00.000Z',
    });
    // The run still queued: its RunQueued recorded the request as that poller knew it, with no connection.
    const request = {
      runId: 'q',
      flow: 'invoices',
      mode: 'export',
      trigger: 'manual',
      documents: null,
      requestedBy: 'ops',
      requestEventId: null,
      fullRecheck: false,
    };
    await store.append('run-q', [{ type: 'RunQueued', data: { request, at: '2026-11-20T08:00:00.000Z' }, metadata: { correlationId: 'q' } }], {
      expectedVersion: 'any',
    });
    await legacyRows(pool);

    await runMigrations(db.url);

    expect(await connectionsOf(pool)).toEqual(Object.fromEntries(TABLES.map((t) => [t, [LEGACY]])));
    const streams = async (table: 'streams' | 'events') =>
      (await pool.query<{ stream_id: string }>(`select distinct stream_id from poller.${table} order by 1`)).rows.map((r) => r.stream_id);
    const renamed = ['run-q', 'run-started', `schedule-${LEGACY}-invoices`, `selection-${LEGACY}-credit_notes`];
    expect(await streams('streams')).toEqual(renamed);
    expect(await streams('events')).toEqual(renamed);
    const queued = (await store.readStream('run-q')).map(runEvent).reduce(evolveRun, newRun('q'));
    expect(queued.request).toEqual({ ...request, connectionId: LEGACY });
    expect(await pool.query(`select time_zone from poller.connection_statuses`)).toMatchObject({ rows: [] });

    // The settings rebuilt from the renamed streams are that connection's.
    const settings = new FlowSettingsStore(store, new ScheduleStore(pool), new SelectionStore(pool));
    expect(await settings.rebuild()).toEqual({ streams: 2, events: 2 });
    expect((await pool.query('select connection_id, flow, cron from poller.schedules')).rows).toEqual([
      { connection_id: LEGACY, flow: 'invoices', cron: '0 6 * * *' },
    ]);
    expect(await new SelectionStore(pool).rules(LEGACY, 'credit_notes')).toEqual(DEFAULT_RULES);

    // And back: the rows keyed by flow again, the streams named as before, the request as it was recorded.
    await runMigrations(db.url, ['down', '--owner', 'poller']);
    expect(await streams('streams')).toEqual(['run-q', 'run-started', 'schedule-invoices', 'selection-credit_notes']);
    const columns = await pool.query(`select table_name from information_schema.columns where table_schema = 'poller' and column_name = 'connection_id'`);
    expect(columns.rows.map((r) => r.table_name).sort()).toEqual(['connection_statuses', 'lnb_budget', 'lnb_credentials']);
    const [again] = await store.readStream('run-q');
    expect(again.data).toEqual({ request, at: '2026-11-20T08:00:00.000Z' });
  });

  it("takes the old default connection ('default') when no event names one", async () => {
    const { db, pool } = empty;
    await legacyRows(pool);
    await runMigrations(db.url);
    expect(await connectionsOf(pool)).toEqual(Object.fromEntries(TABLES.map((t) => [t, ['default']])));
  });
});
