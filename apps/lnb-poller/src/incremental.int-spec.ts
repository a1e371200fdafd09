// Incremental runs, as processes over the real broker and Postgres against the LNB sandbox over HTTP:
// a run costs what changed in LNB, an EAN13 fixed on an order brings its rejected invoice back through
// the mapper, the full re-check (periodic or asked for) catches what the update_time filter cannot
// see, a failed order listing loses nothing, and an LNB clock running behind is covered by the overlap.
import { DetectedDocumentValue, DocumentMapped, DocumentRejected, EventEnvelope, RunCompleted, RunFailed, RunRequested, RunStarted } from '@lnbx/contracts';
import { waitFor } from '@lnbx/testing';
import { randomUUID } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { DEFAULT_RULES, selectDocument } from '@lnbx/scheduling';
import { PollerHarness } from './testing/harness';

const CONNECTION = 'inc';
const OVERLAP_SECONDS = 120;

interface RunResult {
  runId: string;
  started: RunStarted.Value;
  outcome: EventEnvelope<RunCompleted.Value | RunFailed.Value>;
  detected: EventEnvelope<DetectedDocumentValue>[];
  /** LNB requests the sandbox answered during the run, by route and by status. */
  calls: Record<string, number>;
  statuses: Record<string, number>;
}

