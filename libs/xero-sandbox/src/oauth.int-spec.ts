// Xero's identity endpoints over HTTP. xero-node's XeroClient hard-codes identity.xero.com, so the token
// calls go through fetch with exactly the form and Basic auth XeroClient sends; API calls use xero-node.
import { AccountingApi } from 'xero-node';
import { startXeroSandbox, type TokenSet, type XeroSandbox } from './sandbox';
import { expectXeroFailure } from './testing';

let sandbox: XeroSandbox;

beforeAll(async () => {
  sandbox = await startXeroSandbox({ limits: false, refreshGraceSeconds: 1800 });
});
afterAll(() => sandbox.close());

function apiWith(token: string): AccountingApi {
  const api = new AccountingApi();
  api.basePath = sandbox.accountingBasePath;
  api.accessToken = token;
  return api;
}

async function tokenCall(
  form: Record<string, string>,
  client = sandbox.clients.authorizationCode,
): Promise<{ status: number; body: TokenSet & { error?: string } }> {
  const res = await fetch(sandbox.identity.tokenUrl, {
    method: 'POST',
    headers: {
      Authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`,
      'Content-Type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams(form).toString(),
  });
  return { status: res.status, body: (await res.json()) as TokenSet & { error?: string } };
}

const refresh = (rt: string) => tokenCall({ grant_type: 'refresh_token', refresh_token: rt });

it('runs the authorization-code flow with auto-consent and lists the connections', async () => {
  const q = new URLSearchParams({
    response_type: 'code',
    client_id: sandbox.clients.authorizationCode.clientId,
    redirect_uri: 'http://127.0.0.1:9/cb',
    scope: 'offline_access accounting.invoices',
    state: 'xyz',
  });
  const consent = await fetch(`${sandbox.identity.authorizeUrl}?${q.toString()}`, { redirect: 'manual' });
  expect(consent.status).toBe(302);
  const back = new URL(consent.headers.get('location')!);
  expect(back.searchParams.get('state')).toBe('xyz');
  const tokens = await tokenCall({ grant_type: 'authorization_code', code: back.searchParams.get('code')!, redirect_uri: 'http://127.0.0.1:9/cb' });
  expect(tokens.status).toBe(200);
  expect(tokens.body).toMatchObject({ expires_in: 1800, token_type: 'Bearer', refresh_token: expect.any(String) });
  const conns = (await (await fetch(sandbox.identity.connectionsUrl, { headers: { Authorization: `Bearer ${tokens.body.access_token}` } })).json()) as Record<
    string,
    string
  >[];
  expect(conns.map((c) => [c.tenantId, c.tenantName, c.tenantType])).toEqual(sandbox.tenants.map((t) => [t.tenantId, t.name, 'ORGANISATION']));
  expect((await apiWith(tokens.body.access_token).getOrganisations(conns[0].tenantId)).body.organisations![0].name).toBe(conns[0].tenantName);
  const badClient = await fetch(`${sandbox.identity.authorizeUrl}?${new URLSearchParams({ ...Object.fromEntries(q), client_id: 'nobody' }).toString()}`, {
    redirect: 'manual',
  });
  expect(badClient.status).toBe(400);
});

it('makes refresh tokens single-use: reuse after the successor was used is invalid_grant and disconnects', async () => {
  const t0 = await sandbox.connect();
  const t1 = await refresh(t0.refresh_token!);
  expect(t1.status).toBe(200);
  expect(t1.body.refresh_token).not.toBe(t0.refresh_token);
  const t2 = await refresh(t1.body.refresh_token!);
  expect((await apiWith(t2.body.access_token).getOrganisations(sandbox.tenantIds[0])).response.status).toBe(200);
  expect(await refresh(t0.refresh_token!)).toEqual({ status: 400, body: { error: 'invalid_grant' } });
  const after = await expectXeroFailure(apiWith(t2.body.access_token).getOrganisations(sandbox.tenantIds[0]));
  expect(after.statusCode).toBe(401);
});

it('accepts the previous refresh token again while its successor was never used (the answer was lost)', async () => {
  const t0 = await sandbox.connect();
  const lost = await refresh(t0.refresh_token!);
  const retry = await refresh(t0.refresh_token!);
  expect(retry.status).toBe(200);
  expect((await refresh(lost.body.refresh_token!)).status).toBe(400);
});

it('answers 401 TokenExpired for an expired access token', async () => {
  const t = await sandbox.connect();
  sandbox.admin.expireAccessTokens();
  const failure = await expectXeroFailure(apiWith(t.access_token).getOrganisations(sandbox.tenantIds[0]));
  expect(failure.statusCode).toBe(401);
  expect(failure.body).toMatchObject({ Title: 'Unauthorized', Detail: 'TokenExpired' });
  const renewed = await refresh(t.refresh_token!);
  expect((await apiWith(renewed.body.access_token).getOrganisations(sandbox.tenantIds[0])).response.status).toBe(200);
});

it('grants a custom connection by client credentials, reaching only its organisation without a tenant header', async () => {
  const cc = sandbox.clients.clientCredentials;
  const t = await tokenCall({ grant_type: 'client_credentials', scopes: 'accounting.invoices,accounting.settings' }, cc);
  expect(t.status).toBe(200);
  expect(t.body.refresh_token).toBeUndefined();
  const api = apiWith(t.body.access_token);
  expect((await api.getOrganisations('')).body.organisations![0].organisationID).toBe(cc.tenantId);
  const other = sandbox.tenantIds.find((id) => id !== cc.tenantId)!;
  expect((await expectXeroFailure(api.getOrganisations(other))).statusCode).toBe(403);
});

it('revokes a refresh token through the revocation endpoint', async () => {
  const t = await sandbox.connect({ tenantIds: [sandbox.tenantIds[1]] });
  const c = sandbox.clients.authorizationCode;
  const res = await fetch(sandbox.identity.revocationUrl, {
    method: 'POST',
    headers: {
      Authorization: `Basic ${Buffer.from(`${c.clientId}:${c.clientSecret}`).toString('base64')}`,
      'Content-Type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ token: t.refresh_token! }).toString(),
  });
  expect(res.status).toBe(200);
  expect((await refresh(t.refresh_token!)).body.error).toBe('invalid_grant');
});

it("refuses a revocation without the app's credentials, or another app's, and the token keeps working", async () => {
  const t = await sandbox.connect({ tenantIds: [sandbox.tenantIds[1]] });
  const cc = sandbox.clients.clientCredentials;
  const revoke = (authorization?: string) =>
    fetch(sandbox.identity.revocationUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...(authorization ? { Authorization: authorization } : {}) },
      body: new URLSearchParams({ token: t.refresh_token! }).toString(),
    });
  const without = await revoke();
  expect([without.status, await without.json()]).toEqual([400, { error: 'invalid_client' }]);
  // Another app of the same developer is a client, but not this token's: answered 200 (RFC 7009), nothing revoked.
  expect((await revoke(`Basic ${Buffer.from(`${cc.clientId}:${cc.clientSecret}`).toString('base64')}`)).status).toBe(200);
  const still = await refresh(t.refresh_token!);
  expect(still.status).toBe(200);
  expect(still.body.access_token).toEqual(expect.any(String));
});

it("takes a deployment's own client secrets instead of the published ones (docker-compose sets them)", async () => {
  const own = await startXeroSandbox({
    limits: false,
    specPath: null,
    clientSecrets: { clientCredentials: 'deployment-cc-secret', authorizationCode: 'deployment-ac-secret' },
  });
  try {
    expect((await own.clientCredentialsToken()).token_type).toBe('Bearer');
    expect((await own.connect()).token_type).toBe('Bearer');
    const published = await fetch(own.identity.tokenUrl, {
      method: 'POST',
      headers: {
        Authorization: `Basic ${Buffer.from('SANDBOX-CUSTOM-CONNECTION:sandbox-custom-secret').toString('base64')}`,
        'Content-Type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ grant_type: 'client_credentials' }).toString(),
    });
    expect([published.status, await published.json()]).toEqual([400, { error: 'invalid_client' }]);
  } finally {
    await own.close();
  }
});
