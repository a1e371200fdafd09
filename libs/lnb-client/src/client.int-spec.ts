// The client against the LNB sandbox over real HTTP on 127.0.0.1, under each fault the sandbox injects.
import { type LnbSandbox, startLnbSandbox } from '@lnbx/lnb-sandbox';
import { LnbClient, type LnbClientOptions, type LnbRequestEvent } from './client';
import { collect, failure as expectFailure } from './testing';
import { type LnbCreditNote, type LnbInvoice, type LnbOrder, type LnbRetailer, ean13ForSku } from './model';

let sandbox: LnbSandbox;
const logs: string[] = [];
const errors: string[] = [];
const tokensSent = new Set<string>();

beforeAll(async () => {
  sandbox = await startLnbSandbox({ port: 0, seed: 11, invoices: 230, creditNotes: 20, retailers: 15, defectRate: 0.2, pageSize: 50 });
});

afterEach(() => {
  sandbox.admin.clearFaults();
  sandbox.admin.setPagingHeaders(true);
  sandbox.admin.setPageSize(50);
  sandbox.admin.resetCalls();
});

afterAll(async () => {
  await sandbox.close();
});

function client(overrides: Partial<LnbClientOptions> = {}): LnbClient {
  const capture = (m: string): void => {
    logs.push(m);
  };
  return new LnbClient({
    baseUrl: sandbox.url,
    clientId: sandbox.clientId,
    clientSecret: sandbox.clientSecret,
    pageSize: 50,
    timeoutMs: 2_000,
    retry: { maxAttempts: 4, baseDelayMs: 5, maxDelayMs: 20 },
    logger: { log: capture, warn: capture, error: capture, debug: capture },
    // Wraps the real fetch only to learn which tokens went out, so the last test can look for them.
    fetch: (url, init) => {
      const token = new URL(url).searchParams.get('access_token');
      if (token) tokensSent.add(token);
      return fetch(url, init);
    },
    ...overrides,
  });
}

const failure = (promise: Promise<unknown>) =>
  expectFailure(promise, (err) => errors.push(err.message, err.stack ?? '', JSON.stringify(err.fieldErrors ?? {})));

const references = (docs: { reference_number: string }[]): string[] => docs.map((d) => d.reference_number);

describe('LnbClient against the LNB sandbox', () => {
  it('lists every document of every resource, page by page, as the sandbox holds them', async () => {
    const lnb = client();
    const invoices = await collect(lnb.invoices());
    expect(invoices).toHaveLength(230);
    expect(invoices[229]).toEqual(sandbox.admin.invoice('INV-000230'));
    expect(sandbox.admin.calls().byRoute['GET /invoices']).toBe(5);
    const notes = await collect(lnb.creditNotes());
    expect(references(notes)).toEqual(Array.from({ length: 20 }, (_, i) => `CN-${String(i + 1).padStart(6, '0')}`));
    expect(await collect(lnb.orders())).toHaveLength(230);
    expect((await collect(lnb.retailers())).map((r) => r.reference)).toHaveLength(15);
    expect(await lnb.version()).toEqual({ name: 'Le New Black Wholesale API (sandbox)', version: '2.0.0' });
  });

  it('serves documents that fit the client model', async () => {
    // Compile-time check: the sandbox's documents are assignable to the client's model.
    const invoice: LnbInvoice | undefined = sandbox.admin.invoice('INV-000001');
    const note: LnbCreditNote | undefined = sandbox.admin.creditNote('CN-000001');
    const order: LnbOrder | undefined = sandbox.admin.order('ORD-000001');
    const retailer: LnbRetailer | undefined = sandbox.admin.retailer('RET-00001');
    const lnb = client();
    expect(await lnb.invoice('INV-000001')).toEqual(invoice);
    expect(await lnb.creditNote('CN-000001')).toEqual(note);
    expect(await lnb.order('ORD-000001')).toEqual(order);
    expect(await lnb.retailer('RET-00001')).toEqual(retailer);
  });

  it('finds each line EAN13 through the order, and none where the sandbox made it missing', async () => {
    const lnb = client();
    const defective = sandbox.admin.defects('invoice').find((d) => d.defects[0].kind === 'MISSING_EAN13');
    if (!defective) throw new Error('seed 11 at 20% has an invoice with a missing EAN13');
    const invoice = await lnb.invoice(defective.reference);
    const order = await lnb.order(invoice.order_reference ?? '');
    const missing = invoice.items.filter((item) => ean13ForSku(order, item.sku) === null).map((item) => item.sku);
    expect(missing).toHaveLength(1);
    expect(defective.defects[0].detail).toBe(`missing EAN13 for SKU ${missing[0]} (order ${order.reference})`);
    const clean = await lnb.invoice('INV-000001');
    const cleanOrder = await lnb.order(clean.order_reference ?? '');
    expect(clean.items.every((item) => /^\d{13}$/.test(ean13ForSku(cleanOrder, item.sku) ?? ''))).toBe(true);
  });

  it('caches orders and retailers that many invoices share', async () => {
    const lnb = client();
    const invoices = (await collect(lnb.invoices())).slice(0, 60);
    for (const invoice of invoices) if (invoice.retailer_reference) await lnb.retailer(invoice.retailer_reference);
    expect(sandbox.admin.calls().byRoute['GET /retailers/:reference']).toBeLessThanOrEqual(15);
  });

  it('falls back to "a full page means more" without paging headers, exact multiple included', async () => {
    sandbox.admin.setPagingHeaders(false);
    sandbox.admin.setPageSize(23);
    const invoices = await collect(client({ pageSize: 23 }).invoices());
    expect(references(invoices)).toEqual(Array.from({ length: 230 }, (_, i) => `INV-${String(i + 1).padStart(6, '0')}`));
    // 230 = 10 full pages of 23, then one empty page says the listing is over.
    expect(sandbox.admin.calls().byRoute['GET /invoices']).toBe(11);
  });

  it('sees an invoice changed after export', async () => {
    const lnb = client();
    const before = await lnb.invoice('INV-000007');
    sandbox.admin.changeInvoice('INV-000007', { status: 'final', purchase_order_reference: 'PO-LATE-CHANGE' });
    const after = await lnb.invoice('INV-000007');
    expect(after.purchase_order_reference).toBe('PO-LATE-CHANGE');
    expect(after.update_time).not.toBe(before.update_time);
  });

  it('lists only the orders changed since a moment, through the filter as the sandbox implements it', async () => {
    const since = sandbox.admin.now();
    const order = sandbox.admin.order('ORD-000012')!;
    const fixed = sandbox.admin.changeOrder('ORD-000012', { items: order.items.map((i) => ({ ...i, ean13: i.ean13 ?? '3760000000017' })) });
    sandbox.admin.changeOrder('ORD-000013', { status: 'closed', update_time: order.update_time });
    const pages = await collect(client().ordersUpdated({ from: since }));
    expect(pages.flatMap((p) => p.items)).toEqual([fixed]);
    expect(sandbox.admin.calls().byRoute['GET /orders']).toBe(1);
  });
});

