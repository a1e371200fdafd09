import { LnbClient, type FetchLike, type LnbRequestEvent, type LnbRequestGate } from './client';
import { collect, failure } from './testing';

const BASE = 'https://lnb.test/apis/wholesale/v2';
const SECRET = 'client-secret-value';

interface Seen {
  method: string;
  path: string;
  query: URLSearchParams;
}

type Route = (req: Seen) => Response | Promise<Response>;

const json = (status: number, body: unknown, headers: Record<string, string> = {}): Response =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

/** A fake Le New Black: issues tokens tok-1, tok-2... and hands every other request to `route`. */
function setup(
  route: Route,
  {
    tokenLifeMs = 3_600_000,
    maxAttempts = 3,
    cache = undefined as { maxEntries?: number; maxOrders?: number } | undefined,
    gate = undefined as LnbRequestGate | undefined,
  } = {},
) {
  let clock = Date.UTC(2026, 0, 1);
  let tokens = 0;
  const seen: Seen[] = [];
  const sleeps: number[] = [];
  const logs: string[] = [];
  const events: LnbRequestEvent[] = [];
  const fetch: FetchLike = async (url, init) => {
    const u = new URL(url);
    const req = { method: init.method ?? 'GET', path: u.pathname.slice('/apis/wholesale/v2'.length), query: u.searchParams };
    seen.push(req);
    if (req.path === '/auth/token') {
      tokens++;
      return json(200, {
        access_token: `tok-${tokens}-Zq8pW3xY`,
        expire_on: new Date(clock + tokenLifeMs).toISOString(),
        scope: 'wholesale',
        token_type: 'Bearer',
      });
    }
    return route(req);
  };
  const logger = {
    log: (m: string) => logs.push(m),
    warn: (m: string) => logs.push(m),
    error: (m: string) => logs.push(m),
    debug: (m: string) => logs.push(m),
  };
  const client = new LnbClient({
    baseUrl: `${BASE}/`,
    clientId: 'id',
    clientSecret: SECRET,
    fetch,
    logger,
    pageSize: 500,
    retry: { maxAttempts, baseDelayMs: 100, maxDelayMs: 1_000, maxRetryAfterMs: 60_000 },
    onRequest: (e) => events.push(e),
    cache,
    gate,
    now: () => clock,
    sleep: async (ms) => {
      sleeps.push(ms);
      clock += ms;
    },
    random: () => 0.5,
  });
  return {
    client,
    seen,
    sleeps,
    logs,
    events,
    advance: (ms: number) => {
      clock += ms;
    },
    tokenRequests: () => seen.filter((r) => r.path === '/auth/token').length,
    dataRequests: () => seen.filter((r) => r.path !== '/auth/token'),
  };
}

const docs = (from: number, count: number) => Array.from({ length: count }, (_, i) => ({ reference_number: `INV-${from + i}` }));

describe('LnbClient paging', () => {
  it('follows X-Pagination-Has-More and sends the token as the access_token query parameter', async () => {
    const t = setup(({ query }) => {
      const page = Number(query.get('page'));
      return json(200, docs(page * 10, 2), { 'x-pagination-has-more': String(page < 3) });
    });
    const invoices = await collect(t.client.invoices());
    expect(invoices.map((d) => d.reference_number)).toEqual(['INV-10', 'INV-11', 'INV-20', 'INV-21', 'INV-30', 'INV-31']);
    expect(t.dataRequests().map((r) => [r.path, r.query.get('page'), r.query.get('access_token')])).toEqual([
      ['/invoices', '1', 'tok-1-Zq8pW3xY'],
      ['/invoices', '2', 'tok-1-Zq8pW3xY'],
      ['/invoices', '3', 'tok-1-Zq8pW3xY'],
    ]);
    expect(t.tokenRequests()).toBe(1);
  });

  it('without headers, asks for the next page only after a full one', async () => {
    const sizes = [500, 500, 20];
    const t = setup(({ query }) => json(200, docs(0, sizes[Number(query.get('page')) - 1] ?? 0)));
    expect(await collect(t.client.retailers())).toHaveLength(1020);
    expect(t.dataRequests()).toHaveLength(3);
  });

  it('without headers, ends on the empty page after an exact multiple', async () => {
    const sizes = [500, 500];
    const t = setup(({ query }) => json(200, docs(0, sizes[Number(query.get('page')) - 1] ?? 0)));
    expect(await collect(t.client.orders())).toHaveLength(1000);
    expect(t.dataRequests().map((r) => r.query.get('page'))).toEqual(['1', '2', '3']);
  });

  it('resumes at a page and yields pages with their headers', async () => {
    const t = setup(({ query }) => json(200, docs(0, 1), { 'x-pagination-total-pages': '4', 'x-pagination-current-page': query.get('page') ?? '' }));
    const pages = await collect(t.client.pages('/invoices', { fromPage: 3 }));
    expect(pages.map((p) => [p.page, p.pagination.currentPage, p.items.length])).toEqual([
      [3, 3, 1],
      [4, 4, 1],
    ]);
  });

  it('refuses a listing body that is not an array of objects', async () => {
    const t = setup(() => json(200, { data: [] }), { maxAttempts: 1 });
    const err = await failure(collect(t.client.invoices()));
    expect(err.code).toBe('LNB.MALFORMED_RESPONSE');
  });
});

