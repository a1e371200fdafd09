// The sandbox over HTTP: the LNB Wholesale API v2 shape under /apis/wholesale/v2 (token as a query
// parameter, X-Pagination headers, 401/404/422/429/5xx as the reference describes) and an admin API
// under /__admin, neither counted nor faulted, guarded by admin-access.ts.
import { decodeComponent, isCalendarDay, jsonTextDepth, requestUrl, strictInteger } from '@lnbx/http-input';
import { randomBytes } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AdminAccess } from './admin-access';
import { KNOWN_TAX_RATES } from './catalogue';
import { type ActiveFault, type FaultSpec, Faults } from './faults';
import { RateLimiter } from './rate-limit';
import { type AnyDocumentSet, type DocumentType, SandboxRequestError, SandboxStore, type UpdateTimeRange } from './store';

export const API_BASE = '/apis/wholesale/v2';
export const ADMIN_BASE = '/__admin';

export interface SandboxSettings {
  pageSize: number;
  /** Off, the listings answer without X-Pagination headers, as the SDK warns they may. */
  pagingHeaders: boolean;
  clientId: string;
  clientSecret: string;
  tokenTtlSeconds: number;
  /** API requests admitted per `rateLimitWindowMs` before 429s; 0 is no limit. */
  rateLimit: number;
  rateLimitWindowMs: number;
  /** How far the sandbox's clock is from the machine's (negative: behind); stamps update_time of changes. */
  clockOffsetMs: number;
  /**
   * Bytes of encoded listing pages kept (0: none): a page is built and encoded once until a document
   * changes, as a real API's cache would serve it. Building and encoding 100,000
   * invoices took about 4 s of the sandbox's CPU per pass, most of an incremental run's wall time.
   */
  pageCacheBytes: number;
}

export interface CallCounts {
  total: number;
  /** e.g. "GET /invoices": 12, "POST /auth/token": 1. */
  byRoute: Record<string, number>;
  /** HTTP status -> count; "dropped" for connections the sandbox cut. */
  byStatus: Record<string, number>;
}

type Json = unknown;
/** `encoded`: the body already written as JSON bytes (a cached listing page). */
type Reply = { status: number; body: Json; headers?: Record<string, string>; encoded?: Buffer };

const reply = (status: number, body: Json, headers?: Record<string, string>): Reply => ({ status, body, headers });
const MAX_BODY_BYTES = 1_048_576;
/** PHP's json_decode gives up past 512 levels (its default depth), as on any JSON it cannot read. */
const MAX_JSON_DEPTH = 512;

