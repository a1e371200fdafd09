// The one place the exporter talks to the Accounting API: a token per call, the tenant's limiter and the
// app's budget before it, a hard timeout on it, the limit headers read after it, and every failure turned into a
// XeroCallError (or a ConnectionLostError) the caller can act on. Tokens never reach a log.
import { JsonLogger } from '@lnbx/platform';
import { Inject, Injectable } from '@nestjs/common';
import { AccountingApi, type Authentication } from 'xero-node';
import { type CallTicket, type LimitReadings, type RateLimits, TenantLimiter } from '../domain/limiter';
import { classifyStatus, CODES, messageOf, rateLimitProblem, readLimitHeaders, retryAfterMs } from '../domain/xero-errors';
import { ExporterMetrics } from '../metrics';
import { AppBudget } from './app-budget';
import { ConnectionLostError, IdentityError, XeroCallError } from './errors';
import { XeroIdentity } from './identity';
import { TokenService } from './tokens';

export interface Tenant {
  connectionId: string;
  xeroTenantId: string;
}

interface Answer<T> {
  response: { headers?: unknown; status?: number };
  body: T;
}

export const XERO_API_OPTIONS = Symbol('XeroApiOptions');

export interface XeroApiOptions {
  apiUrl: string;
  timeoutMs: number;
  limits: RateLimits;
  /** A limit-minute in real milliseconds. */
  minuteMs: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

/** xero-node rejects a non-2xx with a JSON string (statusCode 0 when nothing answered). */
function failureOf(err: unknown): { status: number; headers: Record<string, unknown>; body: unknown } {
  let raw: unknown = err;
  if (typeof err === 'string') {
    try {
      raw = JSON.parse(err);
    } catch {
      return { status: 0, headers: {}, body: err };
    }
  }
  if (raw instanceof Error) return { status: 0, headers: {}, body: raw.message };
  const r = ((raw as { response?: Record<string, unknown> })?.response ?? {}) as {
    statusCode?: number;
    status?: number;
    headers?: Record<string, unknown>;
    body?: unknown;
  };
  return { status: r.statusCode ?? r.status ?? 0, headers: r.headers ?? {}, body: r.body ?? (raw as { body?: unknown })?.body };
}

export class Limiters {
  private readonly byTenant = new Map<string, TenantLimiter>();
  constructor(
    private readonly limits: RateLimits,
    private readonly minuteMs: number,
  ) {}

  for(tenantId: string): TenantLimiter {
    let l = this.byTenant.get(tenantId);
    if (!l) {
      // The guard covers the time between Xero counting a call and us seeing its answer.
      l = new TenantLimiter(this.limits, { minuteMs: this.minuteMs, guardMs: Math.min(250, Math.ceil(this.minuteMs * 0.005) + 20) });
      this.byTenant.set(tenantId, l);
    }
    return l;
  }

  /** Waits for a place under the tenant's limits; refuses (as rate limited) a wait beyond `maxWaitMs`. */
  async acquire(tenantId: string, maxWaitMs: number, now: () => number = Date.now): Promise<CallTicket> {
    const limiter = this.for(tenantId);
    const deadline = now() + maxWaitMs;
    for (;;) {
      const a = limiter.admit(now());
      if (a.ok) return a.ticket;
      const wait = a.waitMs ?? 20;
      if (now() + wait > deadline) {
        throw new XeroCallError('rate_limited', 429, `waiting for Xero's ${a.reason} limit would take ${Math.round(wait)} ms`, wait);
      }
      await sleep(Math.max(1, Math.min(wait, deadline - now())));
    }
  }
}

@Injectable()
export class XeroApi {
  private readonly logger: JsonLogger;

  constructor(
    @Inject(XERO_API_OPTIONS) private readonly o: XeroApiOptions,
    readonly limiters: Limiters,
    /** Xero's app-wide limit, shared fairly between organisations and by every instance. */
    private readonly appBudget: AppBudget,
    private readonly tokens: TokenService,
    private readonly identity: XeroIdentity,
    private readonly metrics: ExporterMetrics,
    logger: JsonLogger,
  ) {
    this.logger = logger.child({ component: 'exporter' });
  }

