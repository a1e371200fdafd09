// The authorization-code flow end to end as monitor-api drives it (the consent link for its state and PKCE
// challenge -> Xero's consent -> the code exchanged with the verifier), behind the service token, tokens
// sealed at rest and refreshed, and a lost connection (invalid_grant, consent revoked): documents
// wait (no failure per document), XeroConnectionLost tells the monitor, and a reconnection sends them
// with XeroConnectionRestored. Each state is told whole as XeroConnectionChanged (never a token), and a
// state never told (a database from before that event, a connection first seen) is announced once.
import { type EventEnvelope, type XeroConnectionChanged } from '@lnbx/contracts';
import { startService } from '@lnbx/messaging';
import { SecretCipher } from '@lnbx/platform';
import { createTestDatabase, parseMetrics, readMetrics, uniqueTopicPrefix, waitFor } from '@lnbx/testing';
import { createHash, randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import { xeroExporter } from './service';
import { aMappedInvoice } from './testing';
import {
  countByNumber,
  exporterEnv,
  type ExporterRig,
  Observer,
  startExporterRig,
  TEST_REDIRECT_URI,
  TEST_SERVICE_TOKEN,
  TEST_TOKEN_KEY,
} from './testing/harness';
import { sealContext } from './xero/tokens';

const TIME_SCALE = 60;

describe('xero-exporter: authorization-code connections', () => {
  let rig: ExporterRig;
  let tenant: string;

  beforeAll(async () => {
    rig = await startExporterRig('exporter-oauth', TIME_SCALE, (sandbox) => ({
      XERO_GRANT: 'authorization_code',
      XERO_CLIENT_ID: sandbox.clients.authorizationCode.clientId,
      XERO_CLIENT_SECRET: sandbox.clients.authorizationCode.clientSecret,
      XERO_TENANT_ID: sandbox.tenantIds[0],
    }));
    tenant = rig.sandbox.tenantIds[0];
  });

  afterAll(async () => {
    await rig?.close();
  });

  const stored = async () => (await rig.pool.query('select access_token, refresh_token from exporter.connections where connection_id = $1', ['acme'])).rows[0];
  const connection = async () =>
    (await rig.pool.query<{ status: string; reason: string | null }>('select status, reason from exporter.connections where connection_id = $1', ['acme']))
      .rows[0];
  const waiting = async () => (await rig.pool.query<{ n: number }>("select count(*)::int as n from exporter.pending where connection_id = 'acme'")).rows[0].n;
  const opened = async () => {
    const row = await stored();
    const cipher = SecretCipher.fromText(TEST_TOKEN_KEY, 'XERO_TOKEN_KEY');
    return [
      row.access_token,
      row.refresh_token,
      cipher.decrypt(row.access_token, sealContext('acme', 'access_token')),
      cipher.decrypt(row.refresh_token, sealContext('acme', 'refresh_token')),
    ];
  };
  /** What the monitor may read: the state, and nothing of the tokens, sealed or not. */
  const expectNoSecret = (env: EventEnvelope<XeroConnectionChanged.Value>, tokens: string[]) => {
    expect(Object.keys(env.payload).filter((k) => /token|secret|password|credential/i.test(k))).toEqual([]);
    for (const t of tokens) expect(JSON.stringify(env)).not.toContain(t);
  };

  /** POSTs to the exporter's internal routes as monitor-api does: with the service token unless told otherwise. */
  const internal = async (path: string, body: unknown, token: string | null = TEST_SERVICE_TOKEN) => {
    const res = await fetch(`${rig.service.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token === null ? {} : { authorization: `Bearer ${token}` }) },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json().catch(() => ({}))) as Record<string, unknown> };
  };
  const pkce = () => {
    const codeVerifier = randomBytes(32).toString('base64url');
    return { codeVerifier, codeChallenge: createHash('sha256').update(codeVerifier).digest('base64url') };
  };

  /** Xero's consent for a state and challenge (the sandbox consents by itself): the code it sends to the redirect URI. */
  async function consent(state: string, codeChallenge: string): Promise<string> {
    const link = await internal('/internal/xero/authorize-url', { connectionId: 'acme', state, codeChallenge });
    expect(link.status).toBe(200);
    expect(link.body.redirectUri).toBe(TEST_REDIRECT_URI);
    const authorize = new URL(String(link.body.url));
    expect(`${authorize.origin}${authorize.pathname}`).toBe(rig.sandbox.identity.authorizeUrl);
    expect(Object.fromEntries(authorize.searchParams)).toMatchObject({
      redirect_uri: TEST_REDIRECT_URI,
      state,
      code_challenge: codeChallenge,
      code_challenge_method: 'S256',
      response_type: 'code',
    });
    expect(authorize.searchParams.get('scope')).toMatch(/offline_access/);
    const answer = await fetch(authorize, { redirect: 'manual' });
    const back = new URL(answer.headers.get('location')!);
    expect(`${back.origin}${back.pathname}`).toBe(TEST_REDIRECT_URI);
    expect(back.searchParams.get('state')).toBe(state);
    return back.searchParams.get('code')!;
  }

  /** What monitor-api does for an operator: a consent link, Xero's consent, the code exchanged with the verifier. */
  async function connectAsAnOperator(): Promise<Record<string, unknown>> {
    const { codeVerifier, codeChallenge } = pkce();
    const code = await consent(randomBytes(32).toString('base64url'), codeChallenge);
    const exchanged = await internal('/internal/xero/exchange', { connectionId: 'acme', code, codeVerifier });
    expect(exchanged.status).toBe(200);
    return exchanged.body;
  }

  it('serves health and metrics to anyone, everything else only with the service token (a 401 that names nothing secret)', async () => {
    expect((await fetch(`${rig.service.url}/health`)).status).toBe(200);
    expect((await fetch(`${rig.service.url}/health/ready`)).status).toBe(200);
    expect((await fetch(`${rig.service.url}/metrics`)).status).toBe(200);
    const { codeChallenge } = pkce();
    const ask = { connectionId: 'acme', state: randomBytes(16).toString('base64url'), codeChallenge };
    for (const token of [null, 'wrong', `${TEST_SERVICE_TOKEN}x`, TEST_SERVICE_TOKEN.slice(0, -1)]) {
      const refused = await internal('/internal/xero/authorize-url', ask, token);
      expect(refused.status).toBe(401);
      expect(JSON.stringify(refused.body)).not.toContain(TEST_SERVICE_TOKEN);
      expect((await internal('/internal/xero/exchange', { connectionId: 'acme', code: 'c', codeVerifier: 'v'.repeat(43) }, token)).status).toBe(401);
    }
    // The old open consent pages are gone; their paths are refused like any other.
    for (const path of ['/connect', '/callback?code=a&state=b', '/connections/status'])
      expect([401, 404]).toContain((await fetch(`${rig.service.url}${path}`, { redirect: 'manual' })).status);
  });

  it('refuses a consent link or an exchange for a removed connection, a malformed connection, state or challenge, naming the field', async () => {
    const { codeChallenge, codeVerifier } = pkce();
    // Removed in monitor-api (as ConnectionChanged would leave it): nothing of it is connected any more.
    await rig.pool.query("insert into exporter.connection_statuses (connection_id, status, version) values ('gone', 'removed', 3)");
    const gone = await internal('/internal/xero/authorize-url', { connectionId: 'gone', state: randomBytes(16).toString('base64url'), codeChallenge });
    expect(gone).toMatchObject({ status: 409, body: { code: 'CONNECTION.REMOVED' } });
    const goneExchange = await internal('/internal/xero/exchange', { connectionId: 'gone', code: 'c', codeVerifier });
    expect(goneExchange).toMatchObject({ status: 409, body: { code: 'CONNECTION.REMOVED' } });
    const malformed = await internal('/internal/xero/authorize-url', {
      connectionId: 'Not Valid!',
      state: randomBytes(16).toString('base64url'),
      codeChallenge,
    });
    expect(malformed.status).toBe(400);
    expect(JSON.stringify(malformed.body)).toMatch(/connectionId must be/);
    expect(JSON.stringify((await internal('/internal/xero/authorize-url', { connectionId: 'acme', state: 'short', codeChallenge })).body)).toMatch(
      /state must be/,
    );
    expect(
      JSON.stringify(
        (await internal('/internal/xero/authorize-url', { connectionId: 'acme', state: randomBytes(16).toString('base64url'), codeChallenge: 'plain' })).body,
      ),
    ).toMatch(/codeChallenge/);
    const extra = await internal('/internal/xero/authorize-url', {
      connectionId: 'acme',
      state: randomBytes(16).toString('base64url'),
      codeChallenge,
      redirectUri: 'http://evil.example/cb',
    });
    expect(extra.status).toBe(400);
    expect(JSON.stringify(extra.body)).toMatch(/redirectUri should not exist/);
  });

  it('refuses a code exchanged without its PKCE verifier, or with another (Xero: invalid_grant), and stays not connected', async () => {
    const { codeChallenge } = pkce();
    const code = await consent(randomBytes(32).toString('base64url'), codeChallenge);
    const wrong = await internal('/internal/xero/exchange', { connectionId: 'acme', code, codeVerifier: pkce().codeVerifier });
    expect(wrong.status).toBe(409);
    expect(wrong.body).toMatchObject({ code: 'XERO.CONNECT_FAILED', message: expect.stringMatching(/invalid_grant/) });
    expect(await connection()).toBeUndefined();
  });

  it('is not connected before anyone authorises it, says so once its first document comes; the document waits and the monitor is told why', async () => {
    const env = aMappedInvoice('OA-EARLY').envelope();
    await rig.publisher.publish([env]);
    const announced = await rig.observer.waitChange('announced');
    expect(announced).toMatchObject({ key: 'acme:xero-connection', connectionId: 'acme', producer: 'xero-exporter' });
    expect(announced.payload).toEqual({ status: 'disconnected', change: 'announced', grant: 'authorization_code' });
    expect(await connection()).toBeUndefined();
    const waiting = await rig.observer.waitFailed(env.payload.documentKey, 'XERO.CONNECTION_LOST');
    expect(waiting.payload.retriable).toBe(true);
    expect(waiting.payload.problems[0].message).toMatch(/no Xero organisation has been connected yet/);
  });

  it('connects through the consent link and the exchange, seals the tokens, then sends what waited', async () => {
    expect(await connectAsAnOperator()).toEqual({ xeroTenantId: tenant, tenantName: 'Demo Fashion Ltd' });
    // A first connection ends no announced loss: nothing is restored; the state is told.
    expect(await connection()).toMatchObject({ status: 'connected', reason: null });
    const told = await rig.observer.waitChange('connected');
    expect(told.payload).toEqual({
      status: 'connected',
      change: 'connected',
      grant: 'authorization_code',
      xeroTenantId: tenant,
      tenantName: 'Demo Fashion Ltd',
      connectedAt: expect.any(String),
    });
    expectNoSecret(told, await opened());
    const row = await stored();
    expect(row.access_token).toMatch(/^v1:/);
    expect(row.refresh_token).toMatch(/^v1:/);
    expect(row.access_token).not.toMatch(/eyJ/);
    await rig.observer.waitExported('acme:invoice:OA-EARLY');
    await waitFor('reference data', () => rig.observer.reference.find((r) => r.payload.xeroTenantId === tenant));
    expect(rig.observer.restored).toEqual([]);
  });

  it('refreshes an expired access token, storing the new (single-use) refresh token', async () => {
    const before = await stored();
    rig.sandbox.admin.expireAccessTokens();
    const env = aMappedInvoice('OA-REFRESH').envelope();
    await rig.publisher.publish([env]);
    await rig.observer.waitExported(env.payload.documentKey);
    const after = await stored();
    const cipher = SecretCipher.fromText(TEST_TOKEN_KEY, 'XERO_TOKEN_KEY');
    const open = (v: string) => cipher.decrypt(v, sealContext('acme', 'refresh_token'));
    expect(open(after.refresh_token)).not.toBe(open(before.refresh_token));
  });

  it('on invalid_grant marks the connection lost, keeps the documents waiting, and sends them after reconnecting', async () => {
    const refresh = SecretCipher.fromText(TEST_TOKEN_KEY, 'XERO_TOKEN_KEY').decrypt((await stored()).refresh_token, sealContext('acme', 'refresh_token'));
    // The user revokes the app's access in Xero: the grant ends, and its refresh token answers invalid_grant.
    await fetch(rig.sandbox.identity.revocationUrl, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        Authorization: `Basic ${Buffer.from(`${rig.sandbox.clients.authorizationCode.clientId}:${rig.sandbox.clients.authorizationCode.clientSecret}`).toString('base64')}`,
      },
      body: new URLSearchParams({ token: refresh }).toString(),
    });
    const tokens = await opened();
    const envs = ['OA-LOST-1', 'OA-LOST-2'].map((n) => aMappedInvoice(n).envelope());
    await rig.publisher.publish(envs);
    const announced = await rig.observer.waitLost(1);
    const changed = await rig.observer.waitChange('lost');
    expect(changed.payload).toMatchObject({
      status: 'disconnected',
      grant: 'authorization_code',
      xeroTenantId: tenant,
      tenantName: 'Demo Fashion Ltd',
      code: 'XERO.INVALID_GRANT',
    });
    expect(changed.payload.reason).toMatch(/invalid_grant/);
    expectNoSecret(changed, tokens);
    expect(announced.key).toBe('acme:xero-connection');
    expect(announced.payload).toMatchObject({ xeroTenantId: tenant, tenantName: 'Demo Fashion Ltd', code: 'XERO.INVALID_GRANT' });
    expect(announced.payload.reason).toMatch(/invalid_grant/);
    // Counted when the first batch met the refusal: the second document may have arrived just after.
    expect(announced.payload.waitingDocuments).toBeGreaterThanOrEqual(1);
    expect(announced.payload.waitingDocuments).toBeLessThanOrEqual(2);
    await waitFor('both documents waiting', async () => ((await waiting()) === 2 ? true : undefined));
    const lost = await connection();
    expect(lost.status).toBe('disconnected');
    expect(lost.reason).toMatch(/invalid_grant/);
    const up = await readMetrics(rig.service.url);
    expect(
      parseMetrics(up)
        .filter((s) => s.name === 'lnbx_xero_connection_up')
        .map((s) => [s.labels.connection, s.labels.tenant, s.value]),
    ).toEqual([['acme', tenant, 0]]);

    const before = rig.observer.changes.length;
    await connectAsAnOperator();
    expect((await rig.observer.waitChange('connected', before)).payload).toMatchObject({ status: 'connected', xeroTenantId: tenant });
    const restored = await rig.observer.waitRestored(1);
    expect(restored.key).toBe('acme:xero-connection');
    expect(restored.payload).toEqual({ xeroTenantId: tenant, tenantName: 'Demo Fashion Ltd', resumedDocuments: 2 });
    await Promise.all(envs.map((e) => rig.observer.waitExported(e.payload.documentKey)));
    expect(await waiting()).toBe(0);
    // They waited; they never failed.
    for (const e of envs) expect(rig.observer.failedOf(e.payload.documentKey)).toEqual([]);
    expect(rig.observer.lost).toHaveLength(1);
  });

  it('when the organisation revokes the app (403, gone from /connections) documents wait until it is connected again', async () => {
    rig.sandbox.admin.revokeConnection(tenant);
    const env = aMappedInvoice('OA-REVOKED').envelope();
    await rig.publisher.publish([env]);
    const before = rig.observer.changes.length;
    const lost = await rig.observer.waitLost(2);
    expect(lost.payload).toMatchObject({ xeroTenantId: tenant, code: 'XERO.CONSENT_REVOKED' });
    // Counted when the loss was noticed: by the document's own call, or by the upkeep's look at /connections, which
    // may come before the document arrived (it failed that way once in CI); either way the document then waits.
    expect(lost.payload.waitingDocuments).toBeLessThanOrEqual(1);
    await waitFor('the document waiting', async () => ((await waiting()) === 1 ? true : undefined));
    expect(lost.payload.reason).toMatch(/no longer connected/);
    expect((await rig.observer.waitChange('lost', before)).payload).toMatchObject({
      status: 'disconnected',
      code: 'XERO.CONSENT_REVOKED',
      reason: lost.payload.reason,
    });
    rig.sandbox.admin.restoreConnection(tenant);
    await connectAsAnOperator();
    expect((await rig.observer.waitRestored(2)).payload.resumedDocuments).toBe(1);
    await rig.observer.waitExported(env.payload.documentKey);
    expect(rig.observer.failedOf(env.payload.documentKey)).toEqual([]);
    const counts = countByNumber(rig.sandbox.admin.invoices(tenant), 'InvoiceNumber');
    for (const n of ['OA-EARLY', 'OA-REFRESH', 'OA-LOST-1', 'OA-LOST-2', 'OA-REVOKED']) expect(counts.get(n)).toBe(1);
  });
  it('announces at start, once, a connection stored before XeroConnectionChanged existed', async () => {
    // A database from before: the connection lost and stored, none of its states ever told.
    const prefix = uniqueTopicPrefix('exporter-announce');
    const db = await createTestDatabase('exporter_announce');
    const pool = new Pool({ connectionString: db.url, max: 1 });
    const observer = new Observer(prefix);
    const env = exporterEnv(
      rig.sandbox,
      { databaseUrl: db.url, prefix, timeScale: TIME_SCALE },
      {
        XERO_GRANT: 'authorization_code',
        XERO_CLIENT_ID: rig.sandbox.clients.authorizationCode.clientId,
        XERO_CLIENT_SECRET: rig.sandbox.clients.authorizationCode.clientSecret,
      },
    );
    const told = async () => (await pool.query<{ n: number }>("select count(*)::int as n from exporter.events where type = 'XeroConnectionChanged'")).rows[0].n;
    try {
      await pool.query(
        `insert into exporter.connections (connection_id, grant_type, status, reason, xero_tenant_id, tenant_name, access_token, refresh_token, connected_at)
         values ('acme', 'authorization_code', 'disconnected', 'Xero refused the refresh token (invalid_grant)', $1, 'Demo Fashion Ltd', 'v1:sealed-a', 'v1:sealed-r', '2026-03-01T09:00:00Z')`,
        [tenant],
      );
      const first = await startService(xeroExporter, env);
      await observer.start();
      const announced = await observer.waitChange('announced').finally(() => first.close());
      expect(announced.payload).toEqual({
        status: 'disconnected',
        change: 'announced',
        grant: 'authorization_code',
        xeroTenantId: tenant,
        tenantName: 'Demo Fashion Ltd',
        connectedAt: '2026-03-01T09:00:00.000Z',
        reason: 'Xero refused the refresh token (invalid_grant)',
      });
      expectNoSecret(announced, ['v1:sealed-a', 'v1:sealed-r']);
      // The start awaits the announcement: a second start finds it told and tells nothing more.
      expect(await told()).toBe(1);
      const second = await startService(xeroExporter, env);
      await second.close();
      expect(await told()).toBe(1);
    } finally {
      await observer.stop();
      await pool.end();
      await db.drop();
    }
  });
});
