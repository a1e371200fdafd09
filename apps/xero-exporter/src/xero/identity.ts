// Xero's identity service, called with fetch (xero-node's XeroClient hard-codes identity.xero.com):
// the token endpoint for every grant, and /connections to find the organisations a token reaches.
import { Inject, Injectable } from '@nestjs/common';
import { IdentityError } from './errors';

export interface TokenAnswer {
  accessToken: string;
  expiresInSeconds: number;
  refreshToken?: string;
}

export interface XeroTenantConnection {
  id: string;
  tenantId: string;
  tenantType: string;
  tenantName: string;
  /** The consent that connected it (the access token's `authentication_event_id`). */
  authEventId?: string;
}

/**
 * The consent an access token comes from (its `authentication_event_id` claim), read without checking the
 * signature: the token came straight from Xero's token endpoint, and it only narrows which organisations
 * this consent chose. Undefined when the token is not a JWT carrying it.
 */
export function authEventIdOf(accessToken: string): string | undefined {
  try {
    const claims = JSON.parse(Buffer.from(accessToken.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
    return typeof claims.authentication_event_id === 'string' ? claims.authentication_event_id : undefined;
  } catch {
    return undefined;
  }
}

export const IDENTITY_OPTIONS = Symbol('IdentityOptions');

export interface IdentityOptions {
  tokenUrl: string;
  connectionsUrl: string;
  revocationUrl: string;
  clientId: string;
  clientSecret: string;
  timeoutMs: number;
}

@Injectable()
export class XeroIdentity {
  constructor(@Inject(IDENTITY_OPTIONS) private readonly o: IdentityOptions) {}

  clientCredentials(scope?: string): Promise<TokenAnswer> {
    return this.token({ grant_type: 'client_credentials', ...(scope ? { scope } : {}) });
  }

  refresh(refreshToken: string): Promise<TokenAnswer> {
    return this.token({ grant_type: 'refresh_token', refresh_token: refreshToken });
  }

  /** The authorization code, with the PKCE verifier whose S256 challenge went to the authorize endpoint. */
  exchangeCode(code: string, redirectUri: string, codeVerifier: string): Promise<TokenAnswer> {
    return this.token({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: codeVerifier });
  }

  /**
   * Ends the consent a refresh token belongs to (RFC 7009, Xero's revocation endpoint): every token of it
   * stops working. Xero answers 200 for a token it no longer knows, so a second revocation is no error.
   */
  async revoke(refreshToken: string): Promise<void> {
    let res: Response;
    try {
      res = await fetch(this.o.revocationUrl, {
        method: 'POST',
        headers: { Authorization: this.clientAuthorization(), 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token: refreshToken }).toString(),
        signal: AbortSignal.timeout(this.o.timeoutMs),
      });
    } catch (err) {
      throw new IdentityError('unavailable', `the Xero revocation endpoint did not answer (${(err as Error).name})`);
    }
    if (res.ok) return;
    if (res.status >= 500 || res.status === 429) throw new IdentityError('unavailable', `the Xero revocation endpoint answered ${res.status}`);
    throw new IdentityError('invalid_client', `Xero refused to revoke the connection's token (HTTP ${res.status})`);
  }

  /**
   * DELETE /connections/{id}: the app no longer reaches that organisation through this consent. False when Xero
   * no longer lists it (disconnected from inside Xero already).
   */
  async disconnect(accessToken: string, xeroConnectionId: string): Promise<boolean> {
    let res: Response;
    try {
      res = await fetch(`${this.o.connectionsUrl.replace(/\/+$/, '')}/${encodeURIComponent(xeroConnectionId)}`, {
        method: 'DELETE',
        headers: { Authorization: `Bearer ${accessToken}` },
        signal: AbortSignal.timeout(this.o.timeoutMs),
      });
    } catch (err) {
      throw new IdentityError('unavailable', `Xero's /connections did not answer (${(err as Error).name})`);
    }
    if (res.status === 404) return false;
    if (res.status === 401 || res.status === 403) throw new IdentityError('unauthorized', `Xero's /connections refused the access token (HTTP ${res.status})`);
    if (!res.ok) throw new IdentityError('unavailable', `Xero's /connections answered ${res.status}`);
    return true;
  }

  private clientAuthorization(): string {
    return `Basic ${Buffer.from(`${encodeURIComponent(this.o.clientId)}:${encodeURIComponent(this.o.clientSecret)}`).toString('base64')}`;
  }

  private async token(form: Record<string, string>): Promise<TokenAnswer> {
    let res: Response;
    try {
      res = await fetch(this.o.tokenUrl, {
        method: 'POST',
        headers: {
          Authorization: this.clientAuthorization(),
          'Content-Type': 'application/x-www-form-urlencoded',
          Accept: 'application/json',
        },
        body: new URLSearchParams(form).toString(),
        signal: AbortSignal.timeout(this.o.timeoutMs),
      });
    } catch (err) {
      throw new IdentityError('unavailable', `the Xero token endpoint did not answer (${(err as Error).name})`);
    }
    const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    if (!res.ok) {
      const error = typeof body.error === 'string' ? body.error : `HTTP ${res.status}`;
      if (res.status >= 500 || res.status === 429) throw new IdentityError('unavailable', `the Xero token endpoint answered ${res.status}`);
      if (error === 'invalid_grant')
        throw new IdentityError('invalid_grant', 'Xero refused the refresh token or code (invalid_grant): the connection must be authorised again');
      if (error === 'invalid_client' || error === 'unauthorized_client')
        throw new IdentityError('invalid_client', `Xero refused the app's credentials (${error})`);
      throw new IdentityError('refused', `Xero refused the token request (${error})`);
    }
    if (typeof body.access_token !== 'string') throw new IdentityError('unavailable', 'the Xero token endpoint answered without an access token');
    return {
      accessToken: body.access_token,
      expiresInSeconds: typeof body.expires_in === 'number' ? body.expires_in : 1800,
      refreshToken: typeof body.refresh_token === 'string' ? body.refresh_token : undefined,
    };
  }

  async connections(accessToken: string): Promise<XeroTenantConnection[]> {
    let res: Response;
    try {
      res = await fetch(this.o.connectionsUrl, {
        headers: { Authorization: `Bearer ${accessToken}`, Accept: 'application/json' },
        signal: AbortSignal.timeout(this.o.timeoutMs),
      });
    } catch (err) {
      throw new IdentityError('unavailable', `Xero's /connections did not answer (${(err as Error).name})`);
    }
    if (res.status === 401) throw new IdentityError('unauthorized', "Xero's /connections refused the access token");
    if (!res.ok) throw new IdentityError('unavailable', `Xero's /connections answered ${res.status}`);
    const list = (await res.json()) as XeroTenantConnection[];
    return Array.isArray(list) ? list.filter((c) => (c.tenantType ?? 'ORGANISATION') === 'ORGANISATION') : [];
  }
}