describe('LnbClient tokens', () => {
  it('reuses a token, and renews it shortly before it expires', async () => {
    const t = setup(() => json(200, { name: 'LNB', version: '2' }));
    await t.client.version();
    t.advance(3_539_000);
    await t.client.version();
    expect(t.tokenRequests()).toBe(1);
    t.advance(2_000);
    await t.client.version();
    expect(t.tokenRequests()).toBe(2);
    expect(t.dataRequests().map((r) => r.query.get('access_token'))).toEqual(['tok-1-Zq8pW3xY', 'tok-1-Zq8pW3xY', 'tok-2-Zq8pW3xY']);
  });

  it('on a 401, fetches a new token and retries once', async () => {
    const t = setup(({ query }) =>
      query.get('access_token') === 'tok-1-Zq8pW3xY' ? json(401, { error: 'invalid_token' }) : json(200, { reference_number: 'INV-1' }),
    );
    expect((await t.client.invoice('INV-1')).reference_number).toBe('INV-1');
    expect(t.tokenRequests()).toBe(2);
    expect(t.sleeps).toEqual([]);
  });

  it('gives up with LNB.AUTH_REFUSED when the fresh token is refused too', async () => {
    const t = setup(() => json(401, { message: 'Unauthenticated.' }));
    const err = await failure(t.client.invoice('INV-1'));
    expect([err.code, err.retriable, err.status]).toEqual(['LNB.AUTH_REFUSED', false, 401]);
    expect(t.tokenRequests()).toBe(2);
    expect(t.dataRequests()).toHaveLength(2);
  });

  it('says when the client credentials are refused, without retrying', async () => {
    const fetch: FetchLike = async () => json(401, { error: 'invalid_client', message: 'Client authentication failed.' });
    const client = new LnbClient({ baseUrl: BASE, clientId: 'id', clientSecret: SECRET, fetch, retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 1 } });
    const err = await failure(client.version());
    expect(err.code).toBe('LNB.AUTH_REFUSED');
    expect(err.message).toMatch(/refused the client credentials \(HTTP 401\).*Client authentication failed/);
  });
});

