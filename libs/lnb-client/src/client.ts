// The Le New Black Wholesale API v2 client: the one place for auth, paging, retries and redaction.
// Plain TypeScript, no Nest, so the poller can provide it through DI and tests can run it bare.
import { nextTry, parseRetryAfterMs, redact, type RetryPolicy } from '@lnbx/contracts';
import { CREDIT_NOTES_PATH, creditNoteFromApi, creditNotePath } from './credit-notes.adapter';
import { LnbError, type LnbErrorCode } from './errors';
import { LruCache } from './lru-cache';
import { ORDERS_PATH, type OrderUpdateRange, updatedBetweenQuery } from './orders-changes.adapter';
import type { LnbApiVersion, LnbCreditNote, LnbInvoice, LnbOrder, LnbRetailer } from './model';
import { type PaginationInfo, hasMorePages, parsePagination } from './pagination';
import { type FetchLike, fetchTransport, type HttpAnswer, nodeTransport, type Transport } from './transport';

export type { FetchLike } from './transport';

/** Compatible with Nest's Logger, so the poller can pass one in. Every message is already redacted. */
export interface LnbLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  debug?(message: string): void;
}

/** One HTTP exchange, for metrics: `route` is a template ("/invoices/:reference"), never a URL. */
export interface LnbRequestEvent {
  method: string;
  route: string;
  /** HTTP status, or 0 when no answer came (network error, timeout). */
  status: number;
  durationMs: number;
  errorCode?: LnbErrorCode;
}

/**
 * A budget every request is spent from (e.g. one shared by every poller instance of a connection):
 * `acquire` before each exchange with LNB, token requests included; `slowDown` when LNB answers 429.
 */
export interface LnbRequestGate {
  /** Resolves when one more request may go. */
  acquire(): Promise<void>;
  /** LNB answered 429: nothing should go for `retryAfterMs` (undefined: LNB did not say how long). */
  slowDown(retryAfterMs: number | undefined): void;
}

export interface LnbClientOptions {
  /** e.g. https://www.lenewblack.com/apis/wholesale/v2 */
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  /** Replaces the default transport (node:http with kept-alive connections), e.g. with a fake in tests. */
  fetch?: FetchLike;
  logger?: LnbLogger;
  retry: RetryPolicy;
  /** LNB's page size, used when the X-Pagination headers are missing. Default 500. */
  pageSize?: number;
  /** Per HTTP exchange. Default 30 s. */
  timeoutMs?: number;
  /**
   * Orders and retailers are shared by several invoices. Default 1,000 entries each (`maxOrders`
   * for orders alone), 5 minutes.
   */
  cache?: { maxEntries?: number; maxOrders?: number; ttlMs?: number };
  onRequest?: (event: LnbRequestEvent) => void;
  /** Spent before every request; told about every 429. Default: none (as fast as answers come). */
  gate?: LnbRequestGate;
  /** Injected in tests to drive token expiry and backoff without waiting. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export interface LnbPage<T> {
  page: number;
  items: T[];
  pagination: PaginationInfo;
}

export interface ListOptions {
  /** Resume a listing at this page (1-based). */
  fromPage?: number;
  /** Filters sent with every page (the adapters build them). */
  query?: Record<string, string>;
}

interface Token {
  value: string;
  renewAt: number;
}

interface Answer {
  body: unknown;
  headers: HttpAnswer['headers'];
}

type Query = Record<string, string>;

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Renew this long before expiry, at most a tenth of the token's life. */
const RENEWAL_MARGIN_MS = 60_000;
/** When expire_on cannot be read, assume a short life rather than fail every call. */
const FALLBACK_TOKEN_LIFE_MS = 5 * 60_000;

export class LnbClient {
  private readonly baseUrl: string;
  private readonly transport: Transport;
  private readonly pageSize: number;
  private readonly timeoutMs: number;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly orderCache: LruCache<string, Promise<LnbOrder>>;
  private readonly retailerCache: LruCache<string, Promise<LnbRetailer>>;
  private token?: Token;
  private tokenRequest?: Promise<string>;

  constructor(private readonly options: LnbClientOptions) {
    const { retry } = options;
    if (!(Number.isInteger(retry.maxAttempts) && retry.maxAttempts >= 1)) throw new Error('retry.maxAttempts must be an integer of at least 1');
    if (!(retry.baseDelayMs >= 0 && retry.maxDelayMs >= retry.baseDelayMs)) throw new Error('retry delays must satisfy 0 <= baseDelayMs <= maxDelayMs');
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.transport = options.fetch ? fetchTransport(options.fetch) : nodeTransport();
    this.pageSize = options.pageSize ?? 500;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.random = options.random ?? Math.random;
    const maxEntries = options.cache?.maxEntries ?? 1000;
    const ttlMs = options.cache?.ttlMs ?? 5 * 60_000;
    this.orderCache = new LruCache(options.cache?.maxOrders ?? maxEntries, ttlMs, this.now);
    this.retailerCache = new LruCache(maxEntries, ttlMs, this.now);
  }

