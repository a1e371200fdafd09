#!/usr/bin/env node
// Schema migrations, run as a step before the services start (the demo, CI, a one-shot container in
// docker-compose): node-pg-migrate over one folder per schema owner. Each service's schema gets the event
// store's tables (libs/event-store/migrations, run with the search_path set to that schema) and then the
// service's own migrations; each keeps its own record of what ran, in its own schema. Concurrent runs wait
// for each other (advisory lock), so several services or test workers may call it at once.
//
//   node tools/migrate/migrate.mjs [up|down|status|fingerprint] [--database-url URL] [--owner poller|mapper|exporter|monitor]
//   DATABASE_URL is read when --database-url is not given.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { runner } from 'node-pg-migrate';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * The project's one redactor (libs/contracts), for what this prints. In a checkout it is compiled from
 * source on require (tools/runtime/register-ts.js, as npm run docs:* and the CLIs run); the image holds
 * no sources, only dist/ (tsconfig.build.json compiles libs/ there), and no swc.
 */
function loadRedact() {
  const require = createRequire(import.meta.url);
  const source = path.join(ROOT, 'libs/contracts/src/errors/redact.ts');
  if (existsSync(source)) {
    require('../runtime/register-ts.js');
    return require(source).redact;
  }
  return require(path.join(ROOT, 'dist/libs/contracts/src/errors/redact.js')).redact;
}

/** In the order the data flows; `dir` is the owner's own folder (none: only the event store). */
export const OWNERS = [
  { schema: 'poller', dir: 'apps/lnb-poller/migrations' },
  { schema: 'mapper', dir: 'apps/mapper/migrations' },
  { schema: 'exporter', dir: 'apps/xero-exporter/migrations' },
  { schema: 'monitor', dir: 'apps/monitor-api/migrations' },
];
export const EVENT_STORE_DIR = 'libs/event-store/migrations';
/** The tables, in each owner's schema, that record which migrations ran. */
export const EVENT_STORE_TABLE = 'pgmigrations_event_store';
export const OWN_TABLE = 'pgmigrations';

const files = (dir) =>
  readdirSync(path.join(ROOT, dir))
    .filter((f) => /^\d+_.+\.(sql|js|ts)$/.test(f))
    .sort();

/** The migrations an owner's schema should have run, in order, as [table, name] pairs. */
export function expectedMigrations(owner) {
  const names = (dir) => files(dir).map((f) => f.replace(/\.(sql|js|ts)$/, ''));
  return [...names(EVENT_STORE_DIR).map((n) => [EVENT_STORE_TABLE, n]), ...(owner.dir ? names(owner.dir).map((n) => [OWN_TABLE, n]) : [])];
}

/** A hash of every migration's name and content: a database migrated from other migrations is another one. */
export function fingerprint() {
  const h = createHash('sha256');
  for (const dir of [EVENT_STORE_DIR, ...OWNERS.flatMap((o) => (o.dir ? [o.dir] : []))]) {
    for (const f of files(dir)) h.update(`${dir}/${f}\n`).update(readFileSync(path.join(ROOT, dir, f)));
  }
  return h.digest('hex').slice(0, 12);
}

/**
 * Runs every owner's migrations in `direction` (`down` undoes the last one of each owner's own folder).
 * @param {{ databaseUrl: string, direction?: 'up' | 'down', owners?: typeof OWNERS, log?: (line: string) => void }} options
 */
export async function migrate({ databaseUrl, direction = 'up', owners = OWNERS, log = () => undefined }) {
  const ran = [];
  for (const owner of owners) {
    const common = {
      databaseUrl,
      schema: owner.schema,
      createSchema: true,
      migrationsSchema: owner.schema,
      direction,
      checkOrder: true,
      singleTransaction: true,
      advisoryLockMode: 'wait',
      log,
      logger: { debug() {}, info: log, warn: log, error: log },
    };
    if (direction === 'up') {
      const store = await runner({ ...common, dir: path.join(ROOT, EVENT_STORE_DIR), migrationsTable: EVENT_STORE_TABLE });
      ran.push(...store.map((m) => `${owner.schema}: ${m.name}`));
    }
    if (owner.dir) {
      const own = await runner({ ...common, dir: path.join(ROOT, owner.dir), migrationsTable: OWN_TABLE, ...(direction === 'down' ? { count: 1 } : {}) });
      ran.push(...own.map((m) => `${owner.schema}: ${m.name}`));
    }
  }
  return ran;
}

/** Per owner, the migrations not yet run (empty when the database is current). */
export async function pending({ databaseUrl, owners = OWNERS }) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const out = {};
    for (const owner of owners) {
      const done = new Set();
      for (const table of [EVENT_STORE_TABLE, OWN_TABLE]) {
        const exists = await client.query('select to_regclass($1) as t', [`${owner.schema}.${table}`]);
        if (!exists.rows[0].t) continue;
        const { rows } = await client.query(`select name from ${owner.schema}.${table}`);
        for (const r of rows) done.add(`${table}:${r.name}`);
      }
      out[owner.schema] = expectedMigrations(owner)
        .filter(([t, n]) => !done.has(`${t}:${n}`))
        .map(([, n]) => n);
    }
    return out;
  } finally {
    await client.end();
  }
}

async function main() {
  const args = process.argv.slice(2);
  const flag = (name) => {
    const i = args.indexOf(name);
    return i >= 0 ? args.splice(i, 2)[1] : undefined;
  };
  const databaseUrl = flag('--database-url') ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/lnbx';
  const only = flag('--owner');
  const command = args[0] ?? 'up';
  const owners = only ? OWNERS.filter((o) => o.schema === only) : OWNERS;
  if (!owners.length) throw new Error(`--owner must be one of ${OWNERS.map((o) => o.schema).join(', ')}`);
  if (command === 'fingerprint') {
    console.log(fingerprint());
    return;
  }
  if (command === 'status') {
    const left = await pending({ databaseUrl, owners });
    for (const [schema, names] of Object.entries(left)) console.log(`${schema}: ${names.length ? `pending ${names.join(', ')}` : 'up to date'}`);
    process.exitCode = Object.values(left).some((n) => n.length) ? 3 : 0;
    return;
  }
  if (command !== 'up' && command !== 'down') throw new Error(`unknown command "${command}": up, down or status`);
  const ran = await migrate({ databaseUrl, direction: command, owners });
  const where = loadRedact()(databaseUrl);
  console.log(ran.length ? `migrated ${where} (${command}):\n  ${ran.join('\n  ')}` : `${where} is up to date`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err) => {
    // pg and node-pg-migrate may quote what they were given. A redactor that cannot load must not hide why.
    let message = String(err?.message ?? err);
    try {
      message = loadRedact()(message);
    } catch (loading) {
      message += ` (not redacted: ${loading.message})`;
    }
    console.error(`migration failed: ${message}`);
    process.exit(1);
  });
}
