// The sandbox's HTTP surface as an integrator (or a separate process) sees it: the API's rules and the admin API.
import { type LnbSandbox, startLnbSandbox } from './sandbox';
import { call } from './testing';

let sandbox: LnbSandbox;
let token: string;

const api = (path: string, query = ''): string => `${sandbox.url}${path}?access_token=${token}${query}`;
const admin = (path: string): string => `${sandbox.adminUrl}${path}`;

beforeAll(async () => {
  sandbox = await startLnbSandbox({ port: 0, seed: 2, invoices: 120, creditNotes: 10, retailers: 8, defectRate: 0.1, pageSize: 50 });
  const granted = await call('POST', `${sandbox.url}/auth/token`, {
    client_id: sandbox.clientId,
    client_secret: sandbox.clientSecret,
    grant_type: 'client_credentials',
  });
  token = (granted.body as { access_token: string }).access_token;
});

afterAll(async () => {
  await sandbox.close();
});

describe('the LNB sandbox API', () => {
  it('issues tokens only for the right credentials, and answers 422 on missing fields', async () => {
    const wrong = await call('POST', `${sandbox.url}/auth/token`, { client_id: sandbox.clientId, client_secret: 'nope', grant_type: 'client_credentials' });
    expect([wrong.status, wrong.body]).toEqual([401, { error: 'invalid_client', message: 'Client authentication failed.' }]);
    const missing = await call('POST', `${sandbox.url}/auth/token`, { client_id: sandbox.clientId });
    expect(missing.status).toBe(422);
    expect(Object.keys((missing.body as { errors: object }).errors).sort()).toEqual(['client_secret', 'grant_type']);
  });

  it('wants the token as a query parameter', async () => {
    expect((await call('GET', `${sandbox.url}/version`)).status).toBe(401);
    expect((await call('GET', `${sandbox.url}/version?access_token=forged`)).status).toBe(401);
    expect((await call('GET', api('/version'))).status).toBe(200);
  });

  it('pages with X-Pagination headers, 422 on a bad page, 404 on an unknown document or route', async () => {
    const last = await call('GET', api('/invoices', '&page=3'));
    expect((last.body as unknown[]).length).toBe(20);
    expect(['current-page', 'page-size', 'has-more', 'total-pages', 'total-items'].map((h) => last.headers.get(`x-pagination-${h}`))).toEqual([
      '3',
      '50',
      'false',
      '3',
      '120',
    ]);
    expect((await call('GET', api('/invoices', '&page=0'))).status).toBe(422);
    expect((await call('GET', api('/invoices/INV-000121'))).status).toBe(404);
    expect((await call('GET', api('/products'))).status).toBe(404);
    expect((await call('POST', api('/invoices'), {})).status).toBe(405);
  });
});

