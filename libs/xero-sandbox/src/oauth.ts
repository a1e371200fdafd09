// Xero's identity service: authorization-code and client-credentials grants, single-use refresh tokens,
// connections (tenant grants). Pure state over an injected clock; HTTP lives in server.ts.
import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';

export interface OAuthClient {
  clientId: string;
  clientSecret: string;
  grant: 'authorization_code' | 'client_credentials';
  /** Tenants a client-credentials (custom connection) client reaches; exactly one in Xero. */
  tenantIds?: string[];
  appName?: string;
}

export interface IdentityOptions {
  clients: OAuthClient[];
  now: () => number;
  accessTokenSeconds: number;
  refreshTokenSeconds: number;
  /** How long a used refresh token stays usable while its successor has never been used. */
  refreshGraceSeconds: number;
  issuer: () => string;
}

export interface Connection {
  id: string;
  authEventId: string;
  tenantId: string;
  tenantType: 'ORGANISATION';
  tenantName: string;
  createdDateUtc: string;
  updatedDateUtc: string;
}

interface Grant {
  grantId: string;
  clientId: string;
  scope: string;
  authEventId: string;
  connections: { id: string; tenantId: string; created: number }[];
  revoked: boolean;
  userId: string;
}

interface AccessTokenRec {
  grantId: string;
  expiresAt: number;
}

interface RefreshTokenRec {
  grantId: string;
  issuedAt: number;
  expiresAt: number;
  usedAt?: number;
  successor?: string;
  /** Set when a grace-period reuse replaced this token's successor: it can never be used again. */
  superseded?: boolean;
}

interface CodeRec {
  clientId: string;
  redirectUri: string;
  scope: string;
  tenantIds: string[];
  expiresAt: number;
  /** PKCE (RFC 7636): the S256 challenge the authorize request carried; its token request must carry the verifier. */
  codeChallenge?: string;
}

export interface IdentitySnapshot {
  grants: Grant[];
  accessTokens: [string, AccessTokenRec][];
  refreshTokens: [string, RefreshTokenRec][];
}

export type TokenResponse =
  | { status: 200; body: { access_token: string; expires_in: number; token_type: 'Bearer'; scope: string; refresh_token?: string } }
  | { status: 400 | 401; body: { error: string; error_description?: string } };

export type Authentication =
  | { ok: true; grantId: string; clientId: string; tenantIds: string[]; customConnection: boolean }
  | { ok: false; detail: 'TokenExpired' | 'AuthenticationUnsuccessful' };

const b64url = (s: string | Buffer): string => Buffer.from(s).toString('base64url');

/** RFC 7636 4.1: a verifier is 43 to 128 unreserved characters; its S256 challenge is therefore 43 base64url ones. */
const PKCE_VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;
const PKCE_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

/**
 * Whether a code's token request proves its PKCE: with a challenge, the verifier must be there and hash to it;
 * without one, a verifier is unexpected. Xero (IdentityServer) answers invalid_grant to each failure.
 */
export function pkceHolds(challenge: string | undefined, verifier: string | undefined): boolean {
  if (challenge === undefined) return verifier === undefined;
  return verifier !== undefined && PKCE_VERIFIER.test(verifier) && b64url(createHash('sha256').update(verifier).digest()) === challenge;
}

export class IdentityService {
  private readonly grants = new Map<string, Grant>();
  private readonly accessTokens = new Map<string, AccessTokenRec>();
  private readonly refreshTokens = new Map<string, RefreshTokenRec>();
  private readonly codes = new Map<string, CodeRec>();
  private readonly signingKey = randomBytes(32);
  /** Tenants whose connection was revoked (admin fault): hidden from /connections, 403 on calls. */
  readonly revokedTenants = new Set<string>();

  constructor(
    private readonly options: IdentityOptions,
    private readonly tenantName: (tenantId: string) => string | undefined,
    private readonly allTenantIds: () => string[],
  ) {}

  client(clientId: string): OAuthClient | undefined {
    return this.options.clients.find((c) => c.clientId === clientId);
  }

  /**
   * The auto-consent step: the user "approves" and picks the tenants (all of them unless told). PKCE as Xero
   * takes it: only S256 (a challenge without it, `plain` included, is invalid_request), a challenge of the
   * length S256 gives; the code then remembers the challenge.
   */
  authorize(q: {
    clientId?: string;
    redirectUri?: string;
    responseType?: string;
    scope?: string;
    tenantIds?: string[];
    codeChallenge?: string;
    codeChallengeMethod?: string;
  }): { ok: true; code: string } | { ok: false; error: string } {
    const client = q.clientId ? this.client(q.clientId) : undefined;
    if (!client || client.grant !== 'authorization_code') return { ok: false, error: 'unauthorized_client' };
    if (q.responseType !== 'code') return { ok: false, error: 'unsupported_response_type' };
    if (!q.redirectUri) return { ok: false, error: 'invalid_request' };
    if (q.codeChallengeMethod !== undefined && q.codeChallenge === undefined) return { ok: false, error: 'invalid_request' };
    if (q.codeChallenge !== undefined && (q.codeChallengeMethod !== 'S256' || !PKCE_CHALLENGE.test(q.codeChallenge)))
      return { ok: false, error: 'invalid_request' };
    const known = new Set(this.allTenantIds());
    const tenantIds = (q.tenantIds?.length ? q.tenantIds : [...known]).filter((t) => known.has(t));
    if (tenantIds.length === 0) return { ok: false, error: 'access_denied' };
    const code = randomBytes(24).toString('base64url');
    this.codes.set(code, {
      clientId: client.clientId,
      redirectUri: q.redirectUri,
      scope: q.scope ?? '',
      tenantIds,
      expiresAt: this.options.now() + 5 * 60_000,
      codeChallenge: q.codeChallenge,
    });
    return { ok: true, code };
  }