  private client(token: string): AccountingApi {
    const api = new AccountingApi(this.o.apiUrl);
    api.accessToken = token;
    const timeoutMs = this.o.timeoutMs;
    // xero-node sets no timeout; its default authentication hook is the one place to add one per request.
    const deadline: Authentication = {
      applyToRequest(options) {
        options.timeout = timeoutMs;
        options.signal = AbortSignal.timeout(timeoutMs);
      },
    };
    api.setDefaultAuthentication(deadline);
    return api;
  }

  /**
   * One Accounting API call for `tenant`. `endpoint` labels the metric ("PUT /Invoices"). A 401 gets one
   * token refresh and one more try (a 401 means nothing was done); other failures throw.
   */
  async call<T>(
    tenant: Tenant,
    endpoint: string,
    fn: (api: AccountingApi, tenantId: string) => Promise<Answer<T>>,
    { maxWaitMs = this.o.minuteMs * 2 } = {},
  ): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const token = await this.tokens.accessToken(tenant.connectionId);
      const ticket = await this.limiters.acquire(tenant.xeroTenantId, maxWaitMs);
      try {
        await this.appBudget.acquire(tenant.xeroTenantId, maxWaitMs, () => this.metrics.appBudgetWaits.inc({ tenant: tenant.xeroTenantId }));
      } catch (err) {
        ticket.done(Date.now());
        throw err;
      }
      let answer: Answer<T>;
      try {
        answer = await fn(this.client(token), tenant.xeroTenantId);
      } catch (err) {
        ticket.done(Date.now());
        const f = failureOf(err);
        this.metrics.calls.inc({ connection: tenant.connectionId, endpoint, status: String(f.status) });
        this.observe(tenant, f.headers);
        const kind = classifyStatus(f.status);
        if (kind === 'unauthorized') {
          if (attempt === 1) {
            await this.tokens.forceRefresh(tenant.connectionId, token);
            continue;
          }
          throw new ConnectionLostError(tenant.connectionId, 'Xero refuses the access token even after a refresh', CODES.tokenRefused);
        }
        if (kind === 'forbidden') await this.checkStillConnected(tenant, token);
        if (kind === 'rate_limited') {
          const wait = retryAfterMs(f.headers, Date.now(), this.o.minuteMs);
          const problem = rateLimitProblem(f.headers);
          this.limiters.for(tenant.xeroTenantId).rateLimited(problem, wait, Date.now());
          this.logger.warn('xero rate limit hit', { endpoint, tenant: tenant.xeroTenantId, problem, retryAfterMs: wait });
          throw new XeroCallError('rate_limited', 429, `Xero's ${problem || ''} rate limit was reached`.replace('  ', ' '), wait);
        }
        // Xero's words travel on into events and logs: the error redacts them, so no token rides along.
        throw new XeroCallError(kind, f.status, f.status === 0 ? `no answer from Xero (${messageOf(f.body)})` : `${f.status}: ${messageOf(f.body)}`);
      }
      ticket.done(Date.now());
      const headers = (answer.response?.headers ?? {}) as Record<string, unknown>;
      this.metrics.calls.inc({ connection: tenant.connectionId, endpoint, status: String(answer.response?.status ?? 200) });
      this.observe(tenant, headers);
      return answer.body;
    }
  }

  /** 403: either the organisation disconnected the app (its documents wait) or the app lacks a permission. */
  private async checkStillConnected(tenant: Tenant, token: string): Promise<void> {
    let listed: boolean;
    try {
      listed = (await this.identity.connections(token)).some((c) => c.tenantId.toLowerCase() === tenant.xeroTenantId.toLowerCase());
    } catch (err) {
      if (err instanceof IdentityError && err.kind === 'unauthorized') listed = false;
      else throw new XeroCallError('outcome_unknown', 0, (err as Error).message);
    }
    if (!listed)
      throw new ConnectionLostError(tenant.connectionId, 'the Xero organisation is no longer connected to the app (consent revoked)', CODES.consentRevoked);
  }

  private observe(tenant: Tenant, headers: Record<string, unknown>): void {
    const r: LimitReadings = readLimitHeaders(headers);
    this.limiters.for(tenant.xeroTenantId).observe(r, Date.now());
    const set = (window: string, v?: number) => v !== undefined && this.metrics.rateRemaining.set({ tenant: tenant.xeroTenantId, window }, v);
    set('minute', r.minuteRemaining);
    set('day', r.dayRemaining);
    set('app_minute', r.appMinuteRemaining);
  }
}
