import { createHash } from 'node:crypto';
import { IdentityService, type OAuthClient } from './oauth';

const clients: OAuthClient[] = [
  { clientId: 'web', clientSecret: 's1', grant: 'authorization_code' },
  { clientId: 'custom', clientSecret: 's2', grant: 'client_credentials', tenantIds: ['t1'] },
];

function setup(graceSeconds = 60) {
  let now = 1_000_000;
  const idp = new IdentityService(
    { clients, now: () => now, accessTokenSeconds: 1800, refreshTokenSeconds: 86_400, refreshGraceSeconds: graceSeconds, issuer: () => 'http://127.0.0.1:1' },
    (id) => ({ t1: 'Org One', t2: 'Org Two' })[id],
    () => ['t1', 't2'],
  );
  const login = () => {
    const a = idp.authorize({ clientId: 'web', redirectUri: 'http://127.0.0.1/cb', responseType: 'code', scope: 'offline_access accounting.invoices' });
    if (!a.ok) throw new Error(a.error);
    const t = idp.token({ grant_type: 'authorization_code', code: a.code, redirect_uri: 'http://127.0.0.1/cb' }, { id: 'web', secret: 's1' });
    if (t.status !== 200) throw new Error(t.body.error);
    return t.body;
  };
  const refresh = (rt: string) => idp.token({ grant_type: 'refresh_token', refresh_token: rt, client_id: 'web', client_secret: 's1' });
  return { idp, login, refresh, advance: (ms: number) => (now += ms) };
}