describe('LnbClient retries', () => {
  it('retries 5xx with exponential backoff, then succeeds', async () => {
    const answers = [503, 502, 200];
    const t = setup(() => {
      const status = answers.shift() ?? 200;
      return status === 200 ? json(200, { reference: 'ORD-1', items: [] }) : json(status, { message: 'busy' });
    });
    expect((await t.client.order('ORD-1')).reference).toBe('ORD-1');
    expect(t.sleeps).toEqual([75, 150]);
  });

  it('waits as long as Retry-After says on a 429', async () => {
    const answers = [429, 200];
    const t = setup(() => (answers.shift() === 429 ? json(429, {}, { 'retry-after': '2' }) : json(200, { name: 'LNB', version: '2' })));
    await t.client.version();
    expect(t.sleeps).toEqual([2_000]);
  });

  it('hands a Retry-After longer than maxRetryAfterMs back to the caller', async () => {
    const t = setup(() => json(429, {}, { 'retry-after': '120' }));
    const err = await failure(t.client.version());
    expect([err.code, err.retriable, err.retryAfterMs]).toEqual(['LNB.RATE_LIMITED', true, 120_000]);
    expect(t.sleeps).toEqual([]);
  });

  it('stops after maxAttempts and says so', async () => {
    const t = setup(() => json(500, { message: 'boom' }));
    const err = await failure(t.client.version());
    expect([err.code, err.retriable, err.attempts]).toEqual(['LNB.UNAVAILABLE', true, 3]);
    expect(err.message).toMatch(/HTTP 500.*boom.*gave up after 3 attempts/);
    expect(t.dataRequests()).toHaveLength(3);
  });

  it('retries network errors and malformed JSON', async () => {
    let n = 0;
    const t = setup(() => {
      n++;
      if (n === 1) throw new TypeError('fetch failed', { cause: new Error('other side closed') });
      if (n === 2) return new Response('[{"reference_number": "INV-', { status: 200 });
      return json(200, { name: 'LNB', version: '2' });
    });
    expect(await t.client.version()).toEqual({ name: 'LNB', version: '2' });
    expect(t.events.map((e) => [e.status, e.errorCode])).toEqual([
      [200, undefined],
      [0, 'LNB.UNAVAILABLE'],
      [200, 'LNB.MALFORMED_RESPONSE'],
      [200, undefined],
    ]);
  });

  it('surfaces a 422 with its field errors, without retrying', async () => {
    const t = setup(() => json(422, { message: 'The given data was invalid.', errors: { page: ['The page must be at least 1.'], status: 'unknown' } }));
    const err = await failure(t.client.invoice('INV-1'));
    expect([err.code, err.retriable]).toEqual(['LNB.VALIDATION', false]);
    expect(err.fieldErrors).toEqual({ page: ['The page must be at least 1.'], status: ['unknown'] });
    expect(err.message).toMatch(/page: The page must be at least 1\./);
    expect(t.dataRequests()).toHaveLength(1);
  });

  it('maps a 404 to LNB.NOT_FOUND', async () => {
    const t = setup(() => json(404, { message: 'No query results' }));
    const err = await failure(t.client.retailer('RET-404'));
    expect([err.code, err.retriable]).toEqual(['LNB.NOT_FOUND', false]);
  });
});

describe('LnbClient redaction', () => {
  it('keeps the token and the client secret out of errors, logs and request events', async () => {
    let n = 0;
    const t = setup(({ query }) => {
      n++;
      // A network error whose text echoes the URL, token included, as some proxies do.
      if (n === 1) throw new TypeError(`connect ECONNREFUSED for ?access_token=${query.get('access_token')}`);
      return json(422, { message: `bad token ${query.get('access_token')} with ${SECRET}`, errors: { access_token: [`${query.get('access_token')} is odd`] } });
    });
    const err = await failure(t.client.invoice('INV-1'));
    const emitted = JSON.stringify({ message: err.message, stack: err.stack, fieldErrors: err.fieldErrors, logs: t.logs, events: t.events });
    expect(t.logs.length).toBeGreaterThan(0);
    expect(emitted).toContain('access_token=[REDACTED]');
    expect(emitted).not.toContain('Zq8pW3xY');
    expect(emitted).not.toContain(SECRET);
    expect(t.client.redact(`${BASE}/x?access_token=tok-1-Zq8pW3xY`)).toBe(`${BASE}/x?access_token=[REDACTED]`);
  });
});

describe('LnbClient resources', () => {
  it('caches orders and retailers, shares concurrent lookups and does not cache failures', async () => {
    let fail = true;
    const t = setup(({ path }) => {
      if (path === '/retailers/RET-2' && fail) {
        fail = false;
        return json(404, {});
      }
      return json(200, { reference: decodeURIComponent(path.split('/')[2]), items: [] });
    });
    await Promise.all([t.client.order('ORD 1'), t.client.order('ORD 1')]);
    await t.client.order('ORD 1');
    expect(t.dataRequests().map((r) => r.path)).toEqual(['/orders/ORD%201']);
    await failure(t.client.retailer('RET-2'));
    expect((await t.client.retailer('RET-2')).reference).toBe('RET-2');
    t.client.clearCaches();
    await t.client.order('ORD 1');
    expect(t.dataRequests()).toHaveLength(4);
  });

  it('keeps fewer orders than retailers when told to (maxOrders)', async () => {
    const t = setup(({ path }) => json(200, { reference: decodeURIComponent(path.split('/')[2]), items: [] }), { cache: { maxEntries: 10, maxOrders: 1 } });
    for (const ref of ['ORD-1', 'ORD-2', 'ORD-1']) await t.client.order(ref);
    for (const ref of ['RET-1', 'RET-2', 'RET-1']) await t.client.retailer(ref);
    expect(t.dataRequests().map((r) => r.path)).toEqual(['/orders/ORD-1', '/orders/ORD-2', '/orders/ORD-1', '/retailers/RET-1', '/retailers/RET-2']);
  });

  it('reads credit notes through the adapter: positive amounts, invoice reference null when absent', async () => {
    const t = setup(() => json(200, [{ reference_number: 'CN-1', amount_total_tax_inclusive: -120, items: [{ quantity: -2, amount_tax_excl: -100 }] }]));
    const [note] = await collect(t.client.creditNotes());
    expect(note.invoice_reference_number).toBeNull();
    expect(note.amount_total_tax_inclusive).toBe(120);
    expect(note.items[0]).toEqual({ quantity: 2, amount_tax_excl: 100 });
    expect(t.dataRequests()[0].path).toBe('/credit_notes');
  });
});

