// The sandbox over HTTP: the LNB Wholesale API v2 shape under /apis/wholesale/v2 (token as a query
// parameter, X-Pagination headers, 401/404/422/429/5xx as the reference describes) and an admin API
// under /__admin, neither counted nor faulted, guarded by admin-access.ts. It serves one or more
// accounts: a token answers from its own account's store only, as LNB answers a brand's API client.
import { decodeComponent, isCalendarDay, jsonTextDepth, requestUrl, strictInteger } from '@lnbx/http-input';
import { randomBytes } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SandboxAccount } from './account';
import type { AdminAccess } from './admin-access';
import { KNOWN_TAX_RATES } from './catalogue';
import { type ActiveFault, type FaultSpec, Faults } from './faults';
import { type AnyDocumentSet, type DocumentType, SandboxRequestError, SandboxStore, type UpdateTimeRange } from './store';

export const API_BASE = '/apis/wholesale/v2';
export const ADMIN_BASE = '/__admin';

/** The API's own behaviour, the same for every account (each account's rate limit is its own). */
export interface SandboxSettings {
  pageSize: number;
  /** Off, the listings answer without X-Pagination headers, as the SDK warns they may. */
  pagingHeaders: boolean;
  tokenTtlSeconds: number;
  /** How far the sandbox's clock is from the machine's (negative: behind); stamps update_time of changes. */
  clockOffsetMs: number;
  /**
   * Bytes of encoded listing pages kept (0: none): a page is built and encoded once until a document
   * changes, as a real API's cache would serve it. Building and encoding 100,000
   * invoices took about 4 s of the sandbox's CPU per pass, most of an incremental run's wall time.
   */
  pageCacheBytes: number;
}

type Json = unknown;
/** `encoded`: the body already written as JSON bytes (a cached listing page). */
type Reply = { status: number; body: Json; headers?: Record<string, string>; encoded?: Buffer };

const reply = (status: number, body: Json, headers?: Record<string, string>): Reply => ({ status, body, headers });
const MAX_BODY_BYTES = 1_048_576;
/** PHP's json_decode gives up past 512 levels (its default depth), as on any JSON it cannot read. */
const MAX_JSON_DEPTH = 512;

