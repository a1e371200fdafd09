// Connecting Xero from the Integration Center (issue 15, part 1), with monitor-api and the xero-exporter as
// their own processes, the Xero sandbox over HTTP, the real broker and database. A browser is played by a
// cookie jar: an operator's POST /api/xero/connect, the sandbox's consent, the callback with the cookie, the
// connection told back to the monitor as XeroConnectionChanged. And what must not work: a viewer, a state
// used twice, expired, without or with another browser's cookie, made for another connection (400, nothing
// changed), the exporter's internal routes without the service token; Xero's access_denied said plainly.
import { SecretCipher } from '@lnbx/platform';
import {
  createTestDatabase,
  http,
  setUpConnection,
  type SpawnedService,
  spawnXeroConnectServices,
  type TestDatabase,
  testKafkaEnv,
  uniqueTopicPrefix,
  waitFor,
} from '@lnbx/testing';
import { startXeroSandbox, type XeroSandbox } from '@lnbx/xero-sandbox';
import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import { hashOf, newAuthorization, NONCE_COOKIE, OUTCOME_COOKIE } from './domain/xero-connect';
import type { XeroStatus } from './domain/xero-status';
import { saveAuthorization } from './store/xero-authorizations';

const OPERATOR = 'operator-key-for-connect-0123456789';
const VIEWER = 'viewer-key-for-connect-0123456789';
const ADMIN = 'admin-key-for-connect-0123456789';

/** The Set-Cookie headers of an answer as name -> value. */
function cookiesOf(res: Response): Map<string, { value: string; attributes: string }> {
  return new Map(
    res.headers.getSetCookie().map((c) => {
      const [pair, ...attributes] = c.split(';');
      const at = pair.indexOf('=');
      return [pair.slice(0, at).trim(), { value: pair.slice(at + 1), attributes: attributes.join(';').trim() }];
    }),
  );
}

