// The migrations as CI and an operator run them (the CLI, in a child process) on a fresh database and on
// the database the release before migrations left behind (tools/migrate/fixtures): both end with the same
// schema, data kept, each migration recorded once; down undoes each owner's last one and up redoes it; the
// four services start on the migrated previous release and refuse a database that was not migrated.
import { createTestDatabase, spawnService, type TestDatabase, testKafkaEnv, uniqueTopicPrefix } from '@lnbx/testing';
import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';

const ROOT = path.resolve(__dirname, '../..');
const run = promisify(execFile);
const cli = (db: TestDatabase, ...args: string[]) =>
  run('node', [path.join(ROOT, 'tools/migrate/migrate.mjs'), ...args, '--database-url', db.url], { cwd: ROOT });

async function query<T extends Record<string, unknown>>(db: TestDatabase, sql: string, params: unknown[] = []): Promise<T[]> {
  const c = new Client({ connectionString: db.url });
  await c.connect();
  try {
    return (await c.query<T>(sql, params)).rows;
  } finally {
    await c.end();
  }
}

/** The schema as the catalogue describes it: tables and columns, indexes, constraints (names and definitions). */
async function shape(db: TestDatabase): Promise<string[]> {
  const schemas = ['poller', 'mapper', 'exporter', 'monitor'];
  const columns = await query<{ d: string }>(
    db,
    `select table_schema || '.' || table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' || coalesce(column_default, '') as d
       from information_schema.columns where table_schema = any($1)`,
    [schemas],
  );
  const indexes = await query<{ d: string }>(db, 'select indexdef as d from pg_indexes where schemaname = any($1)', [schemas]);
  const constraints = await query<{ d: string }>(
    db,
    `select n.nspname || '.' || c.conname || ' ' || pg_get_constraintdef(c.oid) as d
       from pg_constraint c join pg_namespace n on n.oid = c.connamespace where n.nspname = any($1)`,
    [schemas],
  );
  return [...columns, ...indexes, ...constraints].map((r) => r.d).sort();
}