/** The body, or what is wrong with it, kept to answer after the rate limit and faults have had their say. */
async function readJsonOrError(req: http.IncomingMessage): Promise<Record<string, unknown> | SandboxRequestError> {
  try {
    return await readJson(req);
  } catch (err) {
    if (err instanceof SandboxRequestError) return err;
    throw err;
  }
}

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
  /** Answers requests that cannot be tied to an account (no token, an unknown one, an unknown client_id). */
  readonly defaultAccount: SandboxAccount;
  private readonly accountsById: Map<string, SandboxAccount>;
  /** Each token with the account it was issued to and when it expires. */
  private readonly tokens = new Map<string, { account: SandboxAccount; expiresAt: number }>();
  private readonly server: http.Server;
  /** Encoded listing pages by account, listing, page and page size, with the store's version they show; oldest first. */
  private readonly pages = new Map<string, { version: number; body: Buffer }>();
  private pageBytes = 0;

  constructor(
    readonly accounts: readonly SandboxAccount[],
    readonly settings: SandboxSettings,
    private readonly adminAccess: AdminAccess,
  ) {
    if (accounts.length === 0) throw new Error('LNB sandbox: at least one account');
    this.defaultAccount = accounts[0];
    this.accountsById = new Map(accounts.map((account) => [account.id, account]));
    this.faults = new Faults(this.defaultAccount.store.config.seed, [...this.accountsById.keys()]);
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

  account(id: string): SandboxAccount | undefined {
    return this.accountsById.get(id);
  }

  /** Invalidates every token of this account (the others' keep working); how many it held. */
  revokeTokens(account: SandboxAccount): number {
    let revoked = 0;
    for (const [token, grant] of this.tokens) {
      if (grant.account !== account) continue;
      this.tokens.delete(token);
      revoked++;
    }
    return revoked;
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
    // A token request is read first: its client_id says whose limit, faults and counts it falls under.
    const tokenRequest = method === 'POST' && path === '/auth/token' ? await readJsonOrError(req) : undefined;
    const account = tokenRequest === undefined ? this.accountOfToken(url.searchParams.get('access_token')) : this.accountOfClient(tokenRequest);
    const admitted = account.rateLimiter.admit(Date.now());
    if (!admitted.ok) {
      account.count(route, '429');
      this.send(res, reply(429, { message: 'Too Many Requests' }, { 'retry-after': String(admitted.retryAfterSeconds) }));
      return;
    }
    const { latencyMs, fault } = this.faults.hits(method, path, account.id);
    if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs));
    if (fault?.kind === 'drop-connection') {
      account.count(route, 'dropped');
      req.socket.destroy();
      return;
    }
    const answer = fault ? this.faultReply(fault) : await this.guard(() => this.api(account, method, path, url, tokenRequest));
    account.count(route, String(answer.status));
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

  private accountOfToken(token: string | null): SandboxAccount {
    return (token === null ? undefined : this.tokens.get(token)?.account) ?? this.defaultAccount;
  }

  private accountOfClient(body: Record<string, unknown> | SandboxRequestError): SandboxAccount {
    const clientId = body instanceof SandboxRequestError ? undefined : body.client_id;
    return this.accounts.find((account) => account.clientId === clientId) ?? this.defaultAccount;
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

  /** `account` is the token's: every document comes from its store, so another account's reference is a 404 like a missing one. */
  private api(account: SandboxAccount, method: string, path: string, url: URL, tokenRequest: Record<string, unknown> | SandboxRequestError | undefined): Reply {
    if (tokenRequest !== undefined) {
      if (tokenRequest instanceof SandboxRequestError) throw tokenRequest;
      return this.issueToken(tokenRequest);
    }
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
      const doc = documentSet(account.store, collection).get(wanted);
      return doc ? reply(200, doc) : reply(404, { message: `No query results for ${collection} ${wanted}` });
    }
    return this.list(account, collection, url.searchParams);
  }

  private list(account: SandboxAccount, collection: Listing, params: URLSearchParams): Reply {
    const pageParam = params.get('page');
    // Laravel's integer rule: digits, not `1e3` or `0x10` (which Number() would read).
    const page = pageParam === null ? 1 : (strictInteger(pageParam) ?? NaN);
    if (!Number.isInteger(page) || page < 1) {
      return reply(422, { message: 'The given data was invalid.', errors: { page: ['The page must be an integer of at least 1.'] } });
    }
    const { store } = account;
    const set = documentSet(store, collection);
    const size = this.settings.pageSize;
    // Orders filter by update_time (the other documented filters are not modelled and are ignored).
    const filteredByTime = collection === 'orders' && (params.has('update_time_from') || params.has('update_time_to'));
    const range = filteredByTime ? updateTimeRange(params) : undefined;
    if (range && 'errors' in range) return reply(422, { message: 'The given data was invalid.', errors: range.errors });
    const filtered = range ? store.ordersUpdated(range) : undefined;
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
        filtered.slice((page - 1) * size, page * size).map((i) => store.orders.at(i)),
        headers,
      );
    return { status: 200, body: undefined, headers, encoded: this.encodedPage(account, collection, set, page, size) };
  }

  /** A listing page as JSON bytes, from the cache while no document of its account has changed. */
  private encodedPage(account: SandboxAccount, collection: Listing, set: AnyDocumentSet, page: number, size: number): Buffer {
    const key = `${account.id}:${collection}:${page}:${size}`;
    const cached = this.pages.get(key);
    const version = account.store.version;
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
    // Every account is tried, so the answer takes as long whether the client_id exists or not.
    const matches = this.accounts.filter((candidate) => candidate.authenticates(body.client_id, body.client_secret));
    const account = matches[0];
    if (account === undefined) return reply(401, { error: 'invalid_client', message: 'Client authentication failed.' });
    const now = Date.now();
    for (const [token, grant] of this.tokens) if (grant.expiresAt <= now) this.tokens.delete(token);
    const token = randomBytes(24).toString('base64url');
    const expiresAt = now + this.settings.tokenTtlSeconds * 1000;
    this.tokens.set(token, { account, expiresAt });
    account.tokensIssued++;
    return reply(200, { access_token: token, expire_on: new Date(expiresAt).toISOString(), scope: 'wholesale', token_type: 'Bearer' });
  }

  private authorised(token: string | null): boolean {
    const grant = token === null ? undefined : this.tokens.get(token);
    return grant !== undefined && grant.expiresAt > Date.now();
  }

  // ------------------------------------------------------------------------------------------- admin

  /**
   * Every route acts on the default account, or on `?account=<id>`'s. Faults are the sandbox's: without
   * `?account` they are listed and cleared whole and a spec hits the account it names (or every one);
   * with it, only those that hit that account, and a new one hits it alone.
   */
  private async admin(method: string, path: string, url: URL, req: http.IncomingMessage): Promise<Reply> {
    const decoded = path.split('/').slice(1).map(decodeComponent);
    if (decoded.some((part) => part === undefined)) return reply(400, { message: `the path ${path} has a malformed percent-escape` });
    const parts = decoded as string[];
    const wanted = url.searchParams.get('account');
    const scoped = wanted === null ? undefined : this.account(wanted);
    if (wanted !== null && scoped === undefined) {
      return reply(404, { message: `no account "${wanted}" (query parameter account): GET ${ADMIN_BASE}/accounts lists them` });
    }
    const account = scoped ?? this.defaultAccount;
    const { store } = account;
    const now = this.clock().toISOString();
    const route = `${method} /${parts[0] ?? ''}`;
    switch (route) {
      case 'GET /accounts':
        if (parts.length === 1) return reply(200, this.accountList());
        break;
      case 'GET /state':
        return reply(200, this.state(account));
      case 'GET /calls':
        return reply(200, account.calls());
      case 'DELETE /calls':
        account.resetCalls();
        return reply(204, null);
      case 'GET /defects': {
        if (parts[1] === 'counts') return reply(200, store.defectCounts());
        if (parts.length === 3) {
          const defects = store.inspect(documentType(parts[1]), parts[2]);
          return defects ? reply(200, { reference: parts[2], defects }) : reply(404, { message: `no ${parts[1]} ${parts[2]}` });
        }
        const type = url.searchParams.get('type');
        return reply(200, store.defects(type === null ? undefined : documentType(type)));
      }
      case 'GET /faults':
        return reply(200, this.faultsOf(scoped));
      case 'POST /faults':
        return reply(201, this.addFault((await readJson(req)) as unknown as FaultSpec, scoped));
      case 'DELETE /faults':
        if (parts[1] === undefined) this.clearFaults(scoped);
        else if (!this.removeFault(Number(parts[1]), scoped)) return reply(404, { message: `no fault ${parts[1]}` });
        return reply(204, null);
      case 'POST /tokens':
        if (parts[1] !== 'revoke') break;
        return reply(200, { revoked: this.revokeTokens(account) });
      case 'PUT /settings':
        return reply(200, this.applySettings(account, await readJson(req)));
    }
    if (parts.length === 1 && method === 'POST' && isListing(parts[0]) && parts[0] !== 'orders') {
      return reply(201, documentSet(store, parts[0]).create(await readJson(req), now));
    }
    if (parts.length === 2 && method === 'PATCH' && isListing(parts[0])) {
      return reply(200, documentSet(store, parts[0]).change(parts[1], await readJson(req), now));
    }
    if (parts.length === 2 && method === 'GET' && isListing(parts[0])) {
      const doc = documentSet(store, parts[0]).get(parts[1]);
      return doc ? reply(200, doc) : reply(404, { message: `no ${parts[0]} ${parts[1]}` });
    }
    return reply(404, { message: `no admin route ${method} ${path}` });
  }

  /** The accounts without their secrets, the default first. */
  accountList() {
    return this.accounts.map((account, position) => ({
      id: account.id,
      clientId: account.clientId,
      default: position === 0,
      seed: account.store.config.seed,
      brand: account.store.config.brand,
    }));
  }

  /** Every fault, or those that hit `account` (its own and those of every account). */
  faultsOf(account?: SandboxAccount): ActiveFault[] {
    const all = this.faults.list();
    return account === undefined ? all : all.filter((fault) => fault.account === undefined || fault.account === account.id);
  }

  /** A fault that hits the account the spec names (or every one); given `account`, that account alone. */
  addFault(spec: FaultSpec, account?: SandboxAccount): ActiveFault {
    if (account === undefined) return this.faults.add(spec);
    if (spec.account !== undefined && spec.account !== account.id) {
      throw new SandboxRequestError(422, `account "${String(spec.account)}" in the fault contradicts the account "${account.id}" it is added to`);
    }
    return this.faults.add({ ...spec, account: account.id });
  }

  /** Every fault, or those aimed at `account` alone (a fault on every account stays). */
  clearFaults(account?: SandboxAccount): void {
    if (account === undefined) this.faults.clear();
    else for (const fault of this.faults.list()) if (fault.account === account.id) this.faults.remove(fault.id);
  }

  removeFault(id: number, account?: SandboxAccount): boolean {
    if (account !== undefined && this.faults.list().find((fault) => fault.id === id)?.account !== account.id) return false;
    return this.faults.remove(id);
  }

  state(account: SandboxAccount) {
    const { store } = account;
    const rateLimit = account.rateLimiter.stats();
    return {
      account: account.id,
      settings: { ...this.settings, clientId: account.clientId, rateLimit: rateLimit.limit, rateLimitWindowMs: rateLimit.windowMs },
      seed: store.config.seed,
      brand: store.config.brand,
      defectRate: store.config.defectRate,
      knownTaxRates: KNOWN_TAX_RATES,
      counts: {
        invoices: store.invoices.size(),
        credit_notes: store.creditNotes.size(),
        orders: store.orders.size(),
        retailers: store.retailers.size(),
      },
      faults: this.faultsOf(account),
      tokensIssued: account.tokensIssued,
      rateLimit,
    };
  }

  /** The API's settings (every account's), and the rate limit of `account`. */
  applySettings(account: SandboxAccount, changes: Record<string, unknown>): ReturnType<SandboxServer['state']>['settings'] {
    let { limit, windowMs } = account.rateLimiter.stats();
    if ('pagingHeaders' in changes) {
      if (typeof changes.pagingHeaders !== 'boolean') throw new SandboxRequestError(422, 'pagingHeaders must be a boolean');
      this.settings.pagingHeaders = changes.pagingHeaders;
    }
    for (const key of ['pageSize', 'tokenTtlSeconds', 'rateLimitWindowMs'] as const) {
      if (!(key in changes)) continue;
      const value = changes[key];
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw new SandboxRequestError(422, `${key} must be a positive integer`);
      if (key === 'rateLimitWindowMs') windowMs = value;
      else this.settings[key] = value;
    }
    if ('rateLimit' in changes) {
      const value = changes.rateLimit;
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0)
        throw new SandboxRequestError(422, 'rateLimit must be an integer of at least 0 (0: no limit)');
      limit = value;
    }
    if ('clockOffsetMs' in changes) {
      const value = changes.clockOffsetMs;
      if (typeof value !== 'number' || !Number.isInteger(value)) throw new SandboxRequestError(422, 'clockOffsetMs must be an integer (negative: behind)');
      this.settings.clockOffsetMs = value;
    }
    // A limit changed is a fresh start: counts and windows reset.
    if ('rateLimit' in changes || 'rateLimitWindowMs' in changes) account.rateLimiter.configure(limit, windowMs);
    return this.state(account).settings;
  }
}

const DOCUMENT_SETS: Record<Listing, (store: SandboxStore) => AnyDocumentSet> = {
  invoices: (store) => store.invoices,
  credit_notes: (store) => store.creditNotes,
  orders: (store) => store.orders,
  retailers: (store) => store.retailers,
};
const documentSet = (store: SandboxStore, collection: Listing): AnyDocumentSet => DOCUMENT_SETS[collection](store);

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
