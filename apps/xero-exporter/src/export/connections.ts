// Xero connections: the authorization-code flow (GET /connect, GET /callback), custom connections
// (client credentials), the organisation picked from /connections, and what happens when a connection
// is lost (its documents wait, the monitor is told) or comes back (they resume).
import type { Outbox } from '@lnbx/messaging';
import type { JsonLogger } from '@lnbx/platform';
import { randomBytes } from 'node:crypto';
import type { Pool } from 'pg';
import { CODES } from '../domain/xero-errors';
import { documentStream, failedEvent, problem } from '../events';
import type { ExporterMetrics } from '../metrics';
import type { ConnectionRow, ExporterStore, GrantType, Transact } from '../store/exporter-store';
import { IdentityError } from '../xero/errors';
import type { TokenAnswer, XeroIdentity, XeroTenantConnection } from '../xero/identity';
import type { TokenService } from '../xero/tokens';

export interface ConnectionOptions {
  grant: GrantType;
  clientId: string;
  scopes: string;
  authorizeUrl: string;
  /** Pick this organisation when the grant reaches several; else the first listed. */
  tenantId?: string;
  concurrent: number;
}

export interface ConnectionStatus {
  connectionId: string;
  status: 'connected' | 'disconnected';
  connected: boolean;
  grant: GrantType;
  xeroTenantId: string | null;
  tenantName: string | null;
  reason: string | null;
  connectedAt: string | null;
  pausedUntil: string | null;
  pauseReason: string | null;
  waitingDocuments: number;
}

export class ConnectionError extends Error {}

export function pickTenant(list: XeroTenantConnection[], wanted?: string): XeroTenantConnection | undefined {
  if (!wanted) return list[0];
  return list.find((c) => c.tenantId.toLowerCase() === wanted.toLowerCase());
}

export class ConnectionService {
  /** Called after a (re)connection: the engine publishes reference data and resumes sending. */
  onConnected: (connectionId: string) => void = () => undefined;

  constructor(
    private readonly store: ExporterStore,
    private readonly pool: Pool,
    private readonly transact: Transact,
    private readonly outbox: Outbox,
    private readonly identity: XeroIdentity,
    private readonly tokens: TokenService,
    private readonly metrics: ExporterMetrics,
    private readonly o: ConnectionOptions,
    private readonly logger: JsonLogger,
  ) {}

  /** Where GET /connect sends the browser; the state ties the callback to this request. */
  async authorizeUrl(connectionId: string, redirectUri: string): Promise<string> {
    const state = randomBytes(24).toString('base64url');
    await this.store.saveOAuthState(this.pool, state, connectionId, redirectUri);
    const url = new URL(this.o.authorizeUrl);
    url.search = new URLSearchParams({ response_type: 'code', client_id: this.o.clientId, redirect_uri: redirectUri, scope: this.o.scopes, state }).toString();
    return url.toString();
  }

  /** GET /callback: the code exchanged, the organisation picked, the tokens sealed and stored. */
  async complete(code: string, state: string): Promise<ConnectionStatus> {
    const saved = await this.store.takeOAuthState(this.pool, state);
    if (!saved) throw new ConnectionError('this authorisation link is unknown or expired: start again at /connect');
    let answer: TokenAnswer;
    try {
      answer = await this.identity.exchangeCode(code, saved.redirectUri);
    } catch (err) {
      throw new ConnectionError(`Xero did not accept the authorisation: ${(err as Error).message}`);
    }
    if (!answer.refreshToken) this.logger.warn('Xero gave no refresh token (is offline_access in XERO_SCOPES?): the connection lasts 30 minutes');
    await this.connect(saved.connectionId, 'authorization_code', answer);
    return (await this.status()).find((s) => s.connectionId === saved.connectionId)!;
  }

