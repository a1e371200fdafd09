// A brand set up the way an integrator does it, through monitor-api's REST API with an admin key: the connection,
// its LNB credentials (monitor-api hands them to the poller, which checks them with LNB before keeping them
// sealed), and API keys of that brand. For tests and benchmarks that run the services as their own processes.
import { randomBytes } from 'node:crypto';
import { http } from './http';

export interface ConnectionSetup {
  id: string;
  name?: string;
  timeZone?: string;
  baseCurrency?: string;
  /** Its LNB account; left out, none is set (its runs then fail with POLLER.NO_LNB_CREDENTIALS). */
  lnb?: { clientId: string; clientSecret: string };
  /** Brand keys to create (name → role); each key is returned once. */
  keys?: Record<string, 'viewer' | 'operator'>;
}

/**
 * What monitor-api, the poller and the exporter need in their environment for connections to be set up this way:
 * the poller's service token (monitor-api → poller) and the key that seals LNB credentials.
 */
export function connectionSetupEnv(pollerUrl?: string): { poller: Record<string, string>; monitor: Record<string, string> } {
  const token = randomBytes(32).toString('hex');
  return {
    poller: { POLLER_SERVICE_TOKEN: token, POLLER_CREDENTIALS_KEY: randomBytes(32).toString('hex') },
    monitor: { POLLER_SERVICE_TOKEN: token, ...(pollerUrl ? { POLLER_INTERNAL_URL: pollerUrl } : {}) },
  };
}

/** Creates the connection (unless it exists), sets its LNB credentials, creates its keys; returns the keys by name. */
export async function setUpConnection(monitorUrl: string, adminKey: string, c: ConnectionSetup): Promise<Record<string, string>> {
  const base = monitorUrl.replace(/\/+$/, '');
  const auth = { 'x-api-key': adminKey };
  const must = (what: string, r: { status: number; body: unknown }, ...ok: number[]) => {
    if (!ok.includes(r.status)) throw new Error(`${what}: HTTP ${r.status} ${JSON.stringify(r.body)}`);
  };
  const existing = await http('GET', `${base}/api/connections/${c.id}`, undefined, auth);
  if (existing.status === 404) {
    const body = { id: c.id, name: c.name ?? c.id, timeZone: c.timeZone ?? 'Europe/London', ...(c.baseCurrency ? { baseCurrency: c.baseCurrency } : {}) };
    must(`POST /api/connections (${c.id})`, await http('POST', `${base}/api/connections`, body, auth), 201);
  } else must(`GET /api/connections/${c.id}`, existing, 200);
  if (c.lnb) must(`PUT /api/connections/${c.id}/lnb-credentials`, await http('PUT', `${base}/api/connections/${c.id}/lnb-credentials`, c.lnb, auth), 200);
  const keys: Record<string, string> = {};
  for (const [name, role] of Object.entries(c.keys ?? {})) {
    const r = await http<{ key: { key: string } }>('POST', `${base}/api/connections/${c.id}/keys`, { name, role }, auth);
    must(`POST /api/connections/${c.id}/keys (${name})`, r, 201);
    keys[name] = r.body.key.key;
  }
  return keys;
}