describe('LnbClient under sandbox faults', () => {
  it('latency beyond the timeout: retried', async () => {
    sandbox.admin.injectFault({ kind: 'latency', path: '/version', latencyMs: 400 });
    const events: LnbRequestEvent[] = [];
    await client({ timeoutMs: 150, onRequest: (e) => events.push(e) }).version();
    expect(events.filter((e) => e.route === '/version').map((e) => e.status)).toEqual([0, 200]);
  });

  it('429 with Retry-After: waits as told', async () => {
    sandbox.admin.injectFault({ kind: 'rate-limit', path: '/invoices', retryAfterSeconds: 1 });
    const started = Date.now();
    expect(await collect(client().invoices())).toHaveLength(230);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(sandbox.admin.calls().byStatus['429']).toBe(1);
  });

  it('429 past the sandbox rate: a gate told to slow down holds every caller for Retry-After', async () => {
    sandbox.admin.setRateLimit(5, 1_000);
    let pausedUntil = 0;
    const slowDowns: (number | undefined)[] = [];
    const gate = {
      acquire: async () => {
        while (Date.now() < pausedUntil) await new Promise((resolve) => setTimeout(resolve, pausedUntil - Date.now()));
      },
      slowDown: (ms: number | undefined) => {
        slowDowns.push(ms);
        pausedUntil = Math.max(pausedUntil, Date.now() + (ms ?? 1_000));
      },
    };
    const lnb = client({ gate, retry: { maxAttempts: 4, baseDelayMs: 5, maxDelayMs: 20 } });
    try {
      const orders = await Promise.all(Array.from({ length: 12 }, (_, i) => lnb.order(`ORD-${String(i + 1).padStart(6, '0')}`)));
      expect(orders.map((o) => o.reference)).toHaveLength(12);
      expect(slowDowns.length).toBeGreaterThan(0);
      expect(slowDowns.every((ms) => ms === 1_000)).toBe(true);
      expect(sandbox.admin.rateLimit().limited).toBe(slowDowns.length);
    } finally {
      sandbox.admin.setRateLimit(0);
    }
  });

  it('5xx: retried with backoff until it passes, or given up after maxAttempts', async () => {
    sandbox.admin.injectFault({ kind: 'server-error', path: '/orders', status: 502, times: 2 });
    expect((await client().order('ORD-000003')).reference).toBe('ORD-000003');
    expect(sandbox.admin.calls().byStatus['502']).toBe(2);
    sandbox.admin.injectFault({ kind: 'server-error', path: '/orders', times: 'always' });
    const err = await failure(client().order('ORD-000004'));
    expect([err.code, err.retriable, err.attempts]).toEqual(['LNB.UNAVAILABLE', true, 4]);
  });

  it('malformed JSON: retried, or LNB.MALFORMED_RESPONSE when it persists', async () => {
    sandbox.admin.injectFault({ kind: 'malformed-json', path: '/credit_notes' });
    expect(await collect(client().creditNotes())).toHaveLength(20);
    sandbox.admin.injectFault({ kind: 'malformed-json', path: '/credit_notes', times: 'always' });
    const err = await failure(collect(client().creditNotes()));
    expect([err.code, err.attempts]).toEqual(['LNB.MALFORMED_RESPONSE', 4]);
  });

  it('dropped connections: retried', async () => {
    sandbox.admin.injectFault({ kind: 'drop-connection', path: '/retailers', times: 2 });
    expect(await collect(client().retailers())).toHaveLength(15);
    expect(sandbox.admin.calls().byStatus.dropped).toBe(2);
  });

  it('422: surfaced with its field errors, not retried', async () => {
    sandbox.admin.injectFault({ kind: 'validation', path: '/invoices', fieldErrors: { page: ['The page may not be greater than 200.'] } });
    const err = await failure(collect(client().invoices()));
    expect([err.code, err.retriable, err.fieldErrors]).toEqual(['LNB.VALIDATION', false, { page: ['The page may not be greater than 200.'] }]);
    expect(sandbox.admin.calls().byRoute['GET /invoices']).toBe(1);
  });

  it('401 on a call, or revoked tokens: a new token, then the call again', async () => {
    const lnb = client();
    await lnb.version();
    const issued = sandbox.admin.tokensIssued();
    sandbox.admin.injectFault({ kind: 'unauthorized', path: '/invoices/' });
    expect((await lnb.invoice('INV-000002')).reference_number).toBe('INV-000002');
    sandbox.admin.revokeTokens();
    expect((await lnb.invoice('INV-000003')).reference_number).toBe('INV-000003');
    expect(sandbox.admin.tokensIssued()).toBe(issued + 2);
    expect(sandbox.admin.calls().byStatus['401']).toBe(2);
  });

  it('renews the token before it expires, without a 401', async () => {
    let offset = 0;
    const lnb = client({ now: () => Date.now() + offset });
    await lnb.version();
    offset = 3_600_000;
    await lnb.version();
    expect(sandbox.admin.calls().byRoute['POST /auth/token']).toBe(2);
    expect(sandbox.admin.calls().byStatus['401']).toBeUndefined();
  });

  it('a failing token endpoint is retried; refused credentials are not', async () => {
    sandbox.admin.injectFault({ kind: 'server-error', path: '/auth/token' });
    expect((await client().version()).version).toBe('2.0.0');
    const err = await failure(client({ clientSecret: 'not-the-sandbox-secret' }).version());
    expect([err.code, err.retriable]).toEqual(['LNB.AUTH_REFUSED', false]);
    expect(err.message).not.toContain('not-the-sandbox-secret');
  });

  it('404: LNB.NOT_FOUND', async () => {
    const err = await failure(client().invoice('INV-999999'));
    expect([err.code, err.retriable, err.status]).toEqual(['LNB.NOT_FOUND', false, 404]);
  });

  it('never wrote a token it sent into a log line or an error', () => {
    expect(tokensSent.size).toBeGreaterThan(3);
    expect(logs.some((line) => line.includes('access_token=[REDACTED]'))).toBe(true);
    const written = [...logs, ...errors].join('\n');
    for (const token of tokensSent) expect(written).not.toContain(token);
    expect(written).not.toContain(sandbox.clientSecret);
  });
});

describe('LnbClient against a sandbox of 100,000 invoices', () => {
  it('reads the last page straight away', async () => {
    const big = await startLnbSandbox({ port: 0, seed: 5, invoices: 100_000 });
    try {
      const lnb = new LnbClient({
        baseUrl: big.url,
        clientId: big.clientId,
        clientSecret: big.clientSecret,
        retry: { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 10 },
      });
      const pages = await collect(lnb.pages<LnbInvoice>('/invoices', { fromPage: 200 }));
      expect(pages).toHaveLength(1);
      expect(pages[0].pagination).toEqual({ currentPage: 200, pageSize: 500, hasMore: false, totalPages: 200, totalItems: 100_000 });
      expect(references(pages[0].items).slice(-2)).toEqual(['INV-099999', 'INV-100000']);
    } finally {
      await big.close();
    }
  });
});
