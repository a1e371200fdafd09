// The default transport (node:http, kept-alive connections) against the LNB sandbox on 127.0.0.1:
// the other client tests inject a fetch, so this one covers what production runs.
import { type LnbSandbox, startLnbSandbox } from '@lnbx/lnb-sandbox';
import { LnbClient, type LnbRequestEvent } from './client';
import { collect, failure } from './testing';

let sandbox: LnbSandbox;

beforeAll(async () => {
  sandbox = await startLnbSandbox({ port: 0, seed: 5, invoices: 120, creditNotes: 0, retailers: 5, defectRate: 0, pageSize: 50 });
});

afterEach(() => sandbox.admin.clearFaults());

afterAll(async () => {
  await sandbox.close();
});

const client = (events: LnbRequestEvent[] = [], timeoutMs = 2_000) =>
  new LnbClient({
    baseUrl: sandbox.url,
    clientId: sandbox.clientId,
    clientSecret: sandbox.clientSecret,
    timeoutMs,
    retry: { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 20 },
    onRequest: (e) => events.push(e),
  });

describe('LnbClient default transport', () => {
  it('pages by the sandbox headers and fetches documents, many at once', async () => {
    const lnb = client();
    const invoices = await collect(lnb.invoices());
    expect(invoices).toHaveLength(120);
    expect(invoices[119]).toEqual(sandbox.admin.invoice('INV-000120'));
    const orders = await Promise.all(invoices.slice(0, 40).map((i) => lnb.order(i.order_reference!)));
    expect(orders.map((o) => o.reference)).toEqual(invoices.slice(0, 40).map((i) => i.order_reference));
  });

  it('maps a 404 to LNB.NOT_FOUND', async () => {
    const err = await failure(client().invoice('INV-999999'));
    expect(err.code).toBe('LNB.NOT_FOUND');
  });

  it('gives up on an answer slower than the timeout, then retries', async () => {
    sandbox.admin.injectFault({ kind: 'latency', path: '/version', latencyMs: 400 });
    const events: LnbRequestEvent[] = [];
    await client(events, 150).version();
    expect(events.filter((e) => e.route === '/version').map((e) => [e.status, e.errorCode])).toEqual([
      [0, 'LNB.UNAVAILABLE'],
      [200, undefined],
    ]);
  });
});