  /** A custom connection connects itself (at boot, and again after a loss). */
  async ensureClientCredentials(connectionId: string): Promise<void> {
    const row = await this.store.connection(this.pool, connectionId);
    if (row?.status === 'connected') return;
    let answer: TokenAnswer;
    try {
      answer = await this.identity.clientCredentials();
    } catch (err) {
      if (err instanceof IdentityError && err.kind !== 'unavailable') await this.lost(connectionId, err.message);
      else this.logger.warn('xero custom connection: token endpoint unavailable, will try again', { connectionId, reason: (err as Error).message });
      return;
    }
    try {
      await this.connect(connectionId, 'client_credentials', answer);
    } catch (err) {
      if (err instanceof ConnectionError) await this.lost(connectionId, err.message);
      else this.logger.warn('xero custom connection failed, will try again', { connectionId, reason: (err as Error).message });
    }
  }

  private async connect(connectionId: string, grant: GrantType, answer: TokenAnswer): Promise<void> {
    let list: XeroTenantConnection[];
    try {
      list = await this.identity.connections(answer.accessToken);
    } catch (err) {
      if (err instanceof IdentityError && err.kind === 'unavailable') throw err;
      throw new ConnectionError(`Xero's /connections refused the new token: ${(err as Error).message}`);
    }
    const tenant = pickTenant(list, this.o.tenantId);
    if (!tenant) {
      throw new ConnectionError(this.o.tenantId
        ? `organisation ${this.o.tenantId} (XERO_TENANT_ID) is not among the ${list.length} this connection reaches`
        : 'the connection reaches no Xero organisation');
    }
    const sealed = this.tokens.seal(answer, connectionId);
    await this.store.saveConnected(this.pool, { connectionId, grantType: grant, xeroTenantId: tenant.tenantId, tenantName: tenant.tenantName, ...sealed });
    await this.store.ensureSlots(this.pool, tenant.tenantId, this.o.concurrent);
    this.tokens.prime(connectionId, answer.accessToken, sealed.accessExpiresAt);
    this.metrics.connectionUp.set({ tenant: tenant.tenantId }, 1);
    this.logger.info('xero connected', { connectionId, grant, xeroTenantId: tenant.tenantId, tenantName: tenant.tenantName, organisations: list.length });
    this.onConnected(connectionId);
  }

  /**
   * The connection is gone (invalid_grant, consent revoked): marked disconnected once, and each waiting
   * document reported as XERO.CONNECTION_LOST (retriable: it is sent when the connection comes back).
   */
  async lost(connectionId: string, reason: string): Promise<void> {
    const announced = await this.transact(async (tx) => {
      const row = await this.store.connection(tx, connectionId);
      if (!(await this.store.markDisconnected(tx, connectionId, row?.grantType ?? this.o.grant, reason))) return undefined;
      const waiting = await this.store.pendingOf(tx, connectionId);
      const message = `Xero is not connected (${reason}). The document waits and is sent once the connection is restored.`;
      for (const p of waiting) {
        await this.outbox.append(tx, documentStream(p.documentKey), [failedEvent(p, [problem(CODES.connectionLost, message)], true, p.attempts + 1)]);
      }
      return { tenant: row?.xeroTenantId, waiting: waiting.length, types: waiting.map((p) => p.docType) };
    });
    this.tokens.forget(connectionId);
    if (!announced) return;
    if (announced.tenant) this.metrics.connectionUp.set({ tenant: announced.tenant }, 0);
    for (const t of announced.types) this.metrics.recordFailed(t, [CODES.connectionLost]);
    this.logger.warn('xero connection lost: documents wait for a reconnection', { connectionId, reason, waitingDocuments: announced.waiting });
  }

  async status(): Promise<ConnectionStatus[]> {
    const rows = await this.store.connections(this.pool);
    return Promise.all(rows.map(async (r: ConnectionRow) => ({
      connectionId: r.connectionId,
      status: r.status,
      connected: r.status === 'connected',
      grant: r.grantType,
      xeroTenantId: r.xeroTenantId,
      tenantName: r.tenantName,
      reason: r.reason,
      connectedAt: r.connectedAt?.toISOString() ?? null,
      pausedUntil: r.pausedUntil && r.pausedUntil.getTime() > Date.now() ? r.pausedUntil.toISOString() : null,
      pauseReason: r.pausedUntil && r.pausedUntil.getTime() > Date.now() ? r.pauseReason : null,
      waitingDocuments: await this.store.pendingCount(this.pool, r.connectionId),
    })));
  }
}