describe('IdentityService', () => {
  it('issues 30-minute access tokens and a refresh token for offline_access; a code works once', () => {
    const { idp } = setup();
    const a = idp.authorize({ clientId: 'web', redirectUri: 'http://127.0.0.1/cb', responseType: 'code', scope: 'offline_access' });
    if (!a.ok) throw new Error('no code');
    const first = idp.token({ grant_type: 'authorization_code', code: a.code, redirect_uri: 'http://127.0.0.1/cb' }, { id: 'web', secret: 's1' });
    expect(first.status).toBe(200);
    if (first.status === 200) {
      expect(first.body.expires_in).toBe(1800);
      expect(first.body.refresh_token).toBeDefined();
      expect(first.body.access_token.split('.')).toHaveLength(3);
    }
    expect(idp.token({ grant_type: 'authorization_code', code: a.code, redirect_uri: 'http://127.0.0.1/cb' }, { id: 'web', secret: 's1' })).toEqual({
      status: 400,
      body: { error: 'invalid_grant' },
    });
    expect(idp.token({ grant_type: 'authorization_code', code: 'x' }, { id: 'web', secret: 'wrong' }).body).toEqual({ error: 'invalid_client' });
  });

  it('expires access tokens after 30 minutes', () => {
    const { idp, login, advance } = setup();
    const t = login();
    expect(idp.authenticate(`Bearer ${t.access_token}`)).toMatchObject({ ok: true, tenantIds: ['t1', 't2'] });
    advance(1800 * 1000);
    expect(idp.authenticate(`Bearer ${t.access_token}`)).toEqual({ ok: false, detail: 'TokenExpired' });
    expect(idp.authenticate('Bearer nonsense')).toEqual({ ok: false, detail: 'AuthenticationUnsuccessful' });
  });

  it('makes refresh tokens single-use: a token used after its successor was used is invalid_grant and ends the grant', () => {
    const { idp, login, refresh } = setup();
    const t0 = login();
    const r1 = refresh(t0.refresh_token!);
    expect(r1.status).toBe(200);
    const t1 = r1.body as { refresh_token: string; access_token: string };
    expect(refresh(t1.refresh_token).status).toBe(200);
    expect(refresh(t0.refresh_token!)).toEqual({ status: 400, body: { error: 'invalid_grant' } });
    expect(idp.authenticate(`Bearer ${t1.access_token}`).ok).toBe(false);
  });

  it('keeps the previous refresh token for the grace period while its successor was never used (a lost answer)', () => {
    const { login, refresh, advance } = setup(60);
    const t0 = login();
    const lost = refresh(t0.refresh_token!).body as { refresh_token: string };
    advance(30_000);
    const retry = refresh(t0.refresh_token!);
    expect(retry.status).toBe(200);
    // The lost successor is void: only the newest token continues the chain.
    expect(refresh(lost.refresh_token).status).toBe(400);
  });

  it('refuses the previous refresh token once the grace period is over', () => {
    const { login, refresh, advance } = setup(60);
    const t0 = login();
    refresh(t0.refresh_token!);
    advance(61_000);
    expect(refresh(t0.refresh_token!).status).toBe(400);
  });

  it('grants custom connections by client credentials, accepting xero-node\'s "scopes" field', () => {
    const { idp } = setup();
    const t = idp.token({ grant_type: 'client_credentials', scopes: 'accounting.invoices,accounting.contacts' }, { id: 'custom', secret: 's2' });
    expect(t.status).toBe(200);
    if (t.status !== 200) return;
    expect(t.body.refresh_token).toBeUndefined();
    expect(t.body.scope).toBe('accounting.invoices accounting.contacts');
    expect(idp.authenticate(`Bearer ${t.body.access_token}`)).toMatchObject({ ok: true, tenantIds: ['t1'], customConnection: true });
    expect(idp.token({ grant_type: 'client_credentials' }, { id: 'web', secret: 's1' }).body).toEqual({ error: 'unauthorized_client' });
  });

  it('lists connections and hides a revoked tenant', () => {
    const { idp, login } = setup();
    const t = login();
    const list = idp.connections(`Bearer ${t.access_token}`);
    expect(Array.isArray(list) && list.map((c) => [c.tenantId, c.tenantName, c.tenantType])).toEqual([
      ['t1', 'Org One', 'ORGANISATION'],
      ['t2', 'Org Two', 'ORGANISATION'],
    ]);
    idp.revokedTenants.add('t2');
    expect(idp.authenticate(`Bearer ${t.access_token}`)).toMatchObject({ tenantIds: ['t1'] });
  });

  describe('PKCE (RFC 7636, S256 only, as Xero takes it)', () => {
    const verifier = 'v'.repeat(20) + '-._~0123456789ABCDEFGHIJKLMNOP';
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const web = { id: 'web', secret: 's1' };
    const authorize = (extra: { codeChallenge?: string; codeChallengeMethod?: string }) =>
      setup().idp.authorize({ clientId: 'web', redirectUri: 'http://127.0.0.1/cb', responseType: 'code', scope: 'offline_access', ...extra });
    const exchange = (extra: { codeChallenge?: string; codeChallengeMethod?: string }, codeVerifier?: string) => {
      const { idp } = setup();
      const a = idp.authorize({ clientId: 'web', redirectUri: 'http://127.0.0.1/cb', responseType: 'code', scope: 'offline_access', ...extra });
      if (!a.ok) throw new Error(a.error);
      const form: Record<string, string> = { grant_type: 'authorization_code', code: a.code, redirect_uri: 'http://127.0.0.1/cb' };
      if (codeVerifier !== undefined) form.code_verifier = codeVerifier;
      return idp.token(form, web);
    };
    const s256 = { codeChallenge: challenge, codeChallengeMethod: 'S256' };

    it('issues tokens for a code whose token request carries the verifier of its S256 challenge', () => {
      expect(verifier).toHaveLength(50);
      expect(exchange(s256, verifier).status).toBe(200);
    });

    it('answers invalid_grant when the verifier is missing, wrong or malformed, and the code is spent', () => {
      const invalid = { status: 400, body: { error: 'invalid_grant' } };
      expect(exchange(s256)).toEqual(invalid);
      expect(exchange(s256, `${verifier.slice(0, -1)}Q`)).toEqual(invalid);
      expect(exchange(s256, 'short')).toEqual(invalid);
      const { idp } = setup();
      const a = idp.authorize({ clientId: 'web', redirectUri: 'http://127.0.0.1/cb', responseType: 'code', ...s256 });
      if (!a.ok) throw new Error(a.error);
      const form = { grant_type: 'authorization_code', code: a.code, redirect_uri: 'http://127.0.0.1/cb' };
      expect(idp.token(form, web)).toEqual(invalid);
      expect(idp.token({ ...form, code_verifier: verifier }, web)).toEqual(invalid);
    });

    it('answers invalid_grant to a verifier for a code that had no challenge', () => {
      expect(exchange({}, verifier)).toEqual({ status: 400, body: { error: 'invalid_grant' } });
      expect(exchange({}).status).toBe(200);
    });

    it('refuses at the consent a challenge without S256 (plain, or no method) or of the wrong shape, and a method alone', () => {
      for (const extra of [
        { codeChallenge: challenge },
        { codeChallenge: challenge, codeChallengeMethod: 'plain' },
        { codeChallenge: 'abc', codeChallengeMethod: 'S256' },
        { codeChallengeMethod: 'S256' },
      ]) {
        expect(authorize(extra)).toEqual({ ok: false, error: 'invalid_request' });
      }
    });
  });
});