  token(form: Record<string, string>, basic?: { id: string; secret: string }): TokenResponse {
    const id = basic?.id ?? form.client_id;
    const secret = basic?.secret ?? form.client_secret;
    const client = id ? this.client(id) : undefined;
    if (!client || client.clientSecret !== secret) return { status: 400, body: { error: 'invalid_client' } };
    const now = this.options.now();
    switch (form.grant_type) {
      case 'authorization_code': {
        if (client.grant !== 'authorization_code') return { status: 400, body: { error: 'unauthorized_client' } };
        const code = this.codes.get(form.code ?? '');
        this.codes.delete(form.code ?? '');
        if (
          !code ||
          code.expiresAt < now ||
          code.clientId !== client.clientId ||
          code.redirectUri !== form.redirect_uri ||
          !pkceHolds(code.codeChallenge, form.code_verifier)
        ) {
          return { status: 400, body: { error: 'invalid_grant' } };
        }
        const grant = this.newGrant(client.clientId, code.scope, code.tenantIds);
        return this.issue(grant, /offline_access/.test(code.scope));
      }
      case 'refresh_token':
        return this.refresh(client, form.refresh_token ?? '', now);
      case 'client_credentials': {
        if (client.grant !== 'client_credentials') return { status: 400, body: { error: 'unauthorized_client' } };
        // xero-node sends `scopes`, the OAuth spec says `scope`: accept both.
        const scope = form.scope ?? form.scopes?.split(',').join(' ') ?? '';
        let grant = [...this.grants.values()].find((g) => g.clientId === client.clientId && !g.revoked);
        if (!grant) grant = this.newGrant(client.clientId, scope, client.tenantIds ?? []);
        return this.issue(grant, false);
      }
      default:
        return { status: 400, body: { error: 'unsupported_grant_type' } };
    }
  }

  private refresh(client: OAuthClient, token: string, now: number): TokenResponse {
    const rec = this.refreshTokens.get(token);
    const invalid: TokenResponse = { status: 400, body: { error: 'invalid_grant' } };
    if (!rec) return invalid;
    const grant = this.grants.get(rec.grantId);
    if (!grant || grant.revoked || grant.clientId !== client.clientId || rec.expiresAt < now) return invalid;
    if (rec.usedAt === undefined) {
      rec.usedAt = now;
      const answer = this.issue(grant, true);
      if (answer.status === 200) rec.successor = answer.body.refresh_token;
      return answer;
    }
    const successor = rec.successor ? this.refreshTokens.get(rec.successor) : undefined;
    const withinGrace = now - rec.usedAt <= this.options.refreshGraceSeconds * 1000;
    if (!rec.superseded && withinGrace && successor && successor.usedAt === undefined) {
      // The refresh answer was lost: the old token works once more, and the lost successor is void.
      successor.superseded = true;
      successor.usedAt = now;
      const answer = this.issue(grant, true);
      if (answer.status === 200) rec.successor = answer.body.refresh_token;
      return answer;
    }
    // Reuse of a spent token: treat it as a stolen or raced token and end the whole grant, as Xero does
    // when two processes refresh at once.
    this.revokeGrant(grant.grantId);
    return invalid;
  }

  private newGrant(clientId: string, scope: string, tenantIds: string[]): Grant {
    const now = this.options.now();
    const grant: Grant = {
      grantId: randomUUID(),
      clientId,
      scope,
      authEventId: randomUUID(),
      connections: tenantIds.map((tenantId) => ({ id: randomUUID(), tenantId, created: now })),
      revoked: false,
      userId: randomUUID(),
    };
    this.grants.set(grant.grantId, grant);
    return grant;
  }

