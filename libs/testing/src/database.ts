import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { postgresAdminUrl } from './env';
import { recordTopicPrefix } from './topic-registry';

// The repo root, whether this file runs from source or compiled into dist/ (benchmarks), as in spawn-service.ts.
const UP = path.resolve(__dirname, '../../..');
const ROOT = path.basename(UP) === 'dist' ? path.dirname(UP) : UP;
const MIGRATE = path.join(ROOT, 'tools/migrate/migrate.mjs');
const run = promisify(execFile);

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

export interface TestDatabaseOptions {
  /** No schema at all (a migration test builds its own); by default every owner's migrations have run. */
  empty?: boolean;
}

const urlOf = (name: string): string => {
  const url = new URL(postgresAdminUrl());
  url.pathname = `/${name}`;
  return url.toString();
};

async function admin<T>(fn: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ connectionString: postgresAdminUrl() });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

let template: Promise<string> | undefined;

/**
 * A database migrated once by the real CLI (tools/migrate/migrate.mjs), kept between runs while the
 * migrations do not change: each test database is a copy of it (CREATE DATABASE ... TEMPLATE), which
 * costs far less than migrating each. Built under another name and renamed, so a half-built one is
 * never copied; two workers building it at once both end with the one that was renamed first.
 */
function migratedTemplate(): Promise<string> {
  template ??= (async () => {
    const name = `lnbx_template_${(await run('node', [MIGRATE, 'fingerprint'], { cwd: ROOT })).stdout.trim()}`;
    const exists = await admin((c) => c.query('select 1 from pg_database where datname = $1', [name]));
    if (exists.rowCount) return name;
    const building = `${name}_${randomBytes(3).toString('hex')}`;
    await admin((c) => c.query(`create database ${building}`));
    await run('node', [MIGRATE, 'up', '--database-url', urlOf(building)], { cwd: ROOT });
    await admin(async (c) => {
      try {
        await c.query(`alter database ${building} rename to ${name}`);
      } catch {
        await c.query(`drop database if exists ${building}`);
      }
      // Templates of migrations that changed since are of no more use.
      const stale = await c.query<{ datname: string }>(
        `select datname from pg_database where datname like 'lnbx\\_template\\_%' and datname <> $1 and datname !~ '_[0-9a-f]{6}$'`,
        [name],
      );
      for (const { datname } of stale.rows) await c.query(`drop database if exists ${datname}`).catch(() => undefined);
    });
    return name;
  })();
  return template;
}

/** A fresh database for one test file, migrated (unless `empty`), so runs never see each other's data. */
export async function createTestDatabase(label = 'test', { empty = false }: TestDatabaseOptions = {}): Promise<TestDatabase> {
  const name = `lnbx_${label.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${randomBytes(4).toString('hex')}`;
  const from = empty ? '' : ` template ${await migratedTemplate()}`;
  await admin((c) => c.query(`create database ${name}${from}`));
  return {
    name,
    url: urlOf(name),
    async drop() {
      await admin((c) => c.query(`drop database if exists ${name} with (force)`));
    },
  };
}

/** Runs the migrations CLI (tools/migrate/migrate.mjs) on a database, e.g. `['down', '--owner', 'monitor']`. */
export async function runMigrations(url: string, args: string[] = ['up']): Promise<string> {
  return (await run('node', [MIGRATE, ...args, '--database-url', url], { cwd: ROOT })).stdout;
}

/**
 * A topic prefix unique to this test run, so runs never read each other's messages. Inside a jest run it is
 * also written down, so the run's global teardown deletes its topics (global-teardown.ts): a broker that
 * kept every run's partitions ran out of file handles after a few runs.
 */
export const uniqueTopicPrefix = (label = 't'): string => {
  const prefix = `${label}-${randomBytes(4).toString('hex')}.`;
  recordTopicPrefix(prefix);
  return prefix;
};
