// Test helpers for the event store: a fresh database per test file, a store per schema, and a way to
// find (and kill) the connection that holds a relay's lock, as a crashing process would lose it.
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { createTestDatabase, type TestDatabase, waitFor } from '@lnbx/testing';
import { Pool } from 'pg';
import type { NewEvent, OutboxMessage } from './event-store';
import { OutboxRelay, type OutboxRelayOptions } from './outbox-relay';
import { PostgresEventStore } from './postgres-event-store';
import { checkSchemaName } from './schema';

const MIGRATIONS = path.resolve(__dirname, '../migrations');

/**
 * The event store's tables in a schema of the test's own, made by the same migration files
 * tools/migrate/migrate.mjs runs in each service's schema (their "Up" part, with the search_path set to
 * the schema, as node-pg-migrate does).
 */
export async function migrateEventStore(pool: Pool, schema: string): Promise<void> {
  const s = checkSchemaName(schema);
  const client = await pool.connect();
  try {
    await client.query('begin');
    await client.query(`create schema if not exists ${s}`);
    await client.query(`set local search_path to ${s}`);
    for (const file of readdirSync(MIGRATIONS)
      .filter((f) => f.endsWith('.sql'))
      .sort()) {
      await client.query(readFileSync(path.join(MIGRATIONS, file), 'utf8').split('-- Down Migration')[0]);
    }
    await client.query('commit');
  } catch (err) {
    await client.query('rollback').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

export interface StoreFixture {
  db: TestDatabase;
  pool: Pool;
  /** A migrated store in a schema of its own (schemas are cheap; tests never share one). */
  store(schema?: string): Promise<PostgresEventStore>;
  close(): Promise<void>;
}

export async function storeFixture(label: string): Promise<StoreFixture> {
  const db = await createTestDatabase(label);
  const pool = new Pool({ connectionString: db.url, max: 20 });
  let n = 0;
  return {
    db,
    pool,
    async store(schema = `svc_${++n}`) {
      await migrateEventStore(pool, schema);
      return new PostgresEventStore(pool, schema);
    },
    async close() {
      // Dropping the database (with force) can still find a backend of an ended pool alive and
      // terminate it; the pool reports that as an error of an idle client, harmless at teardown.
      pool.on('error', () => undefined);
      await pool.end();
      await db.drop();
    },
  };
}

export const anEvent = (overrides: Partial<NewEvent> = {}): NewEvent => ({
  eventId: randomUUID(),
  type: 'InvoiceDetected',
  data: { reference: `INV-${randomUUID().slice(0, 8)}` },
  metadata: { correlationId: 'run-1' },
  ...overrides,
});

export const anOutboxEvent = (overrides: Partial<NewEvent> = {}): NewEvent => anEvent({ topic: 'lnb.invoice.detected.v1', ...overrides });

/** A relay that records what it publishes, with short intervals so tests wait little. */
export function recordingRelay(
  store: PostgresEventStore,
  name: string,
  options: Partial<OutboxRelayOptions> = {},
): { relay: OutboxRelay; published: OutboxMessage[]; errors: unknown[] } {
  const published: OutboxMessage[] = [];
  const errors: unknown[] = [];
  const relay = new OutboxRelay(store, {
    name,
    publish: async (batch) => {
      published.push(...batch);
    },
    pollIntervalMs: 50,
    standbyIntervalMs: 50,
    retryBaseMs: 20,
    retryMaxMs: 100,
    onError: (err) => errors.push(err),
    ...options,
  });
  return { relay, published, errors };
}

/** The backend pid holding the relay lock of `schema`.`name`, if any. */
export async function relayLockHolder(pool: Pool, schema: string, name: string): Promise<number | undefined> {
  const { rows } = await pool.query<{ pid: number }>(
    `select pid from pg_locks
     where locktype = 'advisory' and granted
       and database = (select oid from pg_database where datname = current_database())
       and classid::int = hashtext('lnbx.outbox-relay') and objid::int = hashtext($1) and objsubid = 2`,
    [`${schema}.${name}`],
  );
  return rows[0]?.pid;
}

/** Kills a backend the way a dead process loses it, and waits until it is gone. */
export async function killBackend(pool: Pool, pid: number): Promise<void> {
  await pool.query('select pg_terminate_backend($1)', [pid]);
  await waitFor(`backend ${pid} to exit`, async () => {
    const { rowCount } = await pool.query('select 1 from pg_stat_activity where pid = $1', [pid]);
    return rowCount === 0;
  });
}