describe('LnbClient orders updated in a range (the ASSUMED filter)', () => {
  it('asks for update_time_from a second early and update_time_to rounded up, in UTC, on every page', async () => {
    const t = setup(({ query }) => json(200, docs(0, query.get('page') === '1' ? 500 : 3)));
    const pages = await collect(t.client.ordersUpdated({ from: new Date('2026-12-01T10:15:30.750Z'), to: new Date('2026-12-01T11:00:00.200Z') }));
    expect(pages.map((p) => p.items.length)).toEqual([500, 3]);
    expect(t.dataRequests().map((r) => [r.path, r.query.get('page'), r.query.get('update_time_from'), r.query.get('update_time_to')])).toEqual([
      ['/orders', '1', '2026-12-01T10:15:29Z', '2026-12-01T11:00:01Z'],
      ['/orders', '2', '2026-12-01T10:15:29Z', '2026-12-01T11:00:01Z'],
    ]);
  });

  it('leaves the end open when none is given, and refuses a range that cannot be meant', async () => {
    const t = setup(() => json(200, []));
    await collect(t.client.ordersUpdated({ from: new Date('2026-12-01T10:00:00Z') }));
    expect(t.dataRequests()[0].query.has('update_time_to')).toBe(false);
    expect(() => t.client.ordersUpdated({ from: new Date('nonsense') }).next()).toThrow(/not a valid date/);
    expect(() => t.client.ordersUpdated({ from: new Date('2026-12-02T00:00:00Z'), to: new Date('2026-12-01T00:00:00Z') }).next()).toThrow(
      /ends .* before it starts/,
    );
  });
});

describe('LnbClient request gate', () => {
  it('spends one permit per exchange, the token request included, and reports 429s with their Retry-After', async () => {
    const order: string[] = [];
    const gate: LnbRequestGate = {
      acquire: async () => void order.push('acquire'),
      slowDown: (ms) => void order.push(`slow down ${ms}`),
    };
    const answers = [429, 200];
    const t = setup(
      () => {
        order.push('request');
        return answers.shift() === 429 ? json(429, {}, { 'retry-after': '3' }) : json(200, { name: 'LNB', version: '2' });
      },
      { gate },
    );
    await t.client.version();
    // The token request is answered by setup() itself, so it shows as a permit without a 'request'.
    expect(order).toEqual(['acquire', 'acquire', 'request', 'slow down 3000', 'acquire', 'request']);
    expect(t.sleeps).toEqual([3_000]);
  });

  it('tells the gate of a 429 without Retry-After, and of one too long to wait out', async () => {
    const slowDowns: (number | undefined)[] = [];
    const gate: LnbRequestGate = { acquire: async () => undefined, slowDown: (ms) => void slowDowns.push(ms) };
    const answers: [number, Record<string, string>][] = [
      [429, {}],
      [429, { 'retry-after': '300' }],
    ];
    const t = setup(
      () => {
        const [status, headers] = answers.shift() ?? [200, {}];
        return json(status, {}, headers);
      },
      { gate },
    );
    const err = await failure(t.client.version());
    expect([err.code, err.retryAfterMs]).toEqual(['LNB.RATE_LIMITED', 300_000]);
    expect(slowDowns).toEqual([undefined, 300_000]);
  });
});
