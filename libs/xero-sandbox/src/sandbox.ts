// The sandbox server: Xero's identity endpoints, the Accounting API, limits, faults, idempotency and an
// admin API, on one Node http server bound to 127.0.0.1.
import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { handleAccounting, MAX_ATTACHMENT_BYTES, NOT_FOUND_TEXT, recordPayment, type ApiResponse } from './accounting';
import { FaultBook, seededRandom, validateFaultRule, type FaultRule, type FaultRuleInput } from './faults';
import { RateLimiter, XERO_LIMITS, type LimitHeaders, type Limits } from './limits';
import { IdentityService, type OAuthClient } from './oauth';
import { builtinValidator, defaultSpecPath, loadSchemaValidator, type SchemaValidator } from './openapi';
import { fromPersisted, readStateFile, toPersisted, writeStateFile, type IdempotencyEntry } from './persistence';
import { parseXeroDate } from './rules';
import { renderContact, renderDocument } from './render';
import { buildTenant, DEFAULT_TENANTS } from './seed';
import type { TenantSeed, TenantState } from './state';

export interface Clock {
  now(): number;
}

export interface XeroSandboxOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** The address to listen on: 127.0.0.1 by default; 0.0.0.0 in a container. */
  host?: string;
  /** Limit-time seconds per real second: 10 makes a limit-minute last 6 real seconds. Default 1. */
  timeScale?: number;
  /** false turns limits off; an object overrides some of Xero's numbers. */
  limits?: boolean | Partial<Limits>;
  /** Xero's OpenAPI description; undefined looks beside the repo, null runs on built-in rules only. */
  specPath?: string | null;
  /** Persist state here and reload it on start. */
  stateFile?: string;
  tenants?: TenantSeed[];
  clients?: OAuthClient[];
  accessTokenSeconds?: number;
  refreshTokenSeconds?: number;
  /** How long a used refresh token still works while its successor has never been used. Default 1800. */
  refreshGraceSeconds?: number;
  /** How long an Idempotency-Key answer is replayed. Default 24 hours. */
  idempotencyRetentionSeconds?: number;
  clock?: Clock;
  /** Seed for fault rates, so runs are repeatable. */
  faultSeed?: number;
  appName?: string;
}

export interface SandboxTenant {
  tenantId: string;
  name: string;
  baseCurrency: string;
}

export interface TokenSet {
  access_token: string;
  refresh_token?: string;
  expires_in: number;
  token_type: string;
  scope: string;
}

export interface CallRecord {
  at: string;
  method: string;
  path: string;
  tenantId?: string;
  status: number;
  reason?: string;
  durationMs: number;
  idempotencyKey?: string;
  replayed?: boolean;
}

export interface CallStats {
  total: number;
  byStatus: Record<string, number>;
  rejectedByReason: Record<string, number>;
  byTenant: Record<string, { total: number; rejectedByReason: Record<string, number> }>;
}

export interface SandboxAdmin {
  addFault(rule: FaultRuleInput): FaultRule;
  faults(): FaultRule[];
  removeFault(id: string): boolean;
  clearFaults(): void;
  /** Exhausts the tenant's day limit for `limitSeconds` of limit-time (default a day). */
  forceDayLimit(tenantId: string, limitSeconds?: number): void;
  clearDayLimit(tenantId: string): void;
  revokeConnection(tenantId: string): void;
  restoreConnection(tenantId: string): void;
  setLockDates(tenantId: string, dates: { endOfYearLockDate?: string | null; periodLockDate?: string | null }): void;
  recordPayment(tenantId: string, invoiceId: string, amount: number, date?: string): void;
  expireAccessTokens(): void;
  /** Rendered as Xero renders them. */
  invoices(tenantId: string): Record<string, unknown>[];
  creditNotes(tenantId: string): Record<string, unknown>[];
  contacts(tenantId: string): Record<string, unknown>[];
  calls(filter?: { tenantId?: string; limit?: number }): { stats: CallStats; recent: CallRecord[] };
  inFlight(tenantId: string): number;
  /** Back to the seeded tenants, no documents, no faults, no calls, fresh limits. Tokens stay valid. */
  reset(): void;
}

