// API keys in monitor.api_keys, as plain functions over a pool: the service, its boot, its key management
// routes and the CLI (`apps/monitor-api/src/cli/api-keys.ts`, which the demo may call) share them. A viewer or
// operator key belongs to one connection; an admin key to the deployment (connection_id null).
import type { Pool } from 'pg';
import { generateKey, hashNewKey, matches, type BootstrapKey, type Role, type StoredKey } from '../domain/api-keys';

export async function activeKeys(pool: Pool): Promise<StoredKey[]> {
  const { rows } = await pool.query<StoredKey>(
    'select name, role, connection_id as "connectionId", salt, hash from monitor.api_keys where revoked_at is null order by name',
  );
  return rows;
}

export async function findKey(pool: Pool, key: string): Promise<StoredKey | null> {
  return (await activeKeys(pool)).find((k) => matches(key, k)) ?? null;
}

export interface NewKey {
  name: string;
  role: Role;
  connectionId: string | null;
}

/**
 * Stores a key (hashed) under a new name; the key itself is returned once and kept nowhere. Null when the
 * name is taken (by any key, revoked ones included: a name says whose a key was, for good).
 */
export async function createApiKey(pool: Pool, k: NewKey, key: string = generateKey()): Promise<(NewKey & { key: string; createdAt: string }) | null> {
  const stored = hashNewKey(k.name, k.role, k.connectionId, key);
  const { rows } = await pool.query<{ created_at: Date }>(
    'insert into monitor.api_keys (name, role, connection_id, salt, hash) values ($1,$2,$3,$4,$5) on conflict (name) do nothing returning created_at',
    [stored.name, stored.role, stored.connectionId, stored.salt, stored.hash],
  );
  return rows.length ? { ...k, key, createdAt: rows[0].created_at.toISOString() } : null;
}

/**
 * Makes sure each given key exists with its role and connection (MONITOR_BOOTSTRAP_KEYS): a key already stored
 * is left alone, so a restart with the same variable creates nothing. Returns the names of those created.
 */
export async function ensureKeys(pool: Pool, keys: BootstrapKey[]): Promise<string[]> {
  const created: string[] = [];
  for (const { role, key, connectionId } of keys) {
    const existing = await findKey(pool, key);
    if (existing) continue;
    const prefix = `bootstrap-${role}-`;
    const { rows } = await pool.query<{ n: string }>(`select count(*) as n from monitor.api_keys where name like $1`, [`${prefix}%`]);
    const name = `${prefix}${Number(rows[0].n) + 1}`;
    if (!(await createApiKey(pool, { name, role, connectionId }, key))) throw new Error(`MONITOR_BOOTSTRAP_KEYS: the name ${name} is taken`);
    created.push(name);
  }
  return created;
}

/** Every monitor instance LISTENs here and forgets the keys it verified when a key is revoked. */
export const KEYS_REVOKED_CHANNEL = 'monitor_api_keys_revoked';

/**
 * Revokes and tells every instance in one statement: the NOTIFY goes out when the revocation commits. With
 * `connectionId`, only a key of that connection (the key routes); without, any (the CLI).
 */
export async function revokeApiKey(pool: Pool, name: string, connectionId?: string): Promise<boolean> {
  const { rowCount } = await pool.query(
    `with revoked as (update monitor.api_keys set revoked_at = now()
                      where name = $1 and revoked_at is null and ($2::text is null or connection_id = $2) returning name)
     select pg_notify('${KEYS_REVOKED_CHANNEL}', '') from revoked`,
    [name, connectionId ?? null],
  );
  return rowCount === 1;
}

export interface KeyOut {
  name: string;
  role: Role;
  connectionId: string | null;
  createdAt: string;
  revokedAt: string | null;
}

/** Names, roles and dates, never a key or its hash: of one connection when given, else all. */
export async function listApiKeys(pool: Pool, connectionId?: string): Promise<KeyOut[]> {
  const { rows } = await pool.query<{ name: string; role: Role; connectionId: string | null; createdAt: Date; revokedAt: Date | null }>(
    `select name, role, connection_id as "connectionId", created_at as "createdAt", revoked_at as "revokedAt" from monitor.api_keys
     where $1::text is null or connection_id = $1 order by created_at, name`,
    [connectionId ?? null],
  );
  return rows.map((r) => ({ ...r, createdAt: r.createdAt.toISOString(), revokedAt: r.revokedAt?.toISOString() ?? null }));
}