  /**
   * Asks LNB for a token with the client's credentials and keeps it: resolves when LNB grants one, throws
   * LNB.AUTH_REFUSED when LNB refuses them (or LNB.UNAVAILABLE, ... when it cannot tell).
   */
  async checkCredentials(): Promise<void> {
    await this.accessToken();
  }

  // ------------------------------------------------------------------------------------------ resources

  invoices(options: ListOptions = {}): AsyncGenerator<LnbInvoice> {
    return this.paginate<LnbInvoice>('/invoices', options);
  }

  async *creditNotes(options: ListOptions = {}): AsyncGenerator<LnbCreditNote> {
    for await (const raw of this.paginate<Record<string, unknown>>(CREDIT_NOTES_PATH, options)) yield creditNoteFromApi(raw);
  }

  orders(options: ListOptions = {}): AsyncGenerator<LnbOrder> {
    return this.paginate<LnbOrder>(ORDERS_PATH, options);
  }

  /** The orders LNB says were updated in the range, a page at a time (the filter's ASSUMED meaning: orders-changes.adapter.ts). */
  ordersUpdated(range: OrderUpdateRange, options: Omit<ListOptions, 'query'> = {}): AsyncGenerator<LnbPage<LnbOrder>> {
    return this.pages<LnbOrder>(ORDERS_PATH, { ...options, query: updatedBetweenQuery(range) });
  }

  retailers(options: ListOptions = {}): AsyncGenerator<LnbRetailer> {
    return this.paginate<LnbRetailer>('/retailers', options);
  }

  invoice(reference: string): Promise<LnbInvoice> {
    return this.document<LnbInvoice>('/invoices/:reference', `/invoices/${encodeURIComponent(reference)}`);
  }

  async creditNote(reference: string): Promise<LnbCreditNote> {
    return creditNoteFromApi(await this.document<Record<string, unknown>>(`${CREDIT_NOTES_PATH}/:reference`, creditNotePath(reference)));
  }

  order(reference: string): Promise<LnbOrder> {
    return this.cached(this.orderCache, reference, () => this.document<LnbOrder>('/orders/:reference', `/orders/${encodeURIComponent(reference)}`));
  }

  retailer(reference: string): Promise<LnbRetailer> {
    return this.cached(this.retailerCache, reference, () => this.document<LnbRetailer>('/retailers/:reference', `/retailers/${encodeURIComponent(reference)}`));
  }

  async version(): Promise<LnbApiVersion> {
    const { body } = await this.call('GET', '/version', '/version');
    if (!isRecord(body)) throw this.malformed('GET /version', 'an object');
    return body as unknown as LnbApiVersion;
  }

  /** Closes the connections kept alive to LNB; the client must not be used afterwards. */
  close(): void {
    this.transport.close?.();
  }

  /** Forget cached orders and retailers, e.g. at the start of a run, so fixes made in LNB are seen. */
  clearCaches(): void {
    this.orderCache.clear();
    this.retailerCache.clear();
  }

  // ------------------------------------------------------------------------------------------ paging

  /** Every item of a listing, one page in memory at a time. */
  async *paginate<T>(path: string, options: ListOptions = {}): AsyncGenerator<T> {
    for await (const page of this.pages<T>(path, options)) yield* page.items;
  }

  /** The pages of a listing, for callers that checkpoint by page. */
  async *pages<T>(path: string, { fromPage = 1, query = {} }: ListOptions = {}): AsyncGenerator<LnbPage<T>> {
    for (let page = fromPage; ; page++) {
      const { body, headers } = await this.call('GET', path, path, { ...query, page: String(page) });
      if (!Array.isArray(body) || !body.every(isRecord)) throw this.malformed(`GET ${path}?page=${page}`, 'an array of objects');
      const pagination = parsePagination(headers);
      yield { page, items: body as T[], pagination };
      if (!hasMorePages(pagination, page, body.length, this.pageSize)) return;
    }
  }

  // ------------------------------------------------------------------------------------------ plumbing

  /** Redacts the access token and the client secret, by pattern and by value, from any text. */
  redact(text: string | URL): string {
    return redact(text, [this.token?.value, this.options.clientSecret]);
  }