export interface XeroSandbox {
  url: string;
  port: number;
  accountingBasePath: string;
  identity: { authorizeUrl: string; tokenUrl: string; revocationUrl: string; connectionsUrl: string; discoveryUrl: string };
  tenants: SandboxTenant[];
  tenantIds: string[];
  clients: {
    authorizationCode: { clientId: string; clientSecret: string };
    clientCredentials: { clientId: string; clientSecret: string; tenantId: string };
  };
  schemaValidation: { source: string; openapi: boolean };
  admin: SandboxAdmin;
  /** Runs the authorization-code flow over HTTP (auto-consent) and returns the tokens. */
  connect(options?: { tenantIds?: string[]; scope?: string; redirectUri?: string }): Promise<TokenSet>;
  /** A custom-connection token (client-credentials grant). */
  clientCredentialsToken(): Promise<TokenSet>;
  close(): Promise<void>;
}

const MAX_JSON_BYTES = 3.5 * 1024 * 1024;
const RECENT_CALLS = 2000;
const ADMIN_PREFIX = '/__admin';
const API_PREFIX = '/api.xro/2.0';

type Headers = Record<string, string> | LimitHeaders;

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`HTTP ${status}`);
  }
}

function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new HttpError(413, 'Request Entity Too Large'));
        req.resume();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: http.ServerResponse, status: number, body: unknown, headers: Headers = {}, contentType?: string): void {
  if (res.headersSent || res.destroyed) return;
  let payload: Buffer | string;
  let type = contentType;
  if (Buffer.isBuffer(body)) payload = body;
  else if (typeof body === 'string') {
    payload = body;
    type ??= 'text/plain; charset=utf-8';
  } else {
    payload = JSON.stringify(body);
    type ??= 'application/json; charset=utf-8';
  }
  res.writeHead(status, { ...headers, 'Content-Type': type ?? 'application/octet-stream', 'Content-Length': Buffer.byteLength(payload) });
  res.end(payload);
}

function problem(status: 401 | 403, detail: string): Record<string, unknown> {
  return { Type: null, Title: status === 401 ? 'Unauthorized' : 'Forbidden', Status: status, Detail: detail, Instance: randomUUID(), Extensions: {} };
}