describe('the LNB sandbox admin API', () => {
  it('tells its state without the client secret', async () => {
    const state = await call('GET', admin('/state'));
    expect(state.body).toMatchObject({ seed: 2, counts: { invoices: 120, credit_notes: 10, orders: 120, retailers: 8 } });
    expect(JSON.stringify(state.body)).not.toContain(sandbox.clientSecret);
  });

  it('creates and changes documents that the API then serves', async () => {
    const created = await call('POST', admin('/invoices'), { status: 'proforma', purchase_order_reference: 'PO-NEW' });
    expect(created.status).toBe(201);
    const reference = (created.body as { reference_number: string }).reference_number;
    expect(reference).toBe('INV-000121');
    const changed = await call('PATCH', admin(`/invoices/${reference}`), { status: 'final' });
    expect((await call('GET', api(`/invoices/${reference}`))).body).toEqual(changed.body);
    expect((changed.body as { status: string }).status).toBe('final');
    expect((await call('PATCH', admin(`/invoices/${reference}`), { reference_number: 'X' })).status).toBe(422);
    expect((await call('PATCH', admin('/invoices/INV-999999'), {})).status).toBe(404);
  });

  it('shows a defect made through an order change, by reference', async () => {
    const before = ((await call('GET', admin('/defects?type=invoice'))).body as { reference: string }[]).map((d) => d.reference);
    const index = Array.from({ length: 120 }, (_, i) => i + 1).find((i) => !before.includes(`INV-${String(i).padStart(6, '0')}`));
    const ref = `INV-${String(index).padStart(6, '0')}`;
    const orderRef = `ORD-${String(index).padStart(6, '0')}`;
    const order = (await call('GET', api(`/orders/${orderRef}`))).body as { items: { sku: string; ean13: string | null }[] };
    const invoice = (await call('GET', api(`/invoices/${ref}`))).body as { items: { sku: string }[] };
    const sku = invoice.items[0].sku;
    await call('PATCH', admin(`/orders/${orderRef}`), { items: order.items.map((i) => (i.sku === sku ? { ...i, ean13: null } : i)) });
    const defects = await call('GET', admin(`/defects/invoice/${ref}`));
    expect(defects.body).toEqual({ reference: ref, defects: [{ kind: 'MISSING_EAN13', detail: `missing EAN13 for SKU ${sku} (order ${orderRef})` }] });
    const after = ((await call('GET', admin('/defects?type=invoice'))).body as { reference: string }[]).map((d) => d.reference);
    expect(after.sort()).toEqual([...before, ref].sort());
    const counts = (await call('GET', admin('/defects/counts'))).body as Record<string, number>;
    expect(counts.MISSING_EAN13).toBeGreaterThan(0);
  });

  it('injects faults, counts calls, revokes tokens and turns paging headers off', async () => {
    await call('DELETE', admin('/calls'));
    const fault = await call('POST', admin('/faults'), { kind: 'server-error', status: 502, path: '/version' });
    expect(fault.status).toBe(201);
    expect((await call('GET', api('/version'))).status).toBe(502);
    expect((await call('GET', api('/version'))).status).toBe(200);
    expect((await call('GET', admin('/calls'))).body).toEqual({ total: 2, byRoute: { 'GET /version': 2 }, byStatus: { 200: 1, 502: 1 } });
    expect((await call('POST', admin('/faults'), { kind: 'flood' })).status).toBe(422);
    await call('POST', admin('/faults'), { kind: 'rate-limit', times: 'always', retryAfterSeconds: 7 });
    expect((await call('GET', api('/version'))).headers.get('retry-after')).toBe('7');
    expect((await call('DELETE', admin('/faults'))).status).toBe(204);
    await call('PUT', admin('/settings'), { pagingHeaders: false });
    expect((await call('GET', api('/retailers'))).headers.get('x-pagination-has-more')).toBeNull();
    expect((await call('POST', admin('/tokens/revoke'))).body).toEqual({ revoked: 1 });
    expect((await call('GET', api('/version'))).status).toBe(401);
  });
});