  private async document<T>(route: string, path: string): Promise<T> {
    const { body } = await this.call('GET', route, path);
    if (!isRecord(body)) throw this.malformed(`GET ${path}`, 'an object');
    return body as T;
  }

  private cached<T>(cache: LruCache<string, Promise<T>>, key: string, load: () => Promise<T>): Promise<T> {
    const hit = cache.get(key);
    if (hit) return hit;
    // The promise is cached, so concurrent lookups of one reference share a single request.
    const pending = load();
    cache.set(key, pending);
    pending.catch(() => cache.delete(key));
    return pending;
  }

  /** One API call with a token: retried on retriable failures, and once with a new token on a 401. */
  private call(method: string, route: string, path: string, query: Query = {}): Promise<Answer> {
    return this.withRetries(`${method} ${route}`, async () => {
      const token = await this.accessToken();
      try {
        return await this.exchange(method, route, path, { ...query, access_token: token });
      } catch (err) {
        if (!(err instanceof LnbError && err.status === 401)) throw err;
        this.forgetToken(token);
        const fresh = await this.accessToken();
        try {
          return await this.exchange(method, route, path, { ...query, access_token: fresh });
        } catch (again) {
          if (again instanceof LnbError && again.status === 401) {
            throw new LnbError('LNB.AUTH_REFUSED', `Le New Black refused a freshly issued access token on ${method} ${path}`, { status: 401 });
          }
          throw again;
        }
      }
    });
  }

  private async withRetries<T>(what: string, operation: () => Promise<T>): Promise<T> {
    const { retry } = this.options;
    for (let attempt = 1; ; attempt++) {
      try {
        return await operation();
      } catch (err) {
        // Anything but an LnbError is a bug here, not a bad answer from LNB: never retried.
        if (!(err instanceof LnbError)) throw err;
        // A Retry-After beyond retry.maxRetryAfterMs goes back to the caller, who reschedules.
        const next = nextTry(attempt, err, retry, this.random);
        if (!next.retry) throw err.afterAttempts(attempt);
        this.options.logger?.warn(this.redact(`${what}: ${err.code} ${err.message}; attempt ${attempt + 1} of ${retry.maxAttempts} in ${next.delayMs} ms`));
        await this.sleep(next.delayMs);
      }
    }
  }

  private async accessToken(): Promise<string> {
    if (this.token && this.now() < this.token.renewAt) return this.token.value;
    // One token request at a time: concurrent calls wait for the same one.
    this.tokenRequest ??= this.requestToken().finally(() => {
      this.tokenRequest = undefined;
    });
    return this.tokenRequest;
  }

  private forgetToken(refused: string): void {
    if (this.token?.value === refused) this.token = undefined;
  }

  private async requestToken(): Promise<string> {
    const body = JSON.stringify({ client_id: this.options.clientId, client_secret: this.options.clientSecret, grant_type: 'client_credentials' });
    let answer: Answer;
    try {
      answer = await this.exchange('POST', '/auth/token', '/auth/token', {}, body);
    } catch (err) {
      if (err instanceof LnbError && [400, 401, 403].includes(err.status ?? 0)) {
        throw new LnbError('LNB.AUTH_REFUSED', `Le New Black refused the client credentials (HTTP ${err.status}): ${err.message}`, { status: err.status });
      }
      throw err;
    }
    const { body: granted } = answer;
    if (!isRecord(granted) || typeof granted.access_token !== 'string' || granted.access_token === '') {
      throw this.malformed('POST /auth/token', 'an object with an access_token');
    }
    const issuedAt = this.now();
    let expiresAt = typeof granted.expire_on === 'string' ? Date.parse(granted.expire_on) : NaN;
    if (Number.isNaN(expiresAt)) {
      this.options.logger?.warn(`POST /auth/token: unreadable expire_on ${JSON.stringify(granted.expire_on)}; renewing in ${FALLBACK_TOKEN_LIFE_MS} ms`);
      expiresAt = issuedAt + FALLBACK_TOKEN_LIFE_MS;
    }
    const margin = Math.min(RENEWAL_MARGIN_MS, Math.max(0, expiresAt - issuedAt) / 10);
    this.token = { value: granted.access_token, renewAt: expiresAt - margin };
    this.options.logger?.debug?.(`POST /auth/token: token valid until ${new Date(expiresAt).toISOString()}`);
    return granted.access_token;
  }