async function readJson(req: http.IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new SandboxRequestError(413, 'body too large');
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return {};
  const text = Buffer.concat(chunks).toString('utf8');
  if (jsonTextDepth(text, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) throw new SandboxRequestError(400, 'body is not JSON');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new SandboxRequestError(400, 'body is not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new SandboxRequestError(422, 'body must be a JSON object');
  return parsed as Record<string, unknown>;
}

const LISTINGS = ['invoices', 'credit_notes', 'orders', 'retailers'] as const;
type Listing = (typeof LISTINGS)[number];
const isListing = (name: string): name is Listing => (LISTINGS as readonly string[]).includes(name);

export class SandboxServer {
  readonly faults: Faults;
  readonly rateLimiter: RateLimiter;
  private readonly tokens = new Map<string, number>();
  private counts: CallCounts = { total: 0, byRoute: {}, byStatus: {} };
  private readonly server: http.Server;
  private tokensIssued = 0;
  /** Encoded listing pages by listing, page and page size, with the store's version they show; oldest first. */
  private readonly pages = new Map<string, { version: number; body: Buffer }>();
  private pageBytes = 0;

  constructor(
    readonly store: SandboxStore,
    readonly settings: SandboxSettings,
    private readonly adminAccess: AdminAccess,
  ) {
    this.faults = new Faults(store.config.seed);
    this.rateLimiter = new RateLimiter(settings.rateLimit, settings.rateLimitWindowMs);
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) this.send(res, reply(500, { message: err instanceof Error ? err.message : 'internal error' }));
      });
    });
    this.server.keepAliveTimeout = 5_000;
  }

  /** 127.0.0.1 unless told otherwise (0.0.0.0 inside a container). */
  listen(port: number, host = '127.0.0.1'): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => resolve((this.server.address() as AddressInfo).port));
    });
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  calls(): CallCounts {
    return structuredClone(this.counts);
  }

  resetCalls(): void {
    this.counts = { total: 0, byRoute: {}, byStatus: {} };
  }

  revokeTokens(): number {
    const revoked = this.tokens.size;
    this.tokens.clear();
    return revoked;
  }

  issuedTokens(): number {
    return this.tokensIssued;
  }

  /** The sandbox's own clock, as LNB would stamp a change: the machine's, shifted by clockOffsetMs. */
  clock(): Date {
    return new Date(Date.now() + this.settings.clockOffsetMs);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    // An absolute-form target Node passes on as written (`GET http://[bad/ HTTP/1.1`): the web server in
    // front of LNB answers such a request line 400 before the application sees it.
    const url = requestUrl(req.url, 'http://sandbox.invalid');
    if (!url) {
      this.send(res, reply(400, { message: 'Bad Request' }));
      return;
    }
    const method = req.method ?? 'GET';
    if (url.pathname.startsWith(`${ADMIN_BASE}/`)) {
      const refused = this.adminAccess.refusal(req);
      if (refused) this.send(res, reply(refused.status, { message: refused.message }, refused.headers));
      else this.send(res, await this.guard(() => this.admin(method, url.pathname.slice(ADMIN_BASE.length), url, req)));
      return;
    }
    if (!url.pathname.startsWith(`${API_BASE}/`)) {
      this.send(res, reply(404, { message: `no route ${url.pathname}` }));
      return;
    }
    const path = url.pathname.slice(API_BASE.length);
    const route = `${method} ${path.replace(/^\/(invoices|credit_notes|orders|retailers)\/[^/]+$/, '/$1/:reference')}`;
    const admitted = this.rateLimiter.admit(Date.now());
    if (!admitted.ok) {
      this.count(route, '429');
      this.send(res, reply(429, { message: 'Too Many Requests' }, { 'retry-after': String(admitted.retryAfterSeconds) }));
      return;
    }
    const { latencyMs, fault } = this.faults.hits(method, path);
    if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs));
    if (fault?.kind === 'drop-connection') {
      this.count(route, 'dropped');
      req.socket.destroy();
      return;
    }
    const answer = fault ? this.faultReply(fault) : await this.guard(() => this.api(method, path, url, req));
    this.count(route, String(answer.status));
    if (fault?.kind === 'malformed-json') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('[{"reference_number": "INV-0000');
      return;
    }
    this.send(res, answer);
  }

  private faultReply(fault: ActiveFault): Reply {
    switch (fault.kind) {
      case 'rate-limit': {
        const retryAfter = fault.retryAfterSeconds === undefined ? 1 : fault.retryAfterSeconds;
        return reply(429, { message: 'Too Many Requests' }, retryAfter === null ? {} : { 'retry-after': String(retryAfter) });
      }
      case 'server-error':
        return reply(fault.status ?? 503, { message: 'The server is temporarily unable to handle the request.' });
      case 'validation':
        return reply(422, { message: 'The given data was invalid.', errors: fault.fieldErrors ?? { page: ['The page field is invalid.'] } });
      case 'unauthorized':
        return reply(401, { error: 'invalid_token', message: 'The access token is invalid or has expired.' });
      default:
        return reply(200, null);
    }
  }

  private async guard(handler: () => Promise<Reply> | Reply): Promise<Reply> {
    try {
      return await handler();
    } catch (err) {
      if (err instanceof SandboxRequestError) return reply(err.status, { message: err.message });
      throw err;
    }
  }

  private count(route: string, status: string): void {
    this.counts.total++;
    this.counts.byRoute[route] = (this.counts.byRoute[route] ?? 0) + 1;
    this.counts.byStatus[status] = (this.counts.byStatus[status] ?? 0) + 1;
  }

  private send(res: http.ServerResponse, answer: Reply): void {
    if (answer.status === 204) {
      res.writeHead(204).end();
      return;
    }
    // Encoded once: a listing page is about 2 MB, and a string written to a socket that cannot take it
    // all at once was encoded again on each try (most of the sandbox's CPU when serving 100,000 invoices).
    const body = answer.encoded ?? Buffer.from(JSON.stringify(answer.body));
    res.writeHead(answer.status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': body.length,
      ...answer.headers,
    });
    res.end(body);
  }

  // ------------------------------------------------------------------------------------------- API

  private async api(method: string, path: string, url: URL, req: http.IncomingMessage): Promise<Reply> {
    if (method === 'POST' && path === '/auth/token') return this.issueToken(await readJson(req));
    if (!this.authorised(url.searchParams.get('access_token'))) {
      return reply(401, { error: 'invalid_token', message: 'The access token is invalid or has expired.' });
    }
    if (method !== 'GET') return reply(405, { message: `${method} is not allowed on ${path}` });
    if (path === '/version') return reply(200, { name: 'Le New Black Wholesale API (sandbox)', version: '2.0.0' });
    const [, collection, reference, extra] = path.split('/');
    if (extra !== undefined || !isListing(collection)) return reply(404, { message: `no route ${path}` });
    if (reference !== undefined) {
      // PHP's rawurldecode never fails: a malformed escape stays as written, and no document has that reference.
      const wanted = decodeComponent(reference) ?? reference;
      const doc = this.set(collection).get(wanted);
      return doc ? reply(200, doc) : reply(404, { message: `No query results for ${collection} ${wanted}` });
    }
    return this.list(collection, url.searchParams);
  }

  private set(collection: Listing): AnyDocumentSet {
    switch (collection) {
      case 'invoices':
        return this.store.invoices;
      case 'credit_notes':
        return this.store.creditNotes;
      case 'orders':
        return this.store.orders;
      case 'retailers':
        return this.store.retailers;
    }
  }

  private list(collection: Listing, params: URLSearchParams): Reply {
    const pageParam = params.get('page');
    // Laravel's integer rule: digits, not `1e3` or `0x10` (which Number() would read).
    const page = pageParam === null ? 1 : (strictInteger(pageParam) ?? NaN);
    if (!Number.isInteger(page) || page < 1) {
      return reply(422, { message: 'The given data was invalid.', errors: { page: ['The page must be an integer of at least 1.'] } });
    }
    const set = this.set(collection);
    const size = this.settings.pageSize;
    // Orders filter by update_time (the other documented filters are not modelled and are ignored).
    const filteredByTime = collection === 'orders' && (params.has('update_time_from') || params.has('update_time_to'));
    const range = filteredByTime ? updateTimeRange(params) : undefined;
    if (range && 'errors' in range) return reply(422, { message: 'The given data was invalid.', errors: range.errors });
    const filtered = range ? this.store.ordersUpdated(range) : undefined;
    const total = filtered ? filtered.length : set.size();
    const totalPages = Math.ceil(total / size);
    const headers: Record<string, string> = this.settings.pagingHeaders
      ? {
          'x-pagination-current-page': String(page),
          'x-pagination-page-size': String(size),
          'x-pagination-has-more': String(page < totalPages),
          'x-pagination-total-pages': String(totalPages),
          'x-pagination-total-items': String(total),
        }
      : {};
    if (filtered)
      return reply(
        200,
        filtered.slice((page - 1) * size, page * size).map((i) => this.store.orders.at(i)),
        headers,
      );
    return { status: 200, body: undefined, headers, encoded: this.encodedPage(collection, set, page, size) };
  }

  /** A listing page as JSON bytes, from the cache while no document has changed. */
  private encodedPage(collection: Listing, set: AnyDocumentSet, page: number, size: number): Buffer {
    const key = `${collection}:${page}:${size}`;
    const cached = this.pages.get(key);
    const version = this.store.version;
    if (cached?.version === version) return cached.body;
    const body = Buffer.from(JSON.stringify(set.page(page, size)));
    if (cached) {
      this.pages.delete(key);
      this.pageBytes -= cached.body.length;
    }
    const limit = this.settings.pageCacheBytes;
    if (body.length > limit) return body;
    for (const [oldest, entry] of this.pages) {
      if (this.pageBytes + body.length <= limit) break;
      this.pages.delete(oldest);
      this.pageBytes -= entry.body.length;
    }
    this.pages.set(key, { version, body });
    this.pageBytes += body.length;
    return body;
  }

  private issueToken(body: Record<string, unknown>): Reply {
    const errors: Record<string, string[]> = {};
    for (const field of ['client_id', 'client_secret', 'grant_type']) {
      if (typeof body[field] !== 'string' || body[field] === '') errors[field] = [`The ${field} field is required.`];
    }
    if (Object.keys(errors).length > 0) return reply(422, { message: 'The given data was invalid.', errors });
    if (body.grant_type !== 'client_credentials') return reply(400, { error: 'unsupported_grant_type', message: 'Only client_credentials is supported.' });
    if (body.client_id !== this.settings.clientId || body.client_secret !== this.settings.clientSecret) {
      return reply(401, { error: 'invalid_client', message: 'Client authentication failed.' });
    }
    const now = Date.now();
    for (const [token, expiresAt] of this.tokens) if (expiresAt <= now) this.tokens.delete(token);
    const token = randomBytes(24).toString('base64url');
    const expiresAt = now + this.settings.tokenTtlSeconds * 1000;
    this.tokens.set(token, expiresAt);
    this.tokensIssued++;
    return reply(200, { access_token: token, expire_on: new Date(expiresAt).toISOString(), scope: 'wholesale', token_type: 'Bearer' });
  }

  private authorised(token: string | null): boolean {
    const expiresAt = token === null ? undefined : this.tokens.get(token);
    return expiresAt !== undefined && expiresAt > Date.now();
  }

  // ------------------------------------------------------------------------------------------- admin

  private async admin(method: string, path: string, url: URL, req: http.IncomingMessage): Promise<Reply> {
    const decoded = path.split('/').slice(1).map(decodeComponent);
    if (decoded.some((part) => part === undefined)) return reply(400, { message: `the path ${path} has a malformed percent-escape` });
    const parts = decoded as string[];
    const now = this.clock().toISOString();
    const route = `${method} /${parts[0] ?? ''}`;
    switch (route) {
      case 'GET /state':
        return reply(200, this.state());
      case 'GET /calls':
        return reply(200, this.calls());
      case 'DELETE /calls':
        this.resetCalls();
        return reply(204, null);
      case 'GET /defects': {
        if (parts[1] === 'counts') return reply(200, this.store.defectCounts());
        if (parts.length === 3) {
          const defects = this.store.inspect(documentType(parts[1]), parts[2]);
          return defects ? reply(200, { reference: parts[2], defects }) : reply(404, { message: `no ${parts[1]} ${parts[2]}` });
        }
        const type = url.searchParams.get('type');
        return reply(200, this.store.defects(type === null ? undefined : documentType(type)));
      }
      case 'GET /faults':
        return reply(200, this.faults.list());
      case 'POST /faults':
        return reply(201, this.faults.add((await readJson(req)) as unknown as FaultSpec));
      case 'DELETE /faults':
        if (parts[1] === undefined) this.faults.clear();
        else if (!this.faults.remove(Number(parts[1]))) return reply(404, { message: `no fault ${parts[1]}` });
        return reply(204, null);
      case 'POST /tokens':
        if (parts[1] !== 'revoke') break;
        return reply(200, { revoked: this.revokeTokens() });
      case 'PUT /settings':
        return reply(200, this.applySettings(await readJson(req)));
    }
    if (parts.length === 1 && method === 'POST' && isListing(parts[0]) && parts[0] !== 'orders') {
      return reply(201, this.set(parts[0]).create(await readJson(req), now));
    }
    if (parts.length === 2 && method === 'PATCH' && isListing(parts[0])) {
      return reply(200, this.set(parts[0]).change(parts[1], await readJson(req), now));
    }
    if (parts.length === 2 && method === 'GET' && isListing(parts[0])) {
      const doc = this.set(parts[0]).get(parts[1]);
      return doc ? reply(200, doc) : reply(404, { message: `no ${parts[0]} ${parts[1]}` });
    }
    return reply(404, { message: `no admin route ${method} ${path}` });
  }

  state() {
    const { clientSecret: _secret, ...visible } = this.settings;
    return {
      settings: visible,
      seed: this.store.config.seed,
      defectRate: this.store.config.defectRate,
      knownTaxRates: KNOWN_TAX_RATES,
      counts: {
        invoices: this.store.invoices.size(),
        credit_notes: this.store.creditNotes.size(),
        orders: this.store.orders.size(),
        retailers: this.store.retailers.size(),
      },
      faults: this.faults.list(),
      tokensIssued: this.tokensIssued,
      rateLimit: this.rateLimiter.stats(),
    };
  }

  applySettings(changes: Record<string, unknown>): Omit<SandboxSettings, 'clientSecret'> {
    if ('pagingHeaders' in changes) {
      if (typeof changes.pagingHeaders !== 'boolean') throw new SandboxRequestError(422, 'pagingHeaders must be a boolean');
      this.settings.pagingHeaders = changes.pagingHeaders;
    }
    for (const key of ['pageSize', 'tokenTtlSeconds', 'rateLimitWindowMs'] as const) {
      if (!(key in changes)) continue;
      const value = changes[key];
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw new SandboxRequestError(422, `${key} must be a positive integer`);
      this.settings[key] = value;
    }
    if ('rateLimit' in changes) {
      const value = changes.rateLimit;
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0)
        throw new SandboxRequestError(422, 'rateLimit must be an integer of at least 0 (0: no limit)');
      this.settings.rateLimit = value;
    }
    if ('clockOffsetMs' in changes) {
      const value = changes.clockOffsetMs;
      if (typeof value !== 'number' || !Number.isInteger(value)) throw new SandboxRequestError(422, 'clockOffsetMs must be an integer (negative: behind)');
      this.settings.clockOffsetMs = value;
    }
    // A limit changed is a fresh start: counts and windows reset.
    if ('rateLimit' in changes || 'rateLimitWindowMs' in changes) this.rateLimiter.configure(this.settings.rateLimit, this.settings.rateLimitWindowMs);
    return this.state().settings;
  }
}