describe('orders changed in a time range, the clock, and the rate limit', () => {
  beforeAll(async () => {
    // The admin tests above revoked every token.
    const granted = await call('POST', `${sandbox.url}/auth/token`, {
      client_id: sandbox.clientId,
      client_secret: sandbox.clientSecret,
      grant_type: 'client_credentials',
    });
    token = (granted.body as { access_token: string }).access_token;
    await call('PUT', admin('/settings'), { pagingHeaders: true });
  });

  afterEach(async () => {
    await call('PUT', admin('/settings'), { rateLimit: 0, clockOffsetMs: 0, pagingHeaders: true });
  });

  it('lists the orders updated between update_time_from and update_time_to, both included, paged over the match', async () => {
    const before = (await call('GET', admin('/state'))).body as { counts: { orders: number } };
    const changed = await call('PATCH', admin('/orders/ORD-000007'), { status: 'closed' });
    const stamp = (changed.body as { update_time: string }).update_time;
    const recent = await call('GET', api('/orders', `&update_time_from=${encodeURIComponent(stamp)}`));
    expect((recent.body as { reference: string }[]).map((o) => o.reference)).toEqual(['ORD-000007']);
    expect(recent.headers.get('x-pagination-total-items')).toBe('1');
    const justAfter = new Date(Date.parse(stamp) + 1).toISOString();
    expect((await call('GET', api('/orders', `&update_time_from=${justAfter}`))).body).toEqual([]);
    // An offset names the same instant; the upper end is included too.
    const plusOne = `${new Date(Date.parse(stamp) + 3_600_000).toISOString().slice(0, 23)}+01:00`;
    expect((await call('GET', api('/orders', `&update_time_to=${encodeURIComponent(plusOne)}&update_time_from=${encodeURIComponent(plusOne)}`))).body).toEqual([
      changed.body,
    ]);
    const all = await call('GET', api('/orders', '&update_time_from=2000-01-01'));
    expect(all.headers.get('x-pagination-total-items')).toBe(String(before.counts.orders));
  });

  it('refuses an unreadable or inverted range, naming the parameter', async () => {
    const bad = await call('GET', api('/orders', '&update_time_from=yesterday'));
    expect(bad.status).toBe(422);
    expect((bad.body as { errors: Record<string, string[]> }).errors.update_time_from[0]).toMatch(/must be an ISO 8601 date-time/);
    const zoneless = await call('GET', api('/orders', '&update_time_from=2026-03-10T09:00:00'));
    expect(Object.keys((zoneless.body as { errors: object }).errors)).toEqual(['update_time_from']);
    const inverted = await call('GET', api('/orders', '&update_time_from=2026-03-10&update_time_to=2026-03-09'));
    expect((inverted.body as { errors: Record<string, string[]> }).errors.update_time_to).toEqual([
      'The update_time_to must be a date after or equal to update_time_from.',
    ]);
  });

  it('stamps changes with its own clock, which may run behind', async () => {
    await call('PUT', admin('/settings'), { clockOffsetMs: -120_000 });
    const before = Date.now();
    const changed = await call('PATCH', admin('/orders/ORD-000008'), { status: 'closed' });
    const after = Date.now();
    const stamped = Date.parse((changed.body as { update_time: string }).update_time);
    expect(stamped).toBeGreaterThanOrEqual(before - 120_000);
    expect(stamped).toBeLessThanOrEqual(after - 120_000);
    expect((await call('PUT', admin('/settings'), { clockOffsetMs: 1.5 })).status).toBe(422);
  });

  it('a fault can let the first matching requests through: a listing that fails from its second page', async () => {
    await call('POST', admin('/faults'), { kind: 'server-error', path: '/orders', skip: 1, times: 'always' });
    expect((await call('GET', api('/orders', '&page=1'))).status).toBe(200);
    expect((await call('GET', api('/orders', '&page=2'))).status).toBe(503);
    expect((await call('GET', api('/orders', '&page=1'))).status).toBe(503);
    expect(((await call('GET', admin('/faults'))).body as { skipped: number; fired: number }[])[0]).toMatchObject({ skip: 1, skipped: 1, fired: 2 });
    expect((await call('POST', admin('/faults'), { kind: 'server-error', skip: -1 })).status).toBe(422);
    await call('DELETE', admin('/faults'));
  });

  it('answers 429 with Retry-After past its rate, and says how hard it was pushed', async () => {
    await call('PUT', admin('/settings'), { rateLimit: 3, rateLimitWindowMs: 60_000 });
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 5; i++) {
      const res = await call('GET', api('/version'));
      statuses.push(res.status);
      retryAfter ??= res.headers.get('retry-after');
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(59);
    expect(Number(retryAfter)).toBeLessThanOrEqual(60);
    expect(((await call('GET', admin('/state'))).body as { rateLimit: object }).rateLimit).toEqual({ limit: 3, windowMs: 60_000, limited: 2, peakInWindow: 5 });
    // The admin API is never limited; setting the limit again starts afresh.
    await call('PUT', admin('/settings'), { rateLimit: 3 });
    expect((await call('GET', api('/version'))).status).toBe(200);
    expect((await call('PUT', admin('/settings'), { rateLimit: -1 })).status).toBe(422);
  });
});

describe('listing pages kept encoded until a document changes', () => {
  let cached: LnbSandbox;
  let key: string;
  const get = async (path: string) => (await call('GET', `${cached.url}${path}${path.includes('?') ? '&' : '?'}access_token=${key}`)).body;
  /** A listing page, checked against each of its documents read alone (a path the page cache never serves). */
  const page = async (collection: 'invoices' | 'orders', n: number) => {
    const items = (await get(`/${collection}?page=${n}`)) as Record<string, unknown>[];
    const keyOf = collection === 'invoices' ? 'reference_number' : 'reference';
    const alone = await Promise.all(items.map((item) => get(`/${collection}/${String(item[keyOf])}`)));
    expect(items).toEqual(alone);
    return items;
  };

  beforeAll(async () => {
    cached = await startLnbSandbox({ port: 0, seed: 5, invoices: 60, creditNotes: 4, retailers: 5, pageSize: 25, pageCacheMb: 1 });
    key = (
      (await call('POST', `${cached.url}/auth/token`, { client_id: cached.clientId, client_secret: cached.clientSecret, grant_type: 'client_credentials' }))
        .body as { access_token: string }
    ).access_token;
  });

  afterAll(async () => {
    await cached.close();
  });

  it('serves what the documents say, before and after changes, creations included', async () => {
    const first = await page('invoices', 1);
    expect(await page('invoices', 1)).toEqual(first);
    cached.admin.changeInvoice('INV-000002', { purchase_order_reference: 'PO-CHANGED' });
    expect((await page('invoices', 1))[1].purchase_order_reference).toBe('PO-CHANGED');
    // A new invoice brings its order: the orders' last page grows though no order was changed.
    expect((await page('orders', 3)).length).toBe(10);
    cached.admin.createInvoice({ status: 'final' });
    expect((await page('orders', 3)).map((o) => o.reference)).toContain('ORD-000061');
    expect((await page('invoices', 3)).length).toBe(11);
  });
});