  /** One HTTP exchange, mapped to an LnbError when it fails. Never retries. */
  private async exchange(method: string, route: string, path: string, query: Query, body?: string): Promise<Answer> {
    const url = new URL(this.baseUrl + path);
    for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
    // Written (and redacted) only when a message needs it: most requests never do.
    const shown = (): string => `${method} ${this.redact(url.pathname + url.search)}`;
    const started = this.now();
    const report = (status: number, errorCode?: LnbErrorCode): void => {
      this.options.onRequest?.({ method, route, status, durationMs: this.now() - started, errorCode });
    };
    if (this.options.gate) await this.options.gate.acquire();
    let response: HttpAnswer;
    try {
      response = await this.transport(url, {
        method,
        headers: body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
        body,
        timeoutMs: this.timeoutMs,
      });
    } catch (err) {
      report(0, 'LNB.UNAVAILABLE');
      throw new LnbError('LNB.UNAVAILABLE', this.redact(`Le New Black did not answer ${shown()}: ${describe(err, this.timeoutMs)}`));
    }
    const text = response.text;
    if (response.status >= 200 && response.status < 300) {
      try {
        const parsed: unknown = text === '' ? null : JSON.parse(text);
        report(response.status);
        if (this.options.logger?.debug) this.options.logger.debug(`${shown()} -> ${response.status} (${this.now() - started} ms)`);
        return { body: parsed, headers: response.headers };
      } catch {
        report(response.status, 'LNB.MALFORMED_RESPONSE');
        throw new LnbError('LNB.MALFORMED_RESPONSE', this.redact(`Le New Black answered ${shown()} with a body that is not JSON`), { status: response.status });
      }
    }
    const error = this.httpError(response, text, shown());
    report(response.status, error.code);
    if (error.code === 'LNB.RATE_LIMITED') this.options.gate?.slowDown(error.retryAfterMs);
    throw error;
  }

  private httpError(response: HttpAnswer, text: string, shown: string): LnbError {
    const status = response.status;
    let payload: Record<string, unknown> = {};
    try {
      const parsed: unknown = JSON.parse(text);
      if (isRecord(parsed)) payload = parsed;
    } catch {
      // An error page that is not JSON still maps by its status.
    }
    const said = [payload.message, payload.error].find((v): v is string => typeof v === 'string');
    const because = this.redact(said ? `: ${said}` : '');
    if (status === 401 || status === 403) {
      return new LnbError('LNB.AUTH_REFUSED', `Le New Black refused access (HTTP ${status}) to ${shown}${because}`, { status });
    }
    if (status === 404) return new LnbError('LNB.NOT_FOUND', `Le New Black has no such document: ${shown}${because}`, { status });
    if (status === 422) {
      const fieldErrors = this.fieldErrorsOf(payload.errors);
      const listed = Object.entries(fieldErrors)
        .map(([field, messages]) => `${field}: ${messages.join('; ')}`)
        .join(', ');
      return new LnbError('LNB.VALIDATION', `Le New Black rejected ${shown}${because}${listed ? ` (${this.redact(listed)})` : ''}`, { status, fieldErrors });
    }
    if (status === 429) {
      const retryAfterMs = parseRetryAfterMs(response.headers.get('retry-after'), this.now());
      return new LnbError('LNB.RATE_LIMITED', `Le New Black asked us to slow down (HTTP 429) on ${shown}`, { status, retryAfterMs });
    }
    if (status >= 500) return new LnbError('LNB.UNAVAILABLE', `Le New Black failed (HTTP ${status}) on ${shown}${because}`, { status });
    return new LnbError('LNB.REQUEST_REJECTED', `Le New Black rejected (HTTP ${status}) ${shown}${because}`, { status });
  }

  /** LNB's `errors` (field -> messages), redacted: a message may echo the value it refused. */
  private fieldErrorsOf(errors: unknown): Record<string, string[]> {
    if (!isRecord(errors)) return {};
    const out: Record<string, string[]> = {};
    for (const [field, messages] of Object.entries(errors)) {
      out[field] = (Array.isArray(messages) ? messages : [messages]).map((m) => this.redact(String(m)));
    }
    return out;
  }

  private malformed(what: string, expected: string): LnbError {
    return new LnbError('LNB.MALFORMED_RESPONSE', `Le New Black answered ${what} with something other than ${expected}`);
  }
}

function describe(err: unknown, timeoutMs?: number): string {
  if (!(err instanceof Error)) return String(err);
  if (err.name === 'TimeoutError' || err.name === 'AbortError') return `no answer within ${timeoutMs ?? '?'} ms`;
  const cause = err.cause instanceof Error ? ` (${(err.cause as Error & { code?: string }).code ?? err.cause.name}: ${err.cause.message})` : '';
  return `${err.message}${cause}`;
}