const header = (req: http.IncomingMessage, name: string): string | undefined => {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

export async function startXeroSandbox(options: XeroSandboxOptions = {}): Promise<XeroSandbox> {
  const clock: Clock = options.clock ?? { now: () => Date.now() };
  const timeScale = options.timeScale ?? 1;
  if (!(timeScale > 0)) throw new Error(`timeScale must be > 0, got ${timeScale}`);
  const limitsOpt = options.limits ?? true;
  const limits: Limits = { ...XERO_LIMITS, ...(typeof limitsOpt === 'object' ? limitsOpt : {}) };
  const limiter = new RateLimiter({ limits, enabled: limitsOpt !== false, timeScale });
  const appName = options.appName ?? 'LNB Xero Connector (sandbox)';
  const retentionMs = (options.idempotencyRetentionSeconds ?? 86_400) * 1000;

  let validator: SchemaValidator;
  if (options.specPath === null) validator = builtinValidator;
  else {
    // From source (libs/xero-sandbox/src) or compiled (dist/libs/xero-sandbox/src), or the working directory.
    const roots = [path.resolve(__dirname, '../../..'), path.resolve(__dirname, '../../../..'), process.cwd()];
    const spec = options.specPath ?? roots.map(defaultSpecPath).find((p) => p !== undefined);
    validator = spec ? loadSchemaValidator(spec) : builtinValidator;
  }

  const seeds = options.tenants ?? DEFAULT_TENANTS;
  const seeded = (): TenantState[] => seeds.map((s) => buildTenant(s, clock.now()));
  const tenants = new Map<string, TenantState>();
  const setTenants = (list: TenantState[]): void => {
    tenants.clear();
    for (const t of list) tenants.set(t.tenantId, t);
  };
  setTenants(seeded());
  const firstTenant = [...tenants.keys()][0];
  if (!firstTenant) throw new Error('the sandbox needs at least one tenant');

  const clients: OAuthClient[] = options.clients ?? [
    { clientId: 'SANDBOX-AUTHCODE-CLIENT', clientSecret: 'sandbox-authcode-secret', grant: 'authorization_code', appName },
    { clientId: 'SANDBOX-CUSTOM-CONNECTION', clientSecret: 'sandbox-custom-secret', grant: 'client_credentials', tenantIds: [firstTenant], appName },
  ];
  let baseUrl = '';
  const identity = new IdentityService(
    {
      clients,
      now: () => clock.now(),
      accessTokenSeconds: options.accessTokenSeconds ?? 1800,
      refreshTokenSeconds: options.refreshTokenSeconds ?? 60 * 86_400,
      refreshGraceSeconds: options.refreshGraceSeconds ?? 1800,
      issuer: () => baseUrl,
    },
    (id) => tenants.get(id)?.name,
    () => [...tenants.keys()],
  );

  const faults = new FaultBook(seededRandom(options.faultSeed ?? 20260101));
  const idempotency = new Map<string, IdempotencyEntry>();
  const pendingKeys = new Set<string>();
  let recent: CallRecord[] = [];
  let stats: CallStats = { total: 0, byStatus: {}, rejectedByReason: {}, byTenant: {} };

  const stateFile = options.stateFile;
  if (stateFile) {
    const persisted = readStateFile(stateFile);
    if (persisted) {
      setTenants(fromPersisted(persisted));
      identity.restore(persisted.identity);
      for (const t of persisted.revokedTenants) identity.revokedTenants.add(t);
      for (const [k, v] of persisted.idempotency) idempotency.set(k, v);
    }
  }
  let saveTimer: NodeJS.Timeout | undefined;
  const saveNow = (): void => {
    if (!stateFile) return;
    if (saveTimer) clearTimeout(saveTimer);
    saveTimer = undefined;
    writeStateFile(stateFile, toPersisted([...tenants.values()], identity.snapshot(), [...identity.revokedTenants], [...idempotency.entries()]));
  };
  const scheduleSave = (): void => {
    if (!stateFile || saveTimer) return;
    saveTimer = setTimeout(saveNow, 500);
    saveTimer.unref();
  };

  const record = (rec: CallRecord): void => {
    stats.total++;
    stats.byStatus[rec.status] = (stats.byStatus[rec.status] ?? 0) + 1;
    const t = rec.tenantId ? (stats.byTenant[rec.tenantId] ??= { total: 0, rejectedByReason: {} }) : undefined;
    if (t) t.total++;
    if (rec.reason) {
      stats.rejectedByReason[rec.reason] = (stats.rejectedByReason[rec.reason] ?? 0) + 1;
      if (t) t.rejectedByReason[rec.reason] = (t.rejectedByReason[rec.reason] ?? 0) + 1;
    }
    recent.push(rec);
    if (recent.length > RECENT_CALLS * 1.5) recent = recent.slice(-RECENT_CALLS);
  };

  const tenantOrThrow = (tenantId: string): TenantState => {
    const t = tenants.get(tenantId);
    if (!t) throw new Error(`unknown tenant ${tenantId}`);
    return t;
  };

  const admin: SandboxAdmin = {
    addFault: (rule) => {
      const errors = validateFaultRule(rule);
      if (errors.length) throw new Error(`invalid fault rule: ${errors.join('; ')}`);
      return faults.add(rule);
    },
    faults: () => faults.list(),
    removeFault: (id) => faults.remove(id),
    clearFaults: () => faults.clear(),
    forceDayLimit: (tenantId, limitSeconds = 86_400) => limiter.forceDayLimit(tenantOrThrow(tenantId).tenantId, clock.now(), limitSeconds),
    clearDayLimit: (tenantId) => limiter.clearForcedDayLimit(tenantId),
    revokeConnection: (tenantId) => {
      identity.revokedTenants.add(tenantOrThrow(tenantId).tenantId);
      scheduleSave();
    },
    restoreConnection: (tenantId) => {
      identity.revokedTenants.delete(tenantId);
      scheduleSave();
    },
    setLockDates: (tenantId, dates) => {
      const t = tenantOrThrow(tenantId);
      for (const [k, v] of Object.entries(dates) as ['endOfYearLockDate' | 'periodLockDate', string | null | undefined][]) {
        if (v === undefined) continue;
        if (v !== null && !parseXeroDate(v)) throw new Error(`${k} must be YYYY-MM-DD`);
        t[k] = v === null ? undefined : parseXeroDate(v);
      }
      scheduleSave();
    },
    recordPayment: (tenantId, invoiceId, amount, date) => {
      const result = recordPayment(tenantOrThrow(tenantId), invoiceId, amount, date ?? new Date(clock.now()).toISOString().slice(0, 10), clock.now());
      if (typeof result === 'string') throw new Error(result);
      scheduleSave();
    },
    expireAccessTokens: () => identity.expireAccessTokens(),
    invoices: (tenantId) => {
      const t = tenantOrThrow(tenantId);
      return [...t.invoices.values()].map((d) => renderDocument(d, t, 4));
    },
    creditNotes: (tenantId) => {
      const t = tenantOrThrow(tenantId);
      return [...t.creditNotes.values()].map((d) => renderDocument(d, t, 4));
    },
    contacts: (tenantId) => [...tenantOrThrow(tenantId).contacts.values()].map(renderContact),
    calls: (filter = {}) => {
      let list = filter.tenantId ? recent.filter((r) => r.tenantId === filter.tenantId) : recent;
      list = list.slice(-(filter.limit ?? 200));
      const s = filter.tenantId
        ? (() => {
            const t = stats.byTenant[filter.tenantId] ?? { total: 0, rejectedByReason: {} };
            const byStatus: Record<string, number> = {};
            for (const r of recent) if (r.tenantId === filter.tenantId) byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
            return { total: t.total, byStatus, rejectedByReason: { ...t.rejectedByReason }, byTenant: { [filter.tenantId]: t } };
          })()
        : structuredClone(stats);
      return { stats: s, recent: list };
    },
    inFlight: (tenantId) => limiter.inFlight(tenantId),
    reset: () => {
      setTenants(seeded());
      faults.clear();
      limiter.reset();
      idempotency.clear();
      identity.revokedTenants.clear();
      recent = [];
      stats = { total: 0, byStatus: {}, rejectedByReason: {}, byTenant: {} };
      scheduleSave();
    },
  };

  // ---------- accounting ----------

  const accounting = async (req: http.IncomingMessage, res: http.ServerResponse, url: URL, started: number): Promise<void> => {
    const apiPath = url.pathname.slice(API_PREFIX.length) || '/';
    const base: CallRecord = { at: new Date(clock.now()).toISOString(), method: req.method ?? 'GET', path: apiPath, status: 0, durationMs: 0 };
    const finish = (status: number, extra: Partial<CallRecord> = {}): void =>
      record({ ...base, ...extra, status, durationMs: Date.now() - started });

    const auth = identity.authenticate(header(req, 'authorization'));
    if (!auth.ok) {
      send(res, 401, problem(401, auth.detail), { 'WWW-Authenticate': `Bearer error="invalid_token"` });
      finish(401, { reason: 'unauthorized' });
      return;
    }
    let tenantId = header(req, 'xero-tenant-id')?.trim().toLowerCase() ?? '';
    if (!tenantId && auth.customConnection && auth.tenantIds.length === 1) tenantId = auth.tenantIds[0];
    const tenant = tenants.get(tenantId);
    if (!tenant || !auth.tenantIds.includes(tenantId)) {
      send(res, 403, problem(403, 'AuthenticationUnsuccessful'));
      finish(403, { reason: 'forbidden', tenantId: tenantId || undefined });
      return;
    }
    base.tenantId = tenantId;
    const now = clock.now();
    const admission = limiter.admit(tenantId, now);
    if (!admission.ok) {
      send(
        res,
        429,
        'oauth_problem=rate%20limit%20exceeded&oauth_problem_advice=please%20wait%20before%20retrying%20the%20xero%20api',
        { ...admission.headers, 'Retry-After': String(admission.retryAfterSeconds), 'X-Rate-Limit-Problem': admission.problem },
      );
      finish(429, { reason: `limit:${admission.problem}` });
      return;
    }
    res.on('close', admission.release);
    const limitHeaders = (): LimitHeaders => limiter.headers(tenantId, clock.now());
    const method = (req.method ?? 'GET').toUpperCase();
    const { latencyMs, fault } = faults.pick({ tenantId, method, path: apiPath });
    if (latencyMs > 0) await new Promise((r) => setTimeout(r, latencyMs));
    if (fault?.kind === 'drop') {
      req.socket.destroy();
      finish(0, { reason: 'fault:drop' });
      return;
    }
    if (fault?.kind === 'error') {
      const status = fault.status ?? 503;
      const body =
        status === 503
          ? 'The Xero API is temporarily unavailable. Please try again shortly.'
          : { Title: 'An error occurred', Detail: 'An error occurred in Xero. Check the API Status page http://status.developer.xero.com for current service status.', Status: status, Instance: randomUUID() };
      send(res, status, body, { ...limitHeaders(), 'Xero-Correlation-Id': randomUUID() });
      finish(status, { reason: `fault:error` });
      return;
    }

    const isAttachment = /\/attachments\//i.test(apiPath);
    let body: Buffer;
    try {
      body = await readBody(req, isAttachment ? MAX_ATTACHMENT_BYTES : MAX_JSON_BYTES);
    } catch (err) {
      const status = err instanceof HttpError ? err.status : 400;
      send(res, status, err instanceof HttpError ? err.body : 'Bad Request', limitHeaders());
      finish(status, { reason: 'body' });
      return;
    }

    const key = method === 'GET' ? undefined : header(req, 'idempotency-key');
    if (key !== undefined && key.length > 128) {
      send(res, 400, { ErrorNumber: 10, Type: 'ValidationException', Message: 'The Idempotency-Key header must be no more than 128 characters long.', Elements: [] }, limitHeaders());
      finish(400, { reason: 'idempotency-key', idempotencyKey: key });
      return;
    }
    const storeKey = key ? `${tenantId}\u0000${auth.clientId}\u0000${key}` : undefined;
    if (storeKey) {
      const hit = idempotency.get(storeKey);
      if (hit && hit.at + retentionMs > clock.now()) {
        send(res, hit.status, hit.body, { ...limitHeaders(), 'Xero-Correlation-Id': randomUUID(), 'X-Sandbox-Idempotent-Replay': 'true' }, hit.contentType);
        finish(hit.status, { idempotencyKey: key, replayed: true });
        return;
      }
      if (pendingKeys.has(storeKey)) {
        send(res, 409, { ErrorNumber: 10, Type: 'ValidationException', Message: 'A request with this Idempotency-Key is already being processed.', Elements: [] }, limitHeaders());
        finish(409, { reason: 'idempotency-conflict', idempotencyKey: key });
        return;
      }
      pendingKeys.add(storeKey);
    }

    let answer: ApiResponse;
    try {
      answer = handleAccounting(
        { method, segments: apiPath.split('/').filter(Boolean).map(decodeURIComponent), query: url.searchParams, headers: req.headers, body, tenant, now: clock.now(), appName },
        { validator },
      );
    } finally {
      if (storeKey) pendingKeys.delete(storeKey);
    }
    if (answer.mutated) scheduleSave();
    const contentType = answer.contentType ?? (Buffer.isBuffer(answer.body) ? 'application/octet-stream' : typeof answer.body === 'string' ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8');
    const payload = Buffer.isBuffer(answer.body) ? answer.body : typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
    if (storeKey && answer.status < 500 && !Buffer.isBuffer(payload)) {
      idempotency.set(storeKey, { status: answer.status, contentType, body: payload, at: clock.now() });
      if (stateFile) scheduleSave();
    }
    if (fault?.kind === 'outcomeUnknown') {
      // The work is done and remembered; the caller just never hears about it.
      finish(0, { reason: 'fault:outcomeUnknown', idempotencyKey: key });
      const hang = fault.hangMs ?? 0;
      if (hang > 0) {
        const timer = setTimeout(() => req.socket.destroy(), hang);
        res.on('close', () => clearTimeout(timer));
      } else req.socket.destroy();
      return;
    }
    send(res, answer.status, payload, { ...limitHeaders(), 'Xero-Correlation-Id': randomUUID() }, contentType);
    finish(answer.status, { reason: answer.reason, idempotencyKey: key });
  };

  // ---------- identity ----------

  const identityRoutes = async (req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> => {
    const p = url.pathname;
    if (p === '/identity/connect/authorize' && req.method === 'GET') {
      const q = url.searchParams;
      const redirectUri = q.get('redirect_uri') ?? undefined;
      const result = identity.authorize({
        clientId: q.get('client_id') ?? undefined,
        redirectUri,
        responseType: q.get('response_type') ?? undefined,
        scope: q.get('scope') ?? undefined,
        tenantIds: q.get('tenants')?.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean),
      });
      if (!redirectUri || (!result.ok && result.error === 'unauthorized_client')) {
        send(res, 400, `<html><body><h1>Sandbox consent</h1><p>Error: ${result.ok ? 'invalid_request' : result.error}</p></body></html>`, {}, 'text/html; charset=utf-8');
        return;
      }
      const target = new URL(redirectUri);
      if (result.ok) target.searchParams.set('code', result.code);
      else target.searchParams.set('error', result.error);
      const state = q.get('state');
      if (state !== null) target.searchParams.set('state', state);
      res.writeHead(302, { Location: target.toString(), 'Content-Type': 'text/html; charset=utf-8' });
      res.end(`<html><body>Sandbox auto-consent: redirecting to <a href="${target.toString()}">your app</a>.</body></html>`);
      return;
    }
    if ((p === '/identity/connect/token' || p === '/identity/connect/revocation') && req.method === 'POST') {
      const form = Object.fromEntries(new URLSearchParams((await readBody(req, 64 * 1024)).toString('utf8')));
      let basic: { id: string; secret: string } | undefined;
      const m = /^Basic\s+(.+)$/i.exec(header(req, 'authorization') ?? '');
      if (m) {
        const decoded = Buffer.from(m[1], 'base64').toString('utf8');
        const i = decoded.indexOf(':');
        basic = { id: decodeURIComponent(decoded.slice(0, i)), secret: decodeURIComponent(decoded.slice(i + 1)) };
      }
      if (p.endsWith('/revocation')) {
        identity.revokeToken(form.token ?? '');
        scheduleSave();
        send(res, 200, '');
        return;
      }
      const answer = identity.token(form, basic);
      scheduleSave();
      send(res, answer.status, answer.body, { 'Cache-Control': 'no-store', Pragma: 'no-cache' });
      return;
    }
    if (p === '/.well-known/openid-configuration' || p === '/identity/.well-known/openid-configuration') {
      send(res, 200, {
        issuer: baseUrl,
        authorization_endpoint: `${baseUrl}/identity/connect/authorize`,
        token_endpoint: `${baseUrl}/identity/connect/token`,
        revocation_endpoint: `${baseUrl}/identity/connect/revocation`,
        grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials'],
        response_types_supported: ['code'],
        token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      });
      return;
    }
    if (p === '/connections' && req.method === 'GET') {
      const list = identity.connections(header(req, 'authorization'), url.searchParams.get('authEventId') ?? undefined);
      if (Array.isArray(list)) send(res, 200, list);
      else send(res, 401, problem(401, list.ok ? 'AuthenticationUnsuccessful' : list.detail));
      return;
    }
    const del = /^\/connections\/([^/]+)$/.exec(p);
    if (del && req.method === 'DELETE') {
      const r = identity.disconnect(header(req, 'authorization'), decodeURIComponent(del[1]));
      scheduleSave();
      if (r === 'ok') send(res, 204, '');
      else if (r === 'unauthorized') send(res, 401, problem(401, 'AuthenticationUnsuccessful'));
      else send(res, 404, NOT_FOUND_TEXT);
      return;
    }
    send(res, 404, NOT_FOUND_TEXT);
  };

  // ---------- admin ----------

  const adminRoutes = async (req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> => {
    const parts = url.pathname.slice(ADMIN_PREFIX.length).split('/').filter(Boolean).map(decodeURIComponent);
    const method = req.method ?? 'GET';
    const raw = method === 'GET' ? Buffer.alloc(0) : await readBody(req, 1024 * 1024);
    let input: Record<string, unknown> = {};
    if (raw.length) {
      try {
        input = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
      } catch {
        throw new HttpError(400, { error: 'the body must be JSON' });
      }
    }
    const ok = (body: unknown = { ok: true }): void => send(res, 200, body);
    const [a, b, c, d, e] = parts;
    if (method === 'GET' && a === 'health') return ok({ ok: true });
    if (method === 'GET' && a === 'state') {
      return ok({
        url: baseUrl,
        timeScale,
        limits: { enabled: limiter.enabled, ...limiter.limits },
        schemaValidation: { source: validator.source, openapi: validator !== builtinValidator },
        tenants: [...tenants.values()].map((t) => ({
          tenantId: t.tenantId,
          name: t.name,
          baseCurrency: t.baseCurrency,
          revoked: identity.revokedTenants.has(t.tenantId),
          invoices: t.invoices.size,
          creditNotes: t.creditNotes.size,
          contacts: t.contacts.size,
          endOfYearLockDate: t.endOfYearLockDate ?? null,
          periodLockDate: t.periodLockDate ?? null,
        })),
        faults: faults.list(),
      });
    }
    if (a === 'faults') {
      if (method === 'GET' && !b) return ok(faults.list());
      if (method === 'POST' && !b) {
        const errors = validateFaultRule(input);
        if (errors.length) throw new HttpError(400, { errors });
        return ok(faults.add(input as unknown as FaultRuleInput));
      }
      if (method === 'DELETE' && !b) {
        faults.clear();
        return ok();
      }
      if (method === 'DELETE' && b) return faults.remove(b) ? ok() : send(res, 404, { error: 'no such fault' });
    }
    if (a === 'calls' && method === 'GET') {
      return ok(admin.calls({ tenantId: url.searchParams.get('tenantId') ?? undefined, limit: Number(url.searchParams.get('limit') ?? 200) }));
    }
    if (a === 'reset' && method === 'POST') {
      admin.reset();
      return ok();
    }
    if (a === 'tokens' && b === 'expire' && method === 'POST') {
      admin.expireAccessTokens();
      return ok();
    }
    if (a === 'tenants' && b) {
      if (!tenants.has(b)) throw new HttpError(404, { error: `unknown tenant ${b}` });
      if (method === 'GET' && c === 'invoices' && !d) return ok(admin.invoices(b));
      if (method === 'GET' && c === 'credit-notes') return ok(admin.creditNotes(b));
      if (method === 'GET' && c === 'contacts') return ok(admin.contacts(b));
      if (c === 'day-limit' && method === 'POST') {
        admin.forceDayLimit(b, typeof input.seconds === 'number' ? input.seconds : undefined);
        return ok();
      }
      if (c === 'day-limit' && method === 'DELETE') {
        admin.clearDayLimit(b);
        return ok();
      }
      if (c === 'revoke' && method === 'POST') {
        admin.revokeConnection(b);
        return ok();
      }
      if (c === 'restore' && method === 'POST') {
        admin.restoreConnection(b);
        return ok();
      }
      if (c === 'lock-dates' && method === 'POST') {
        admin.setLockDates(b, input as { endOfYearLockDate?: string | null; periodLockDate?: string | null });
        return ok();
      }
      if (c === 'invoices' && d && e === 'payments' && method === 'POST') {
        if (typeof input.amount !== 'number') throw new HttpError(400, { error: 'amount (number) is required' });
        admin.recordPayment(b, d, input.amount, typeof input.date === 'string' ? input.date : undefined);
        return ok();
      }
    }
    send(res, 404, { error: `no admin route ${method} ${url.pathname}` });
  };

  const server = http.createServer((req, res) => {
    const started = Date.now();
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const run = async (): Promise<void> => {
      if (url.pathname === API_PREFIX || url.pathname.startsWith(`${API_PREFIX}/`)) return accounting(req, res, url, started);
      if (url.pathname.startsWith(`${ADMIN_PREFIX}/`)) return adminRoutes(req, res, url);
      return identityRoutes(req, res, url);
    };
    run().catch((err: unknown) => {
      if (err instanceof HttpError) send(res, err.status, err.body);
      else {
        const message = err instanceof Error ? err.message : String(err);
        send(res, 500, { Title: 'An error occurred', Detail: message, Status: 500 });
      }
    });
  });
  server.keepAliveTimeout = 30_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  baseUrl = `http://127.0.0.1:${port}`;

  const authCodeClient = clients.find((c) => c.grant === 'authorization_code');
  const ccClient = clients.find((c) => c.grant === 'client_credentials');

  const tokenRequest = async (form: Record<string, string>, client: OAuthClient): Promise<TokenSet> => {
    const res = await fetch(`${baseUrl}/identity/connect/token`, {
      method: 'POST',
      headers: {
        Authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`,
        'Content-Type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams(form).toString(),
    });
    const body = (await res.json()) as TokenSet & { error?: string };
    if (!res.ok) throw new Error(`token request failed: ${res.status} ${body.error ?? ''}`);
    return body;
  };

  return {
    url: baseUrl,
    port,
    accountingBasePath: `${baseUrl}${API_PREFIX}`,
    identity: {
      authorizeUrl: `${baseUrl}/identity/connect/authorize`,
      tokenUrl: `${baseUrl}/identity/connect/token`,
      revocationUrl: `${baseUrl}/identity/connect/revocation`,
      connectionsUrl: `${baseUrl}/connections`,
      discoveryUrl: `${baseUrl}/.well-known/openid-configuration`,
    },
    tenants: [...tenants.values()].map((t) => ({ tenantId: t.tenantId, name: t.name, baseCurrency: t.baseCurrency })),
    tenantIds: [...tenants.keys()],
    clients: {
      authorizationCode: { clientId: authCodeClient?.clientId ?? '', clientSecret: authCodeClient?.clientSecret ?? '' },
      clientCredentials: { clientId: ccClient?.clientId ?? '', clientSecret: ccClient?.clientSecret ?? '', tenantId: ccClient?.tenantIds?.[0] ?? '' },
    },
    schemaValidation: { source: validator.source, openapi: validator !== builtinValidator },
    admin,
    async connect(opts = {}) {
      if (!authCodeClient) throw new Error('no authorization-code client configured');
      const redirectUri = opts.redirectUri ?? 'http://127.0.0.1/callback';
      const q = new URLSearchParams({
        response_type: 'code',
        client_id: authCodeClient.clientId,
        redirect_uri: redirectUri,
        scope: opts.scope ?? 'offline_access accounting.invoices accounting.contacts accounting.settings.read accounting.attachments',
        state: randomUUID(),
      });
      if (opts.tenantIds) q.set('tenants', opts.tenantIds.join(','));
      const res = await fetch(`${baseUrl}/identity/connect/authorize?${q.toString()}`, { redirect: 'manual' });
      const location = res.headers.get('location');
      const code = location ? new URL(location).searchParams.get('code') : null;
      if (!code) throw new Error(`authorize did not return a code (${res.status})`);
      return tokenRequest({ grant_type: 'authorization_code', code, redirect_uri: redirectUri }, authCodeClient);
    },
    async clientCredentialsToken() {
      if (!ccClient) throw new Error('no client-credentials client configured');
      return tokenRequest({ grant_type: 'client_credentials', scope: 'accounting.invoices accounting.contacts accounting.settings.read' }, ccClient);
    },
    async close() {
      if (saveTimer || stateFile) saveNow();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
