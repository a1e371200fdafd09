// API keys: only a salted SHA-256 of each key is stored (keys are long random strings, so a slow hash
// adds nothing but latency to every request); a key is shown once, when it is created.
import { CONNECTION_ID_PATTERN } from '@lnbx/contracts';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * viewer: reads; operator: also triggers and edits the connection's runs and settings (a brand's finance team);
 * admin: also creates and removes connections (the integrator who runs the deployment).
 */
export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Each role may do everything the ones before it may. */
export const roleAllows = (have: Role, need: Role): boolean => ROLES.indexOf(have) >= ROLES.indexOf(need);

/** A brand's key (viewer, operator) belongs to one connection; an admin key to the deployment (null). */
export const keyBelongsToConnection = (role: Role): boolean => role !== 'admin';

export interface StoredKey {
  name: string;
  role: Role;
  /** The connection it belongs to; null for a deployment key (admin). */
  connectionId: string | null;
  salt: string;
  hash: string;
}

/** Keys given at boot must be at least this long: they are the only thing between the network and the API. */
export const MIN_KEY_LENGTH = 20;
const KEY_CHARS = /^[A-Za-z0-9._~+/=-]+$/;

export const hashKey = (key: string, salt: string): string => createHash('sha256').update(`${salt}:${key}`).digest('hex');

export function hashNewKey(name: string, role: Role, connectionId: string | null, key: string): StoredKey {
  const salt = randomBytes(16).toString('hex');
  return { name, role, connectionId, salt, hash: hashKey(key, salt) };
}

export const generateKey = (): string => `lnbx_${randomBytes(24).toString('base64url')}`;

export function matches(key: string, stored: Pick<StoredKey, 'salt' | 'hash'>): boolean {
  const a = Buffer.from(hashKey(key, stored.salt), 'hex');
  const b = Buffer.from(stored.hash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** `x-api-key: <key>` or `Authorization: Bearer <key>`. */
export function keyFromHeaders(headers: Record<string, string | string[] | undefined>): string | null {
  const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
  const direct = first(headers['x-api-key'])?.trim();
  if (direct) return direct;
  const auth = first(headers['authorization']);
  const m = auth ? /^Bearer\s+(\S+)\s*$/i.exec(auth) : null;
  return m ? m[1] : null;
}

export interface BootstrapKey {
  role: Role;
  key: string;
  connectionId: string | null;
}

/**
 * MONITOR_BOOTSTRAP_KEYS, "viewer@uk:<key>,operator@uk:<key>,admin:<key>": the keys to create at boot. A viewer or
 * operator key names the connection it belongs to (`<role>@<connection>`); an admin key belongs to the deployment
 * and names none. The problems name the entry by position, never its key.
 */
export function parseBootstrapKeys(raw: string): { ok: true; keys: BootstrapKey[] } | { ok: false; problems: string[] } {
  const keys: BootstrapKey[] = [];
  const problems: string[] = [];
  raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .forEach((entry, i) => {
      const at = entry.indexOf(':');
      const who = at > 0 ? entry.slice(0, at) : '';
      const key = at > 0 ? entry.slice(at + 1) : '';
      const [role, connectionId, ...more] = who.split('@');
      if (!(ROLES as readonly string[]).includes(role) || more.length)
        problems.push(`entry ${i + 1} must start with viewer@<connection>:, operator@<connection>: or admin:`);
      else if (keyBelongsToConnection(role as Role) && connectionId === undefined)
        problems.push(`entry ${i + 1} (${role}): a ${role} key belongs to one connection: write ${role}@<connection>:<key>`);
      else if (!keyBelongsToConnection(role as Role) && connectionId !== undefined)
        problems.push(`entry ${i + 1} (${role}): an admin key belongs to the deployment, not to a connection: write admin:<key>`);
      else if (connectionId !== undefined && !CONNECTION_ID_PATTERN.test(connectionId))
        problems.push(`entry ${i + 1} (${role}): the connection must be a connection id (${CONNECTION_ID_PATTERN.source})`);
      else if (key.length < MIN_KEY_LENGTH) problems.push(`entry ${i + 1} (${role}): the key must be at least ${MIN_KEY_LENGTH} characters`);
      else if (!KEY_CHARS.test(key)) problems.push(`entry ${i + 1} (${role}): the key may hold letters, digits and . _ ~ + / = - only`);
      else keys.push({ role: role as Role, key, connectionId: connectionId ?? null });
    });
  return problems.length ? { ok: false, problems } : { ok: true, keys };
}