describe('lnb-poller incremental runs', () => {
  const h = new PollerHarness({ name: 'incr', connectionId: CONNECTION });
  const { received } = h;
  let lnb: PollerHarness['lnb'];
  let db: PollerHarness['db'];
  const mappingFile = join(tmpdir(), `lnbx-incremental-mapping-${randomUUID()}.json`);

  beforeAll(async () => {
    await h.start({ seed: 23, invoices: 150, creditNotes: 10, defectRate: 0.25 });
    [lnb, db] = [h.lnb, h.db];
    // The example mapping with a Xero tax type for every rate the sandbox uses, so a fixed EAN13 is all an invoice lacks.
    const mapping = JSON.parse(readFileSync('apps/mapper/mapping.example.json', 'utf8')) as { taxTypes: { rate: number; taxType: string }[] };
    for (const rate of lnb.admin.knownTaxRates) if (!mapping.taxTypes.some((t) => t.rate === rate)) mapping.taxTypes.push({ rate, taxType: 'OUTPUT2' });
    writeFileSync(mappingFile, JSON.stringify(mapping));
    await Promise.all([
      h.startPoller({ LNB_MAX_ATTEMPTS: '2', LNB_RETRY_BASE_MS: '10', POLLER_TICK_MS: '100', POLLER_CHANGES_OVERLAP_SECONDS: String(OVERLAP_SECONDS) }),
      h.startService('mapper', { MAPPING_CONFIG_FILE: mappingFile }),
    ]);
  });

  afterEach(() => {
    lnb.admin.clearFaults();
    h.reportFailure(expect.getState(), 30);
  });

  afterAll(async () => {
    await h.stop();
    rmSync(mappingFile, { force: true });
  });

  async function requestRun(payload: Partial<RunRequested.Value> = {}): Promise<RunResult> {
    lnb.admin.resetCalls();
    const runId = await h.request(payload);
    const outcome = await h.outcome(runId);
    const { byRoute: calls, byStatus: statuses } = lnb.admin.calls();
    const detected = await h.detected(runId, outcome, payload.flow);
    // RunStarted and RunCompleted travel on two topics: either may be read first.
    const started = (await h.started(runId)).payload;
    return { runId, started, outcome, detected, calls, statuses };
  }
  const completed = (r: RunResult): RunCompleted.Value => {
    expect(r.outcome.type).toBe('RunCompleted');
    return r.outcome.payload as RunCompleted.Value;
  };
  const refs = (r: RunResult): string[] => r.detected.map((e) => e.payload.document.reference_number).sort();
  const selectedInvoices = (): string[] =>
    Array.from({ length: 150 }, (_, i) => `INV-${String(i + 1).padStart(6, '0')}`).filter(
      (ref) => selectDocument(lnb.admin.invoice(ref)!, DEFAULT_RULES) === 'selected',
    );
  /** Selected, otherwise clean invoices whose order LNB has without an EAN13 for one of their lines, in listing order. */
  const missingEan13s = (): string[] =>
    lnb.admin
      .defects('invoice')
      .filter((d) => d.defects.length === 1 && d.defects[0].kind === 'MISSING_EAN13' && selectedInvoices().includes(d.reference))
      .map((d) => d.reference);
  const missingEan13 = (nth = 0): string => missingEan13s()[nth];
  /** Gives every line of the invoice's order an EAN13; `keepUpdateTime`: as if LNB changed it without moving update_time. */
  const fixOrderOf = (invoice: string, keepUpdateTime = false) => {
    const orderRef = lnb.admin.invoice(invoice)!.order_reference!;
    const order = lnb.admin.order(orderRef)!;
    const items = order.items.map((item, i) => ({ ...item, ean13: item.ean13 ?? `37600000${String(10_000 + i).slice(-5)}` }));
    return lnb.admin.changeOrder(orderRef, keepUpdateTime ? { items, update_time: order.update_time } : { items });
  };
  const mapperAnswers = (key: string) => received.filter((e) => e.key === key && (e.type === 'DocumentMapped' || e.type === 'DocumentRejected'));

  it('the first run reads everything; a run with nothing changed reads only the listings', async () => {
    const first = await requestRun();
    const firstCounts = completed(first);
    expect(first.started).toMatchObject({ scope: 'full', scopeReason: 'no run of this flow has completed yet: every document and its order are read' });
    expect(firstCounts.counts).toMatchObject({ seen: 150, emitted: selectedInvoices().length, enriched: selectedInvoices().length });
    expect(first.calls['GET /orders/:reference']).toBe(selectedInvoices().length);
    // Retailers come from their listing, not one request each.
    expect(first.calls['GET /retailers/:reference']).toBeUndefined();

    const second = await requestRun();
    const counts = completed(second);
    expect(second.started.scope).toBe('incremental');
    expect(Date.parse(second.started.changedSince!)).toBe(Date.parse(first.started.startedAt) - OVERLAP_SECONDS * 1000);
    expect(counts.counts).toMatchObject({ seen: 150, emitted: 0, unchanged: selectedInvoices().length, enriched: 0 });
    expect(second.detected).toEqual([]);
    // Each run signs in once (a client of its own: nothing a run cached hides a change from the next).
    expect(second.calls).toEqual({ 'POST /auth/token': 1, 'GET /retailers': 1, 'GET /orders': 1, 'GET /invoices': 1 });
    expect(counts).toMatchObject({ scope: 'incremental', changedOrders: 0, lnbRequests: 4 });
  });

  it('a changed invoice is read alone; a payment recorded in LNB costs at most one look, then none', async () => {
    const [changed, paid] = selectedInvoices();
    lnb.admin.changeInvoice(changed, { purchase_order_reference: 'PO-CHANGED-1' });
    lnb.admin.changeInvoice(paid, { paid_on: '2026-11-30', amount_paid: 1 });
    const run = await requestRun();
    expect(refs(run)).toEqual([changed]);
    // The payment moved update_time; the first full run kept no content hash to compare with, so it was read once.
    expect(completed(run).counts).toMatchObject({ emitted: 1, enriched: 2 });
    expect(run.calls['GET /orders/:reference']).toBe(2);

    lnb.admin.changeInvoice(paid, { paid_on: '2026-12-01', amount_paid: 2 });
    const again = await requestRun();
    expect(completed(again).counts).toMatchObject({ emitted: 0, enriched: 0 });
    expect(again.calls['GET /orders/:reference']).toBeUndefined();
  });

  it('an EAN13 fixed on an order brings its rejected invoice back through the mapper, with no request per order', async () => {
    const invoice = missingEan13();
    const key = `${CONNECTION}:invoice:${invoice}`;
    const rejected = await waitFor(`the mapper to reject ${invoice}`, () => mapperAnswers(key).find((e) => e.type === 'DocumentRejected'));
    expect((rejected.payload as DocumentRejected.Value).problems.map((p) => p.code)).toContain('LNB.MISSING_EAN13');

    fixOrderOf(invoice);
    const run = await requestRun();
    expect(refs(run)).toEqual([invoice]);
    expect(run.detected[0].payload.document.items.every((line) => /^\d{13}$/.test(line.ean13 ?? ''))).toBe(true);
    expect(completed(run)).toMatchObject({ changedOrders: 1, counts: { emitted: 1, enriched: 1 } });
    // The order came with the changed-orders listing: no request of its own.
    expect(run.calls).toEqual({ 'POST /auth/token': 1, 'GET /retailers': 1, 'GET /orders': 1, 'GET /invoices': 1 });
    const mapped = await waitFor(`the mapper to map ${invoice}`, () => mapperAnswers(key).find((e) => e.type === 'DocumentMapped'));
    expect((mapped.payload as DocumentMapped.Value).revision).toBe(run.detected[0].payload.revision);
  });

  it('a retailer changed in LNB brings its documents back, found from the retailer listing', async () => {
    const invoice = selectedInvoices()[5];
    const retailerRef = lnb.admin.invoice(invoice)!.retailer_reference!;
    const retailer = lnb.admin.retailer(retailerRef)!;
    lnb.admin.changeRetailer(retailerRef, { billing_address: { ...retailer.billing_address, vat_number: 'FR00999999999' } });
    const run = await requestRun();
    const ofRetailer = selectedInvoices().filter((ref) => lnb.admin.invoice(ref)!.retailer_reference === retailerRef);
    expect(refs(run)).toEqual(ofRetailer.sort());
    expect(run.detected.every((e) => e.payload.retailer.vat_number === 'FR00999999999')).toBe(true);
    // Read besides them: only the invoices of orders changed within the overlap (the test before fixed one).
    const { counts, changedOrders } = completed(run);
    expect(counts.enriched).toBeGreaterThanOrEqual(ofRetailer.length);
    expect(counts.enriched).toBeLessThanOrEqual(ofRetailer.length + changedOrders!);
    expect(run.calls['GET /orders/:reference']).toBe(ofRetailer.length);
  });

  it('a change the update_time filter cannot see waits for the full re-check, which finds it', async () => {
    const invoice = missingEan13(1);
    fixOrderOf(invoice, true);
    const blind = await requestRun();
    expect(completed(blind).counts.emitted).toBe(0);

    const recheck = await requestRun({ fullRecheck: true });
    expect(recheck.started).toMatchObject({ scope: 'full', scopeReason: 'a full re-check was requested: every document and its order are read again' });
    expect(refs(recheck)).toEqual([invoice]);
    expect(completed(recheck).counts).toMatchObject({ enriched: selectedInvoices().length, emitted: 1 });
  });

  it('the periodic full re-check comes by itself once the last one is older than its cadence', async () => {
    const pg = new Client({ connectionString: db.url });
    await pg.connect();
    try {
      // Eight days ago, as far as the poller can tell (the default cadence is a week).
      await pg.query(`update poller.flow_progress set last_full_at = now() - interval '8 days' where flow = 'invoices'`);
    } finally {
      await pg.end();
    }
    const due = await requestRun();
    expect(due.started.scope).toBe('full');
    expect(due.started.scopeReason).toMatch(/^the full re-check \(every 7 days\) is due: the last one started /);
    expect(completed(due).counts.emitted).toBe(0);
    const next = await requestRun();
    expect(next.started.scope).toBe('incremental');
  });

  it('an order listing that fails part-way fails the run in plain words, and the next run starts from the same point', async () => {
    // The last invoice missing an EAN13: its order comes last in the changed-orders listing (LNB lists by index).
    const late = missingEan13s().at(-1)!;
    const earlier = selectedInvoices()
      .filter((ref) => ref < late)
      .slice(0, 6);
    expect(earlier).toHaveLength(6);
    lnb.admin.setPageSize(3);
    try {
      for (const ref of earlier) lnb.admin.changeOrder(lnb.admin.invoice(ref)!.order_reference!, { status: 'closed' });
      fixOrderOf(late);
      // The first page of changed orders passes; the next ones (the fixed order's among them) fail.
      lnb.admin.injectFault({ kind: 'server-error', path: '/orders', skip: 1, times: 'always', status: 503 });
      const failed = await requestRun();
      expect(failed.outcome.type).toBe('RunFailed');
      const problem = (failed.outcome.payload as RunFailed.Value).problem;
      expect(problem.code).toBe('LNB.UNAVAILABLE');
      expect(problem.message).toMatch(
        /^Le New Black could not be reached; nothing was lost, run it again later\. \(Le New Black failed \(HTTP 503\) on GET \S*\/orders\?update_time_from=\S*&page=2&access_token=\[REDACTED\]/,
      );
      expect(failed.detected).toEqual([]);

      lnb.admin.clearFaults();
      const rerun = await requestRun();
      expect(rerun.started.changedSince).toBe(failed.started.changedSince);
      expect(refs(rerun)).toEqual([late]);
      expect(completed(rerun).changedOrders).toBeGreaterThanOrEqual(7);
    } finally {
      lnb.admin.setPageSize(500);
    }
  });

  it('an LNB clock running behind ours is covered by the overlap', async () => {
    const before = await requestRun();
    lnb.admin.setClockOffset(-90_000);
    try {
      const invoice = missingEan13(3);
      const fixed = fixOrderOf(invoice);
      // LNB stamped the fix before the last run started, by our clock: only the overlap reaches it.
      expect(Date.parse(fixed.update_time!)).toBeLessThan(Date.parse(before.started.startedAt));
      const run = await requestRun();
      expect(refs(run)).toEqual([invoice]);
    } finally {
      lnb.admin.setClockOffset(0);
    }
  });

  it('an invoice whose order LNB does not have is reported as before, and looked for again every run', async () => {
    const created = lnb.admin.createInvoice({ status: 'final', order_reference: 'ORD-404404' });
    const first = await requestRun();
    expect(refs(first)).toEqual([created.reference_number]);
    expect(first.detected[0].payload.document.items.every((line) => line.ean13 === null)).toBe(true);
    const key = `${CONNECTION}:invoice:${created.reference_number}`;
    const rejected = await waitFor('the mapper to reject it', () => mapperAnswers(key).find((e) => e.type === 'DocumentRejected'));
    expect((rejected.payload as DocumentRejected.Value).problems.map((p) => p.code)).toContain('LNB.MISSING_EAN13');

    const again = await requestRun();
    expect(completed(again).counts).toMatchObject({ emitted: 0 });
    // The missing order is asked for again (the orders changed within the overlap come with their listing).
    expect(again.calls['GET /orders/:reference']).toBe(1);
    expect(again.statuses['404']).toBe(1);
  });
});