const FILTER_FORMAT = 'an ISO 8601 date-time such as 2026-03-10T09:00:00Z (or 2026-03-10T10:00:00+01:00), or a date';
// A zone is required on a date-time: without one, the instant would depend on whose clock reads it.
const DATE_TIME = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2}))?$/;

/** update_time_from/to, both ends included; a date alone is that day's start (from) or end (to) in UTC. */
function updateTimeRange(params: URLSearchParams): UpdateTimeRange | { errors: Record<string, string[]> } {
  const errors: Record<string, string[]> = {};
  const read = (name: 'update_time_from' | 'update_time_to'): number | undefined => {
    const raw = params.get(name);
    if (raw === null || raw === '') return undefined;
    const value = raw.trim();
    // A day the calendar has: Date.parse reads 2026-02-30 as 2 March, Laravel's date rule refuses it.
    let ms = DATE_TIME.test(value) && isCalendarDay(value.slice(0, 10)) ? Date.parse(value.replace(' ', 'T')) : NaN;
    if (!Number.isNaN(ms) && value.length === 10 && name === 'update_time_to') ms += 86_400_000 - 1;
    if (Number.isNaN(ms)) errors[name] = [`The ${name} must be ${FILTER_FORMAT}.`];
    return ms;
  };
  const fromMs = read('update_time_from');
  const toMs = read('update_time_to');
  if (!errors.update_time_from && !errors.update_time_to && fromMs !== undefined && toMs !== undefined && fromMs > toMs) {
    errors.update_time_to = ['The update_time_to must be a date after or equal to update_time_from.'];
  }
  return Object.keys(errors).length ? { errors } : { fromMs, toMs };
}

function documentType(name: string): DocumentType {
  if (name === 'invoice' || name === 'invoices') return 'invoice';
  if (name === 'credit_note' || name === 'credit_notes') return 'credit_note';
  throw new SandboxRequestError(422, `type must be invoice or credit_note, got ${name}`);
}