describe('schema migrations (npm run migrate)', () => {
  let fresh: TestDatabase;
  let previous: TestDatabase;

  beforeAll(async () => {
    [fresh, previous] = await Promise.all([createTestDatabase('migrate_fresh', { empty: true }), createTestDatabase('migrate_previous', { empty: true })]);
    const c = new Client({ connectionString: previous.url });
    await c.connect();
    try {
      await c.query(readFileSync(path.join(ROOT, 'tools/migrate/fixtures/previous-release-70967e0.sql'), 'utf8'));
      // What that release may have left queued: an allocation waiting as a follow-up, an attachment, a projected document.
      await c.query(
        `insert into exporter.followups (document_key, connection_id, doc_type, revision, run_id, correlation_id, causation_id, xero_id, number, kind, data)
         values ('acme:credit_note:CN-1', 'acme', 'credit_note', 'r1', 'run-1', 'run-1', 'cause-1', 'c0000000-0000-4000-8000-000000000001', 'CN-1', 'allocate', $1),
                ('acme:credit_note:CN-1', 'acme', 'credit_note', 'r1', 'run-1', 'run-1', 'cause-1', 'c0000000-0000-4000-8000-000000000001', 'CN-1', 'attach', $2)`,
        [JSON.stringify({ invoiceNumber: 'INV-9', date: '2026-03-05' }), JSON.stringify({ pdfUrl: 'http://lnb.example/CN-1.pdf' })],
      );
      await c.query(
        `insert into monitor.documents (document_key, flow, type, reference, state, last_event_at, view)
         values ('acme:invoice:INV-9', 'invoices', 'invoice', 'INV-9', 'exported', now(), '{"documentKey":"acme:invoice:INV-9"}')`,
      );
    } finally {
      await c.end();
    }
  });

  afterAll(async () => {
    await Promise.all([fresh?.drop(), previous?.drop()]);
  });

  it('migrates a fresh database, records each migration once, and a second run changes nothing', async () => {
    const first = await cli(fresh, 'up');
    expect(first.stdout).toMatch(/exporter: 0008_app-pace/);
    expect(first.stdout).toMatch(/mapper: 0001_streams-per-connection/);
    const again = await cli(fresh, 'up');
    expect(again.stdout).toMatch(/is up to date/);
    const status = await cli(fresh, 'status');
    expect(status.stdout.trim().split('\n')).toEqual(['poller: up to date', 'mapper: up to date', 'exporter: up to date', 'monitor: up to date']);
    const recorded = await query<{ n: number }>(fresh, 'select count(*)::int as n from exporter.pgmigrations');
    expect(recorded[0].n).toBe(8);
  });

  it("migrates the previous release's database to the same schema, keeping its data", async () => {
    const before = await cli(previous, 'status').catch((err: { code: number; stdout: string }) => err);
    expect(before).toMatchObject({
      code: 3,
      stdout: expect.stringContaining('exporter: pending 0001_event-store, 0001_baseline, 0002_allocations, 0003_drop-oauth-states, 0004_connection-statuses'),
    });
    await cli(previous, 'up');
    expect(await shape(previous)).toEqual(await shape(fresh));
    expect(await query(previous, 'select invoice_number, credit_note_date, state from exporter.allocations')).toEqual([
      { invoice_number: 'INV-9', credit_note_date: '2026-03-05', state: 'waiting' },
    ]);
    expect(await query(previous, 'select kind from exporter.followups')).toEqual([{ kind: 'attach' }]);
    expect(await query(previous, 'select reference, state, allocation from monitor.documents')).toEqual([
      { reference: 'INV-9', state: 'exported', allocation: null },
    ]);
  });

  it("starts the four services on the previous release's database once migrated, and refuses an unmigrated one", async () => {
    await cli(previous, 'up');
    const prefix = uniqueTopicPrefix('migrate');
    const common = { DATABASE_URL: previous.url, ...testKafkaEnv(), KAFKA_TOPIC_PREFIX: prefix };
    // Nothing here is reached: the services only have to come up (their upstreams are tried later, and fail quietly).
    const nowhere = 'http://127.0.0.1:9';
    const services = await Promise.all([
      spawnService('lnb-poller', { ...common, LNB_BASE_URL: `${nowhere}/apis/wholesale/v2` }),
      spawnService('mapper', { ...common, MAPPING_CONFIG_FILE: 'apps/mapper/mapping.example.json' }),
      spawnService('xero-exporter', {
        ...common,
        XERO_API_URL: `${nowhere}/api.xro/2.0`,
        XERO_IDENTITY_URL: nowhere,
        XERO_GRANT: 'client_credentials',
        XERO_CLIENT_ID: 'x',
        XERO_CLIENT_SECRET: 'y',
        XERO_TOKEN_KEY: randomBytes(32).toString('hex'),
      }),
      spawnService('monitor-api', { ...common, EXPORTER_INTERNAL_URL: nowhere, EXPORTER_SERVICE_TOKEN: randomBytes(32).toString('hex') }),
    ]);
    try {
      for (const s of services) expect((await fetch(`${s.url}/health/ready`)).status).toBe(200);
    } finally {
      await Promise.all(services.map((s) => s.stop()));
    }
    const empty = await createTestDatabase('migrate_empty', { empty: true });
    try {
      const refused = spawnService('mapper', { ...common, DATABASE_URL: empty.url, MAPPING_CONFIG_FILE: 'apps/mapper/mapping.example.json' });
      await expect(refused).rejects.toThrow(
        /SchemaNotMigratedError: the database schema \\?"mapper\\?" lacks migration 0001_event-store, which this version needs: run \\?"npm run migrate/,
      );
    } finally {
      await empty.drop();
    }
  });

  it("undoes each owner's last migration and does it again", async () => {
    const shapeBefore = await shape(fresh);
    await cli(fresh, 'down');
    // The poller's last (0005_connections) gave its runs their connection, the exporter's (0008_app-pace) kept each
    // organisation's pace through the app's budget: undone, neither is there.
    const column = (schema: string, table: string, name: string) =>
      `select count(*)::int from information_schema.columns where table_schema = '${schema}' and table_name = '${table}' and column_name = '${name}'`;
    expect(
      await query(
        fresh,
        `select (select count(*)::int from information_schema.tables where table_schema = 'exporter' and table_name = 'app_pace') as e, (${column('poller', 'runs', 'connection_id')}) as p`,
      ),
    ).toEqual([{ e: 0, p: 0 }]);
    const status = await cli(fresh, 'status').catch((err: { code: number; stdout: string }) => err);
    expect(status).toMatchObject({ code: 3, stdout: expect.stringContaining('monitor: pending 0009_xero-choosing') });
    await cli(fresh, 'up');
    expect(await shape(fresh)).toEqual(shapeBefore);
  });

  it('says what is wrong with a bad call, and leaves the database alone', async () => {
    const bad = await cli(fresh, 'sideways').catch((err: { code: number; stderr: string }) => err);
    expect(bad).toMatchObject({ code: 1, stderr: expect.stringContaining('unknown command "sideways": up, down or status') });
    const owner = await cli(fresh, 'up', '--owner', 'billing').catch((err: { code: number; stderr: string }) => err);
    expect(owner).toMatchObject({ code: 1, stderr: expect.stringContaining('--owner must be one of poller, mapper, exporter, monitor') });
  });
});
