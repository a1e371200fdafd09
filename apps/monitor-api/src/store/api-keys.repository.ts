// API keys in monitor.api_keys, as plain functions over a pool: the service, its boot and the CLI
// (`apps/monitor-api/src/cli/api-keys.ts`, which the demo may call) share them.
import type { Pool } from 'pg';
import { generateKey, hashNewKey, matches, type Role, type StoredKey } from '../domain/api-keys';

export async function activeKeys(pool: Pool): Promise<StoredKey[]> {
  const { rows } = await pool.query<StoredKey>('select name, role, salt, hash from monitor.api_keys where revoked_at is null order by name');
  return rows;
}

export async function findKey(pool: Pool, key: string): Promise<StoredKey | null> {
  return (await activeKeys(pool)).find((k) => matches(key, k)) ?? null;
}

/** Stores a key (hashed) under a new name; the key itself is returned once and kept nowhere. */
export async function createApiKey(pool: Pool, name: string, role: Role, key: string = generateKey()): Promise<{ name: string; role: Role; key: string }> {
  const stored = hashNewKey(name, role, key);
  await pool.query('insert into monitor.api_keys (name, role, salt, hash) values ($1,$2,$3,$4)', [stored.name, stored.role, stored.salt, stored.hash]);
  return { name, role, key };
}

/**
 * Makes sure each given key exists with its role (MONITOR_BOOTSTRAP_KEYS): a key already stored is
 * left alone, so a restart with the same variable creates nothing. Returns the names of those created.
 */
export async function ensureKeys(pool: Pool, keys: { role: Role; key: string }[]): Promise<string[]> {
  const created: string[] = [];
  for (const { role, key } of keys) {
    const existing = await findKey(pool, key);
    if (existing) continue;
    const { rows } = await pool.query<{ n: string }>(`select count(*) as n from monitor.api_keys where name like $1`, [`bootstrap-${role}-%`]);
    const name = `bootstrap-${role}-${Number(rows[0].n) + 1}`;
    await createApiKey(pool, name, role, key);
    created.push(name);
  }
  return created;
}

/** Every monitor instance LISTENs here and forgets the keys it verified when a key is revoked. */
export const KEYS_REVOKED_CHANNEL = 'monitor_api_keys_revoked';

/** Revokes and tells every instance in one statement: the NOTIFY goes out when the revocation commits. */
export async function revokeApiKey(pool: Pool, name: string): Promise<boolean> {
  const { rowCount } = await pool.query(
    `with revoked as (update monitor.api_keys set revoked_at = now() where name = $1 and revoked_at is null returning name)
     select pg_notify('${KEYS_REVOKED_CHANNEL}', '') from revoked`,
    [name],
  );
  return rowCount === 1;
}

export async function listApiKeys(pool: Pool): Promise<{ name: string; role: Role; createdAt: string; revokedAt: string | null }[]> {
  const { rows } = await pool.query(`select name, role, created_at as "createdAt", revoked_at as "revokedAt" from monitor.api_keys order by created_at`);
  return rows;
}