  private issue(grant: Grant, withRefresh: boolean): TokenResponse {
    const now = this.options.now();
    const expiresIn = this.options.accessTokenSeconds;
    const accessToken = this.jwt({
      nbf: Math.floor(now / 1000),
      exp: Math.floor(now / 1000) + expiresIn,
      iss: this.options.issuer(),
      aud: `${this.options.issuer()}/resources`,
      client_id: grant.clientId,
      sub: grant.userId,
      auth_time: Math.floor(now / 1000),
      xero_userid: grant.userId,
      global_session_id: grant.grantId,
      authentication_event_id: grant.authEventId,
      jti: randomBytes(16).toString('hex'),
      scope: grant.scope.split(' ').filter(Boolean),
    });
    this.accessTokens.set(accessToken, { grantId: grant.grantId, expiresAt: now + expiresIn * 1000 });
    const body: { access_token: string; expires_in: number; token_type: 'Bearer'; scope: string; refresh_token?: string } = {
      access_token: accessToken,
      expires_in: expiresIn,
      token_type: 'Bearer',
      scope: grant.scope,
    };
    if (withRefresh) {
      const refreshToken = randomBytes(32).toString('hex');
      this.refreshTokens.set(refreshToken, {
        grantId: grant.grantId,
        issuedAt: now,
        expiresAt: now + this.options.refreshTokenSeconds * 1000,
      });
      body.refresh_token = refreshToken;
    }
    return { status: 200, body };
  }

  /** Access tokens look like Xero's (a signed JWT) so clients that decode them find the usual claims. */
  private jwt(claims: Record<string, unknown>): string {
    const head = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
    const payload = b64url(JSON.stringify(claims));
    const sig = createHmac('sha256', this.signingKey).update(`${head}.${payload}`).digest('base64url');
    return `${head}.${payload}.${sig}`;
  }

  authenticate(authorization: string | undefined): Authentication {
    const m = /^Bearer\s+(.+)$/i.exec(authorization ?? '');
    const rec = m ? this.accessTokens.get(m[1].trim()) : undefined;
    const grant = rec ? this.grants.get(rec.grantId) : undefined;
    if (!rec || !grant || grant.revoked) return { ok: false, detail: 'AuthenticationUnsuccessful' };
    if (rec.expiresAt <= this.options.now()) return { ok: false, detail: 'TokenExpired' };
    const client = this.client(grant.clientId);
    return {
      ok: true,
      grantId: grant.grantId,
      clientId: grant.clientId,
      tenantIds: grant.connections.map((c) => c.tenantId).filter((t) => !this.revokedTenants.has(t)),
      customConnection: client?.grant === 'client_credentials',
    };
  }

  connections(authorization: string | undefined, authEventId?: string): Connection[] | Authentication {
    const auth = this.authenticate(authorization);
    if (!auth.ok) return auth;
    const grant = this.grants.get(auth.grantId)!;
    if (authEventId && authEventId !== grant.authEventId) return [];
    return grant.connections
      .filter((c) => !this.revokedTenants.has(c.tenantId))
      .map((c) => ({
        id: c.id,
        authEventId: grant.authEventId,
        tenantId: c.tenantId,
        tenantType: 'ORGANISATION' as const,
        tenantName: this.tenantName(c.tenantId) ?? c.tenantId,
        createdDateUtc: new Date(c.created).toISOString(),
        updatedDateUtc: new Date(c.created).toISOString(),
      }));
  }

  /** DELETE /connections/{id}: the app disconnects one tenant from its grant. */
  disconnect(authorization: string | undefined, connectionId: string): 'ok' | 'notfound' | 'unauthorized' {
    const auth = this.authenticate(authorization);
    if (!auth.ok) return 'unauthorized';
    const grant = this.grants.get(auth.grantId)!;
    const before = grant.connections.length;
    grant.connections = grant.connections.filter((c) => c.id !== connectionId);
    return grant.connections.length < before ? 'ok' : 'notfound';
  }

  /**
   * POST /identity/connect/revocation (RFC 7009): revoking a refresh token ends its grant. The client
   * authenticates as at the token endpoint; a token that is unknown, spent or another client's is answered
   * 200 as well (the RFC: nothing to tell), and stays as it was.
   */
  revokeToken(
    token: string,
    form: Record<string, string>,
    basic?: { id: string; secret: string },
  ): { status: 200 } | { status: 400; body: { error: 'invalid_client' } } {
    const id = basic?.id ?? form.client_id;
    const secret = basic?.secret ?? form.client_secret;
    const client = id ? this.client(id) : undefined;
    if (!client || client.clientSecret !== secret) return { status: 400, body: { error: 'invalid_client' } };
    const rec = this.refreshTokens.get(token) ?? this.accessTokens.get(token);
    if (rec && this.grants.get(rec.grantId)?.clientId === client.clientId) this.revokeGrant(rec.grantId);
    return { status: 200 };
  }

  revokeGrant(grantId: string): void {
    const g = this.grants.get(grantId);
    if (g) g.revoked = true;
  }

  /** Makes every access token expired now, so a test can watch a client refresh. */
  expireAccessTokens(): void {
    const now = this.options.now();
    for (const rec of this.accessTokens.values()) rec.expiresAt = Math.min(rec.expiresAt, now);
  }

  snapshot(): IdentitySnapshot {
    return {
      grants: [...this.grants.values()],
      accessTokens: [...this.accessTokens.entries()],
      refreshTokens: [...this.refreshTokens.entries()],
    };
  }

  restore(s: IdentitySnapshot): void {
    for (const g of s.grants) this.grants.set(g.grantId, g);
    for (const [k, v] of s.accessTokens) this.accessTokens.set(k, v);
    for (const [k, v] of s.refreshTokens) this.refreshTokens.set(k, v);
  }
}
