// Access tokens per connection: sealed in Postgres, refreshed single-flight (in this process by a
// shared promise, across processes by a row lock on the connection), the new refresh token committed
// before the new access token is used.
import { JsonLogger, PG_POOL, SecretCipher } from '@lnbx/platform';
import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { CODES, lossCode } from '../domain/xero-errors';
import { type ConnectionRow, ExporterStore, type Transact, TRANSACT } from '../store/exporter-store';
import { ConnectionLostError, IdentityError, XeroCallError } from './errors';
import { type TokenAnswer, XeroIdentity } from './identity';

/** Refresh this long before expiry, so no call starts with a token about to lapse. */
const MARGIN_MS = 120_000;

const notConnected = (status: 'connected' | 'choosing'): string =>
  status === 'connected' ? 'not connected to Xero yet' : 'no choice of organisation waits: connect again';

export const sealContext = (connectionId: string, field: 'access_token' | 'refresh_token'): string => `connection:${connectionId}:${field}`;

@Injectable()
export class TokenService {
  private readonly cache = new Map<string, { token: string; expiresAt: number }>();
  private readonly inflight = new Map<string, Promise<string>>();
  private readonly now: () => number = Date.now;
  private readonly logger: JsonLogger;

  constructor(
    private readonly store: ExporterStore,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(TRANSACT) private readonly transact: Transact,
    private readonly cipher: SecretCipher,
    private readonly identity: XeroIdentity,
    logger: JsonLogger,
  ) {
    this.logger = logger.child({ component: 'exporter' });
  }

  seal(answer: TokenAnswer, connectionId: string): { accessToken: string; accessExpiresAt: Date; refreshToken: string | null } {
    return {
      accessToken: this.cipher.encrypt(answer.accessToken, sealContext(connectionId, 'access_token')),
      accessExpiresAt: new Date(this.now() + answer.expiresInSeconds * 1000),
      refreshToken: answer.refreshToken ? this.cipher.encrypt(answer.refreshToken, sealContext(connectionId, 'refresh_token')) : null,
    };
  }

  /** The stored refresh token in clear (to revoke it), or null when none is stored. */
  refreshTokenOf(row: ConnectionRow): string | null {
    return row.refreshToken ? this.cipher.decrypt(row.refreshToken, sealContext(row.connectionId, 'refresh_token')) : null;
  }

  /** Keeps a token just stored (on connect) so the first calls need no database read. */
  prime(connectionId: string, token: string, expiresAt: Date): void {
    this.cache.set(connectionId, { token, expiresAt: expiresAt.getTime() });
  }

  forget(connectionId: string): void {
    this.cache.delete(connectionId);
  }

  async accessToken(connectionId: string): Promise<string> {
    const hit = this.cache.get(connectionId);
    if (hit && hit.expiresAt - MARGIN_MS > this.now()) return hit.token;
    return this.refreshOnce(connectionId);
  }

  /**
   * The token of a consent that waits for its organisation to be picked (to list, pick, or let go of its
   * organisations): read from the row each time, never from the cache the senders use, and refreshed under the
   * same row lock.
   */
  accessTokenWhileChoosing(connectionId: string): Promise<string> {
    return this.refresh(connectionId, undefined, 'choosing').then((token) => {
      this.cache.delete(connectionId);
      return token;
    });
  }

  /** After a 401 with `stale`: a new token, unless another caller already replaced it. */
  forceRefresh(connectionId: string, stale: string): Promise<string> {
    if (this.cache.get(connectionId)?.token === stale) this.cache.delete(connectionId);
    return this.refreshOnce(connectionId, stale);
  }

  private refreshOnce(connectionId: string, stale?: string): Promise<string> {
    const running = this.inflight.get(connectionId);
    if (running) return running;
    const p = this.refresh(connectionId, stale).finally(() => this.inflight.delete(connectionId));
    this.inflight.set(connectionId, p);
    return p;
  }

  private usable(row: ConnectionRow, stale?: string): string | undefined {
    if (!row.accessToken || !row.accessExpiresAt || row.accessExpiresAt.getTime() - MARGIN_MS <= this.now()) return undefined;
    const token = this.cipher.decrypt(row.accessToken, sealContext(row.connectionId, 'access_token'));
    return token === stale ? undefined : token;
  }

  private async refresh(connectionId: string, stale?: string, status: 'connected' | 'choosing' = 'connected'): Promise<string> {
    const seen = await this.store.connection(this.pool, connectionId);
    if (!seen || seen.status !== status) throw new ConnectionLostError(connectionId, seen?.reason ?? notConnected(status));
    // A choosing consent's token never enters the senders' cache, not even for a moment.
    const keep = (token: string, expiresAt: Date) => (status === 'connected' ? this.keep(connectionId, token, expiresAt) : token);
    const stored = this.usable(seen, stale);
    if (stored) return keep(stored, seen.accessExpiresAt!);
    const fresh = await this.transact(async (tx) => {
      // The row lock makes the refresh single-flight across instances: a second refresher waits here,
      // then finds the new token instead of spending the (single-use) refresh token again.
      const row = await this.store.connection(tx, connectionId, true);
      if (!row || row.status !== status) throw new ConnectionLostError(connectionId, row?.reason ?? notConnected(status));
      const theirs = this.usable(row, stale);
      if (theirs) return { token: theirs, expiresAt: row.accessExpiresAt! };
      let answer: TokenAnswer;
      try {
        if (row.grantType === 'client_credentials') answer = await this.identity.clientCredentials();
        else {
          if (!row.refreshToken) throw new ConnectionLostError(connectionId, 'no refresh token is stored: connect again', CODES.invalidGrant);
          answer = await this.identity.refresh(this.cipher.decrypt(row.refreshToken, sealContext(connectionId, 'refresh_token')));
        }
      } catch (err) {
        if (err instanceof IdentityError) {
          if (err.kind === 'unavailable') throw new XeroCallError('outcome_unknown', 0, err.message);
          throw new ConnectionLostError(connectionId, err.message, lossCode(err.kind));
        }
        throw err;
      }
      const sealed = this.seal(answer, connectionId);
      await this.store.saveTokens(tx, connectionId, sealed.accessToken, sealed.accessExpiresAt, sealed.refreshToken);
      this.logger.info('xero token refreshed', { connectionId, grant: row.grantType });
      return { token: answer.accessToken, expiresAt: sealed.accessExpiresAt };
    });
    // Only now, committed: the new refresh token is safe before the new access token is used.
    return keep(fresh.token, fresh.expiresAt);
  }

  private keep(connectionId: string, token: string, expiresAt: Date): string {
    this.cache.set(connectionId, { token, expiresAt: expiresAt.getTime() });
    return token;
  }
}