describe('monitor-api: connecting Xero (an operator, through the exporter and the Xero sandbox)', () => {
  let xero: XeroSandbox;
  let db: TestDatabase;
  let pool: Pool;
  let monitor: SpawnedService;
  let exporter: SpawnedService;
  let callbackUrl: string;
  /** The exporter's token key, and the service token between the two services. */
  let tokenKey: string;
  let serviceToken: string;

  beforeAll(async () => {
    xero = await startXeroSandbox({ port: 0 });
    db = await createTestDatabase('xero_connect');
    pool = new Pool({ connectionString: db.url, max: 2 });
    const env = { DATABASE_URL: db.url, ...testKafkaEnv(), KAFKA_TOPIC_PREFIX: uniqueTopicPrefix('connect') };
    ({ exporter, monitor, callbackUrl, tokenKey, serviceToken } = await spawnXeroConnectServices(
      xero,
      env,
      `operator@default:${OPERATOR},viewer@default:${VIEWER},admin:${ADMIN}`,
    ));
    // The brand, as an integrator creates it: its stream records each Xero change and who made it.
    await setUpConnection(monitor.url, ADMIN, { id: 'default', name: 'Demo Fashion' });
  });

  afterAll(async () => {
    await Promise.all([monitor?.stop(), exporter?.stop()]);
    await pool?.end();
    await db?.drop();
    await xero?.close();
  });

  const status = async () => (await http<XeroStatus>('GET', `${monitor.url}/api/xero/status`, undefined, { 'x-api-key': VIEWER })).body;
  /**
   * What a refused callback must leave as it was: the exporter's connection (as a connect writes it; the upkeep
   * fills the organisation's short code in its own time), its told states, the monitor's requests.
   */
  const world = async () =>
    JSON.stringify(
      (
        await pool.query(`select
      (select coalesce(json_agg(json_build_object('id', connection_id, 'status', status, 'tenant', xero_tenant_id, 'access', access_token,
        'refresh', refresh_token, 'connectedAt', connected_at) order by connection_id), '[]') from exporter.connections) as connections,
      (select count(*) from exporter.events where type = 'XeroConnectionChanged') as told,
      (select coalesce(json_agg(a order by created_at), '[]') from monitor.xero_authorizations a) as requests`)
      ).rows[0],
    );

  /** The exporter's part of it: its connections and the states it told. */
  const exporterWorld = async () =>
    JSON.stringify(
      (
        await pool.query(`select
      (select coalesce(json_agg(json_build_object('id', connection_id, 'status', status, 'tenant', xero_tenant_id, 'access', access_token,
        'refresh', refresh_token, 'connectedAt', connected_at) order by connection_id), '[]') from exporter.connections) as connections,
      (select count(*) from exporter.events where type = 'XeroConnectionChanged') as told`)
      ).rows[0],
    );

  /** An operator presses "Connect to Xero": the consent link, and the cookie the browser keeps for the callback. */
  async function start(
    key = OPERATOR,
    query = '',
  ): Promise<{ status: number; authorizeUrl: string; cookie: string; setCookie: string; body: Record<string, unknown> }> {
    const res = await fetch(`${monitor.url}/api/xero/connect${query}`, { method: 'POST', headers: { 'x-api-key': key } });
    const body = (await res.json()) as Record<string, unknown>;
    const nonce = cookiesOf(res).get(NONCE_COOKIE);
    return {
      status: res.status,
      body,
      authorizeUrl: String(body.authorizeUrl),
      cookie: nonce ? `${NONCE_COOKIE}=${nonce.value}` : '',
      setCookie: res.headers.get('set-cookie') ?? '',
    };
  }

  /** Xero's consent (the sandbox consents by itself; `tenants` that match none is a refusal): where it sends the browser. */
  async function consent(authorizeUrl: string, refuse = false): Promise<URL> {
    const url = new URL(authorizeUrl);
    if (refuse) url.searchParams.set('tenants', 'no-such-organisation');
    const res = await fetch(url, { redirect: 'manual' });
    expect(res.status).toBe(302);
    return new URL(res.headers.get('location')!);
  }

  const land = (back: URL | string, cookie?: string) => fetch(back, { redirect: 'manual', headers: cookie ? { cookie } : {} });
  const outcomeOf = (res: Response) => JSON.parse(decodeURIComponent(cookiesOf(res).get(OUTCOME_COOKIE)!.value)) as { connected: boolean; message: string };

  it('refuses a viewer (403), and the exporter serves its internal routes only with the service token', async () => {
    const viewer = await start(VIEWER);
    expect(viewer.status).toBe(403);
    expect(viewer.setCookie).toBe('');
    expect((await pool.query('select count(*)::int as n from monitor.xero_authorizations')).rows[0].n).toBe(0);
    for (const path of ['/internal/xero/authorize-url', '/internal/xero/exchange']) {
      const res = await fetch(`${exporter.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      expect(res.status).toBe(401);
      expect(await res.text()).not.toContain(serviceToken);
    }
    expect((await fetch(`${exporter.url}/health`)).status).toBe(200);
    expect((await fetch(`${exporter.url}/metrics`)).status).toBe(200);
  });

  it('connects for an operator: consent at Xero, back through the callback, "Connected to <org>", and the monitor is told', async () => {
    expect((await status()).connected).not.toBe(true);
    const started = await start();
    expect(started.status).toBe(201);
    expect(started.setCookie).toMatch(new RegExp(`^${NONCE_COOKIE}=[A-Za-z0-9_-]{43}; Path=/api/xero/callback; Max-Age=600; SameSite=Lax; HttpOnly$`));
    const link = new URL(started.authorizeUrl);
    expect(`${link.origin}${link.pathname}`).toBe(xero.identity.authorizeUrl);
    const state = link.searchParams.get('state')!;
    expect(state).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(link.searchParams.get('redirect_uri')).toBe(callbackUrl);
    expect(link.searchParams.get('code_challenge_method')).toBe('S256');
    // Stored hashed, bound to the key and the connection.
    const stored = (await pool.query('select * from monitor.xero_authorizations')).rows;
    expect(stored).toEqual([
      expect.objectContaining({ state_hash: hashOf(state), connection_id: 'default', requested_by: 'bootstrap-operator-1', used_at: null }),
    ]);
    expect(JSON.stringify(stored)).not.toContain(state);

    const back = await consent(started.authorizeUrl);
    expect(`${back.origin}${back.pathname}`).toBe(callbackUrl);
    const landed = await land(back, started.cookie);
    expect(landed.status).toBe(303);
    expect(landed.headers.get('location')).toBe(`${new URL(callbackUrl).origin}/`);
    expect(outcomeOf(landed)).toEqual({ connected: true, message: 'Connected to Demo Fashion Ltd.' });
    expect(cookiesOf(landed).get(NONCE_COOKIE)?.attributes).toMatch(/Max-Age=0/);

    const told = await waitFor('the monitor told the connection (XeroConnectionChanged)', async () => {
      const s = await status();
      return s.connected ? s : undefined;
    });
    expect(told).toMatchObject({ connected: true, state: { status: 'connected', tenantName: 'Demo Fashion Ltd', grant: 'authorization_code' } });
    // The exporter reads the organisation's short code with its reference data, and tells it as well.
    const shortCode = await waitFor('the short code told', async () => (await status()).state?.shortCode ?? undefined);
    expect(shortCode).toBe(`!${xero.tenantIds[0].slice(0, 5)}`);
    const row = (await pool.query('select used_at, code_verifier, outcome from monitor.xero_authorizations where state_hash = $1', [hashOf(state)])).rows[0];
    expect(row).toEqual({ used_at: expect.any(Date), code_verifier: null, outcome: 'Connected to Demo Fashion Ltd.' });
    // Neither service logged the state, the code or a token.
    const logs = JSON.stringify([...monitor.logs, ...exporter.logs]);
    for (const secret of [state, back.searchParams.get('code')!, serviceToken]) expect(logs).not.toContain(secret);

    // The same state again (a replayed callback): refused, nothing changes.
    const before = await world();
    const again = await land(back, started.cookie);
    expect(again.status).toBe(400);
    expect(await again.text()).toMatch(/used already/);
    expect(await world()).toBe(before);
  });

  it("refuses a callback without the cookie, with another browser's, then takes it with the right one (the refusals used nothing up)", async () => {
    const started = await start();
    const back = await consent(started.authorizeUrl);
    const before = await world();
    const without = await land(back);
    expect(without.status).toBe(400);
    expect(await without.text()).toMatch(/This browser did not start this Xero connection/);
    const other = await start();
    const stolen = await land(back, other.cookie);
    expect(stolen.status).toBe(400);
    expect(await stolen.text()).toMatch(/started in another browser/);
    const forged = await land(back, `${NONCE_COOKIE}=${randomBytes(32).toString('base64url')}`);
    expect(forged.status).toBe(400);
    // The other browser's own request was made meanwhile; nothing else changed.
    const after = JSON.parse(await world());
    expect({ ...after, requests: after.requests.slice(0, -1) }).toEqual(JSON.parse(before));
    const landed = await land(back, started.cookie);
    expect(landed.status).toBe(303);
    expect(outcomeOf(landed).connected).toBe(true);
  });

  it('refuses an expired state and one made for another connection with a 400, changing nothing', async () => {
    const started = await start();
    const back = await consent(started.authorizeUrl);
    await pool.query("update monitor.xero_authorizations set expires_at = now() - interval '1 second' where state_hash = $1", [
      hashOf(back.searchParams.get('state')!),
    ]);
    const before = await world();
    const expired = await land(back, started.cookie);
    expect(expired.status).toBe(400);
    expect(await expired.text()).toMatch(/expired/);
    expect(await world()).toBe(before);

    // A request made for another connection, which this monitor serves too: the callback acts on the connection the
    // request was made for (never on the one the code came from), with that request's verifier, which does not match
    // the code Xero issued for another request: nothing is connected, and the request is used up.
    const foreign = newAuthorization();
    await saveAuthorization(pool, {
      stateHash: hashOf(foreign.state),
      browserHash: hashOf(foreign.nonce),
      connectionId: 'other',
      requestedBy: 'bootstrap-operator-1',
      redirectUri: callbackUrl,
      codeVerifier: foreign.codeVerifier,
      expiresAt: new Date(Date.now() + 600_000),
    });
    const code = (await consent((await start()).authorizeUrl)).searchParams.get('code')!;
    const beforeForeign = await exporterWorld();
    const res = await land(`${callbackUrl}?code=${code}&state=${foreign.state}`, `${NONCE_COOKIE}=${foreign.nonce}`);
    expect(res.status).toBe(303);
    expect(outcomeOf(res).connected).toBe(false);
    expect(await exporterWorld()).toBe(beforeForeign);
    expect((await land(`${callbackUrl}?code=${code}&state=${foreign.state}`, `${NONCE_COOKIE}=${foreign.nonce}`)).status).toBe(400);
    // An unknown state and a state with no code nor error are 400s too.
    expect((await land(`${callbackUrl}?code=${code}&state=${randomBytes(32).toString('base64url')}`, started.cookie)).status).toBe(400);
    expect((await land(`${callbackUrl}?state=abc`, started.cookie)).status).toBe(400);
  });

  it('tells the operator plainly when the consent is refused in Xero (access_denied), and the connection stays as it was', async () => {
    const started = await start();
    const back = await consent(started.authorizeUrl, true);
    expect(back.searchParams.get('error')).toBe('access_denied');
    const told = (await pool.query<{ n: number }>("select count(*)::int as n from exporter.events where type = 'XeroConnectionChanged'")).rows[0].n;
    const landed = await land(back, started.cookie);
    expect(landed.status).toBe(303);
    expect(outcomeOf(landed)).toEqual({
      connected: false,
      message: 'Not connected to Xero: access was not allowed in Xero (the consent was cancelled or refused). Connect again when ready.',
    });
    expect((await pool.query<{ n: number }>("select count(*)::int as n from exporter.events where type = 'XeroConnectionChanged'")).rows[0].n).toBe(told);
    expect((await land(back, started.cookie)).status).toBe(400);
  });

  it("disconnects for an operator: revoked at Xero, the tokens dropped, the panel and the connection's stream say who, and connecting again works", async () => {
    expect((await status()).connected).toBe(true);
    const row = async () =>
      (await pool.query('select status, access_token, refresh_token, disconnected_by from exporter.connections where connection_id = $1', ['default'])).rows[0];
    const sealed = (await row()).refresh_token as string;
    const refreshToken = SecretCipher.fromText(tokenKey, 'XERO_TOKEN_KEY').decrypt(sealed, 'connection:default:refresh_token');
    const disconnect = (key: string) =>
      http<{ message: string; waitingDocuments: number }>('POST', `${monitor.url}/api/xero/disconnect`, undefined, { 'x-api-key': key });

    // A viewer may not; nothing changes.
    expect((await disconnect(VIEWER)).status).toBe(403);
    expect((await row()).status).toBe('connected');

    const done = await disconnect(OPERATOR);
    expect(done).toMatchObject({
      status: 200,
      body: {
        message: 'Disconnected from Xero (Demo Fashion Ltd). Nothing more is sent to Xero; 0 documents wait until someone connects again.',
        waitingDocuments: 0,
      },
    });
    // The tokens are gone here, and revoked at Xero: the refresh token the exporter held is refused there now.
    expect(await row()).toEqual({ status: 'disconnected', access_token: null, refresh_token: null, disconnected_by: 'bootstrap-operator-1' });
    const refreshed = await fetch(xero.identity.tokenUrl, {
      method: 'POST',
      headers: {
        Authorization: `Basic ${Buffer.from(`${xero.clients.authorizationCode.clientId}:${xero.clients.authorizationCode.clientSecret}`).toString('base64')}`,
        'Content-Type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }).toString(),
    });
    expect([refreshed.status, ((await refreshed.json()) as { error?: string }).error]).toEqual([400, 'invalid_grant']);
    expect(exporter.logs.find((l) => l.msg === 'xero disconnected in the Integration Center: documents wait for a connection')).toMatchObject({
      by: 'bootstrap-operator-1',
      atXero: 'disconnected',
      revoked: true,
    });
    // A deliberate disconnection is no outage: no "connection up" series left at 0 for the alert.
    expect(await (await fetch(`${exporter.url}/metrics`)).text()).not.toMatch(/^lnbx_xero_connection_up\{[^}]*connection="default"/m);

    // The panel says who, and the connection's own stream records it by that key.
    const told = await waitFor('the monitor told of the disconnection', async () => {
      const s = await status();
      return s.state?.status === 'disconnected' ? s : undefined;
    });
    expect(told).toMatchObject({
      connected: false,
      message: 'Disconnected from Xero (Demo Fashion Ltd) in the Integration Center by bootstrap-operator-1: documents wait until someone connects again.',
      state: { by: 'bootstrap-operator-1', tenantName: 'Demo Fashion Ltd' },
    });
    const recorded = await waitFor('the connection stream records who disconnected', async () => {
      const { rows } = await pool.query("select data->>'by' as by from monitor.events where stream_id = 'connection-default' and type = 'XeroDisconnected'");
      return rows[0] as { by: string } | undefined;
    });
    expect(recorded.by).toBe('bootstrap-operator-1');

    // Pressed again: nothing to disconnect, said plainly.
    const again = await disconnect(OPERATOR);
    expect(again.status).toBe(409);
    expect(JSON.stringify(again.body)).toContain('is not connected to Xero: there is nothing to disconnect');
    // No token, code or service token in any log.
    expect(JSON.stringify([...monitor.logs, ...exporter.logs])).not.toContain(refreshToken);

    // Connecting again works as the first time.
    const started = await start();
    const landed = await land(await consent(started.authorizeUrl), started.cookie);
    expect(outcomeOf(landed)).toEqual({ connected: true, message: 'Connected to Demo Fashion Ltd.' });
    expect((await row()).disconnected_by).toBeNull();
    await waitFor('the monitor told the connection again', async () => ((await status()).connected ? true : undefined));
  });

  it('leaves the organisation connected for another brand on it, and takes one of two presses at once', async () => {
    // Another brand of this deployment connects the same organisation (its own consent, made by the integrator).
    await setUpConnection(monitor.url, ADMIN, { id: 'other', name: 'Other Brand' });
    const started = await start(ADMIN, '?connection=other');
    expect(outcomeOf(await land(await consent(started.authorizeUrl), started.cookie))).toEqual({ connected: true, message: 'Connected to Demo Fashion Ltd.' });
    const rowOf = async (id: string) =>
      (await pool.query('select status, xero_tenant_id, refresh_token, disconnected_by from exporter.connections where connection_id = $1', [id])).rows[0];
    expect((await rowOf('other')).xero_tenant_id).toBe((await rowOf('default')).xero_tenant_id);
    await waitFor('the monitor told the connection', async () => ((await status()).connected ? true : undefined));

    const press = () => http('POST', `${monitor.url}/api/xero/disconnect`, undefined, { 'x-api-key': OPERATOR });
    const answers = await Promise.all([press(), press()]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
    expect(exporter.logs.filter((l) => l.msg === 'xero disconnected in the Integration Center: documents wait for a connection').pop()).toMatchObject({
      atXero: 'kept_for_others',
      revoked: false,
    });
    // One disconnection told, not two; the other brand stays connected, its consent untouched.
    const told = await pool.query(
      "select count(*)::int as n from exporter.events where type = 'XeroConnectionChanged' and data->'payload'->>'change' = 'disconnected'",
    );
    expect(told.rows[0].n).toBe(2);
    expect(await rowOf('other')).toMatchObject({ status: 'connected', disconnected_by: null, refresh_token: expect.any(String) });
    expect(await rowOf('default')).toMatchObject({ status: 'disconnected', disconnected_by: 'bootstrap-operator-1', refresh_token: null });
  });
});
