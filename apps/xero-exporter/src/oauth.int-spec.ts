// The authorization-code flow end to end (GET /connect -> Xero's consent -> GET /callback), tokens
// sealed at rest and refreshed, and a lost connection (invalid_grant, consent revoked): documents
// wait, the monitor is told, and a reconnection sends them.
import { waitFor } from '@lnbx/testing';
import { TokenCipher } from './domain/token-cipher';
import { aMappedInvoice } from './testing';
import { countByNumber, type ExporterRig, startExporterRig, TEST_TOKEN_KEY } from './testing/harness';
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

  const status = async () => (await fetch(`${rig.service.url}/connections/status`)).json() as Promise<{ connected: boolean; connections: { status: string; reason: string | null; waitingDocuments: number }[] }>;
  const stored = async () => (await rig.pool.query('select access_token, refresh_token from exporter.connections where connection_id = $1', ['acme'])).rows[0];

  /** What a user does: open /connect, consent at Xero (the sandbox consents by itself), land on /callback. */
  async function connectAsAUser(): Promise<string> {
    const start = await fetch(`${rig.service.url}/connect`, { redirect: 'manual' });
    expect(start.status).toBe(302);
    const authorize = new URL(start.headers.get('location')!);
    expect(`${authorize.origin}${authorize.pathname}`).toBe(rig.sandbox.identity.authorizeUrl);
    expect(authorize.searchParams.get('scope')).toMatch(/offline_access/);
    const consent = await fetch(authorize, { redirect: 'manual' });
    const callback = new URL(consent.headers.get('location')!);
    expect(callback.pathname).toBe('/callback');
    const landed = await fetch(callback);
    expect(landed.status).toBe(200);
    return landed.text();
  }

  it('is not connected before anyone authorises it; a document waits and the monitor is told why', async () => {
    expect((await status()).connected).toBe(false);
    const env = aMappedInvoice('OA-EARLY').envelope();
    await rig.publisher.publish([env]);
    const waiting = await rig.observer.waitFailed(env.payload.documentKey, 'XERO.CONNECTION_LOST');
    expect(waiting.payload.retriable).toBe(true);
    expect(waiting.payload.problems[0].message).toMatch(/no Xero organisation has been connected yet/);
  });

  it('connects through /connect and /callback, seals the tokens, then sends what waited', async () => {
    expect(await connectAsAUser()).toMatch(/Connected to <b>Demo Fashion Ltd<\/b>/);
    expect(await status()).toMatchObject({ connected: true, connections: [{ status: 'connected' }] });
    const row = await stored();
    expect(row.access_token).toMatch(/^v1:/);
    expect(row.refresh_token).toMatch(/^v1:/);
    expect(row.access_token).not.toMatch(/eyJ/);
    await rig.observer.waitExported('acme:invoice:OA-EARLY');
    await waitFor('reference data', () => rig.observer.reference.find((r) => r.payload.xeroTenantId === tenant));
  });

  it('refreshes an expired access token, storing the new (single-use) refresh token', async () => {
    const before = await stored();
    rig.sandbox.admin.expireAccessTokens();
    const env = aMappedInvoice('OA-REFRESH').envelope();
    await rig.publisher.publish([env]);
    await rig.observer.waitExported(env.payload.documentKey);
    const after = await stored();
    const cipher = TokenCipher.fromText(TEST_TOKEN_KEY);
    const open = (v: string) => cipher.decrypt(v, sealContext('acme', 'refresh_token'));
    expect(open(after.refresh_token)).not.toBe(open(before.refresh_token));
  });

  it('on invalid_grant marks the connection lost, keeps the documents waiting, and sends them after reconnecting', async () => {
    const refresh = TokenCipher.fromText(TEST_TOKEN_KEY).decrypt((await stored()).refresh_token, sealContext('acme', 'refresh_token'));
    // The user revokes the app's access in Xero: the grant ends, and its refresh token answers invalid_grant.
    await fetch(rig.sandbox.identity.revocationUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: `Basic ${Buffer.from(`${rig.sandbox.clients.authorizationCode.clientId}:${rig.sandbox.clients.authorizationCode.clientSecret}`).toString('base64')}` },
      body: new URLSearchParams({ token: refresh }).toString(),
    });
    const envs = ['OA-LOST-1', 'OA-LOST-2'].map((n) => aMappedInvoice(n).envelope());
    await rig.publisher.publish(envs);
    for (const e of envs) {
      const f = await rig.observer.waitFailed(e.payload.documentKey, 'XERO.CONNECTION_LOST');
      expect(f.payload.retriable).toBe(true);
    }
    const lost = await status();
    expect(lost.connected).toBe(false);
    expect(lost.connections[0].reason).toMatch(/invalid_grant|refuses the access token/);
    expect(lost.connections[0].waitingDocuments).toBe(2);
    expect(await (await fetch(`${rig.service.url}/metrics`)).text()).toMatch(new RegExp(`lnbx_xero_connection_up\\{tenant="${tenant}"[^}]*\\} 0`));

    await connectAsAUser();
    await Promise.all(envs.map((e) => rig.observer.waitExported(e.payload.documentKey)));
    expect((await status()).connections[0].waitingDocuments).toBe(0);
  });

  it('when the organisation revokes the app (403, gone from /connections) documents wait until it is connected again', async () => {
    rig.sandbox.admin.revokeConnection(tenant);
    const env = aMappedInvoice('OA-REVOKED').envelope();
    await rig.publisher.publish([env]);
    const f = await rig.observer.waitFailed(env.payload.documentKey, 'XERO.CONNECTION_LOST');
    expect(f.payload.problems[0].message).toMatch(/no longer connected/);
    rig.sandbox.admin.restoreConnection(tenant);
    await connectAsAUser();
    await rig.observer.waitExported(env.payload.documentKey);
    const counts = countByNumber(rig.sandbox.admin.invoices(tenant), 'InvoiceNumber');
    for (const n of ['OA-EARLY', 'OA-REFRESH', 'OA-LOST-1', 'OA-LOST-2', 'OA-REVOKED']) expect(counts.get(n)).toBe(1);
  });
});
