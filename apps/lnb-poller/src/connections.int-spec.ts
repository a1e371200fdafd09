// One poller process serves every connection (issue 12): two brands, each with its own LNB sandbox account, run
// side by side in one process. Each run reads with its connection's credentials and spends its connection's LNB
// budget; its documents are keyed and published under its connection; each connection's schedule and selection
// are its own. A brand whose LNB account keeps failing (429 after 429) holds no more than its share of the
// process: another brand's run is claimed and completes meanwhile. Its metrics count each brand under its own
// connection, and are read with the metrics token only.
import {
  createEnvelope,
  type DetectedDocumentValue,
  type EventEnvelope,
  type Flow,
  flowKey,
  type RunCompleted,
  type RunFailed,
  ScheduleChangeRequested,
  SelectionChangeRequested,
  type SelectionRules,
} from '@lnbx/contracts';
import { DEFAULT_RULES } from '@lnbx/scheduling';
import { metricValue, parseMetrics, readMetrics, waitFor } from '@lnbx/testing';
import { Pool } from 'pg';
import { PollerHarness } from './testing/harness';

const UK = 'brand-uk';
const NL = 'brand-nl';
const SLOW = 'brand-slow';
const ACCOUNTS = [
  { id: 'uk', clientId: 'uk-client', clientSecret: 'uk-secret-0123456789', brand: 'uk' as const, invoices: 15, creditNotes: 2, seed: 11 },
  { id: 'nl', clientId: 'nl-client', clientSecret: 'nl-secret-0123456789', brand: 'nl' as const, invoices: 20, creditNotes: 2, seed: 22 },
  { id: 'slow', clientId: 'slow-client', clientSecret: 'slow-secret-0123456789', invoices: 10, creditNotes: 2, seed: 33 },
];

const METRICS_TOKEN = 'a-metrics-token-for-tests-0123456789abcdef';

describe('lnb-poller: every connection in one process', () => {
  // The harness's connection has the sandbox's default account (the first): the UK brand's.
  const h = new PollerHarness({ name: 'connections', connectionId: UK });
  let pool: Pool;

  beforeAll(async () => {
    await h.start({ accounts: ACCOUNTS });
    await h.setCredentials(NL, { clientId: ACCOUNTS[1].clientId, clientSecret: ACCOUNTS[1].clientSecret });
    await h.setCredentials(SLOW, { clientId: ACCOUNTS[2].clientId, clientSecret: ACCOUNTS[2].clientSecret });
    // Two runs at once in the process, one per connection: a third connection's run waits for a slot, not for a brand.
    await h.startPoller({ POLLER_CONCURRENT_RUNS: '2', POLLER_RUNS_PER_CONNECTION: '1', POLLER_TICK_MS: '100', LNB_RETRY_BASE_MS: '10', METRICS_TOKEN });
    pool = new Pool({ connectionString: h.db.url, max: 2 });
  });

  afterEach(() => h.reportFailure(expect.getState(), 60));

  afterAll(async () => {
    await pool?.end();
    await h.stop();
  });

  const callsOf = (account: string) => h.lnb.admin.account(account).calls().total;
  const completed = (outcome: EventEnvelope) => {
    expect(outcome.type).toBe('RunCompleted');
    return (outcome.payload as RunCompleted.Value).counts;
  };
  const refs = (detected: EventEnvelope<DetectedDocumentValue>[]) => detected.map((e) => e.payload.document.reference_number).sort();
  const context = (connectionId: string, correlationId: string, flow: Flow) => ({
    producer: 'monitor-api' as const,
    connectionId,
    correlationId,
    key: flowKey(connectionId, flow),
  });
  const scheduleChange = (connectionId: string, correlationId: string, value: Omit<ScheduleChangeRequested.Value, 'requestedBy'>) =>
    createEnvelope(ScheduleChangeRequested.definition, { ...value, requestedBy: 'test' }, context(connectionId, correlationId, value.flow));
  const selectionChange = (connectionId: string, correlationId: string, value: Omit<SelectionChangeRequested.Value, 'requestedBy'>) =>
    createEnvelope(SelectionChangeRequested.definition, { ...value, requestedBy: 'test' }, context(connectionId, correlationId, value.flow));

  it('runs two connections at once, each reading its own LNB account and publishing under its own connection', async () => {
    // The same reference in both accounts (each generates INV-000001...): a new invoice marked in each.
    const ukMarked = h.lnb.admin.account('uk').createInvoice({ status: 'final', purchase_order_reference: 'PO-UK-MARK' });
    const nlMarked = h.lnb.admin.account('nl').createInvoice({ status: 'final', purchase_order_reference: 'PO-NL-MARK' });

    const [uk, nl] = await Promise.all([h.run({}, UK), h.run({}, NL)]);
    expect(completed(uk.outcome).emitted).toBeGreaterThan(0);
    expect(completed(nl.outcome).emitted).toBeGreaterThan(0);
    for (const [run, connectionId] of [
      [uk, UK],
      [nl, NL],
    ] as const) {
      expect([run.started.connectionId, run.outcome.connectionId]).toEqual([connectionId, connectionId]);
      expect(run.outcome.key).toBe(flowKey(connectionId, 'invoices'));
      expect(run.detected.every((e) => e.connectionId === connectionId && e.payload.documentKey.startsWith(`${connectionId}:invoice:`))).toBe(true);
    }
    const po = (run: typeof uk, ref: string) =>
      run.detected.find((e) => e.payload.document.reference_number === ref)?.payload.document.purchase_order_reference;
    expect(po(uk, ukMarked.reference_number)).toBe('PO-UK-MARK');
    expect(po(nl, nlMarked.reference_number)).toBe('PO-NL-MARK');
    expect(JSON.stringify(uk.detected)).not.toContain('PO-NL-MARK');
    expect(JSON.stringify(nl.detected)).not.toContain('PO-UK-MARK');
    // Documents of the same reference in both brands are two documents.
    expect(refs(uk.detected).filter((r) => refs(nl.detected).includes(r)).length).toBeGreaterThan(0);
    expect(callsOf('uk')).toBeGreaterThan(0);
    expect(callsOf('nl')).toBeGreaterThan(0);
    expect(callsOf('slow')).toBe(0);

    const { rows } = await pool.query<{ connection_id: string; flow: string }>('select connection_id, flow from poller.flow_progress order by 1, 2');
    expect(rows).toEqual([
      { connection_id: NL, flow: 'invoices' },
      { connection_id: UK, flow: 'invoices' },
    ]);
    const budgets = await pool.query<{ connection_id: string }>('select connection_id from poller.lnb_budget order by 1');
    expect(budgets.rows.map((r) => r.connection_id)).toEqual([NL, UK]);

    // Each brand's figures under its own connection: what its run emitted, its run's duration, its LNB requests.
    const text = await readMetrics(h.poller.url, { authorization: `Bearer ${METRICS_TOKEN}` });
    const detected = (connection: string) => metricValue(text, 'lnbx_documents_detected_total', { connection, type: 'invoice', mode: 'export' });
    expect([detected(UK), detected(NL)]).toEqual([completed(uk.outcome).emitted, completed(nl.outcome).emitted]);
    const runs = (connection: string) => metricValue(text, 'lnbx_poller_run_duration_seconds_count', { connection, flow: 'invoices', outcome: 'completed' });
    expect([runs(UK), runs(NL), runs(SLOW)]).toEqual([1, 1, 0]);
    const requested = (connection: string) => metricValue(text, 'lnbx_lnb_requests_total', { connection });
    expect([requested(UK) > 0, requested(NL) > 0, requested(SLOW)]).toEqual([true, true, 0]);
    const connections = new Set(parseMetrics(text).flatMap((m) => (m.name.startsWith('lnbx_') && m.labels.connection ? [m.labels.connection] : [])));
    expect([...connections].sort()).toEqual([NL, UK]);
  });

  it('serves its metrics with the metrics token only, when it has one', async () => {
    expect((await fetch(`${h.poller.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${h.poller.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN.slice(0, -1)}` } })).status).toBe(401);
    expect((await fetch(`${h.poller.url}/health`)).status).toBe(200);
  });

  it("keeps each connection's schedule and selection its own: a hold-back of one brand holds nothing of the other", async () => {
    const ukInvoice = h.lnb.admin.account('uk').createInvoice({ status: 'final', purchase_order_reference: 'PO-UK-2' });
    const nlInvoice = h.lnb.admin.account('nl').createInvoice({ status: 'final', purchase_order_reference: 'PO-NL-2' });
    const rules: SelectionRules = { ...DEFAULT_RULES, holdBack: [nlInvoice.reference_number] };
    await h.publisher.publish([
      scheduleChange(UK, 'uk-schedule', { flow: 'invoices', enabled: true, cron: '0 6 * * 1-5' }),
      scheduleChange(NL, 'nl-schedule', { flow: 'invoices', enabled: true, cron: '30 7 * * *', timeZone: 'Europe/Amsterdam' }),
      selectionChange(NL, 'nl-selection', { flow: 'invoices', rules }),
    ]);
    for (const id of ['uk-schedule', 'nl-schedule', 'nl-selection']) {
      await waitFor(`the change ${id}`, () => h.received.find((e) => e.type.endsWith('Changed') && e.correlationId === id));
    }
    const schedules = await pool.query('select connection_id, flow, cron, time_zone from poller.schedules order by 1');
    expect(schedules.rows).toEqual([
      { connection_id: NL, flow: 'invoices', cron: '30 7 * * *', time_zone: 'Europe/Amsterdam' },
      { connection_id: UK, flow: 'invoices', cron: '0 6 * * 1-5', time_zone: null },
    ]);
    const selections = await pool.query('select connection_id, flow from poller.selections order by 1');
    expect(selections.rows).toEqual([{ connection_id: NL, flow: 'invoices' }]);
    const streams = await pool.query<{ stream_id: string }>(`select stream_id from poller.streams where stream_id ~ '^(schedule|selection)-' order by 1`);
    expect(streams.rows.map((r) => r.stream_id)).toEqual([`schedule-${NL}-invoices`, `schedule-${UK}-invoices`, `selection-${NL}-invoices`]);

    const [uk, nl] = await Promise.all([h.run({}, UK), h.run({}, NL)]);
    expect(refs(uk.detected)).toEqual([ukInvoice.reference_number]);
    expect(refs(nl.detected)).toEqual([]);
    expect(completed(uk.outcome).heldBack).toBe(0);
    expect(completed(nl.outcome).heldBack).toBe(1);
  });

  it("a brand whose LNB account keeps answering 429 holds no more than its share: another brand's run completes meanwhile", async () => {
    // Every request of the slow brand's account is refused for a while (its Retry-After pauses its budget alone).
    h.lnb.admin.account('slow').injectFault({ kind: 'rate-limit', times: 'always', retryAfterSeconds: 5 });
    const slowFirst = await h.request({ flow: 'invoices' }, SLOW);
    await waitFor('the slow brand’s first run to be claimed', async () => {
      const { rows } = await pool.query<{ status: string }>('select status from poller.runs where run_id = $1', [slowFirst]);
      return rows[0]?.status === 'running';
    });
    // Queued before the UK brand's run: it waits (its brand has as many runs going as it may), the UK's does not.
    const slowSecond = await h.request({ flow: 'credit_notes' }, SLOW);
    await waitFor('the slow brand’s second run to be queued', async () => {
      const { rows } = await pool.query<{ status: string }>('select status from poller.runs where run_id = $1', [slowSecond]);
      return rows[0]?.status === 'queued';
    });
    const uk = await h.run({ flow: 'credit_notes' }, UK);
    completed(uk.outcome);

    const statuses = await pool.query<{ run_id: string; status: string }>('select run_id, status from poller.runs where connection_id = $1', [SLOW]);
    expect(new Map(statuses.rows.map((r) => [r.run_id, r.status]))).toEqual(
      new Map([
        [slowFirst, 'running'],
        [slowSecond, 'queued'],
      ]),
    );
    expect(h.ofRun(slowFirst, 'RunCompleted').concat(h.ofRun(slowFirst, 'RunFailed'))).toEqual([]);
    // The 429s paused the slow brand's budget, never the UK brand's.
    const paused = await pool.query<{ connection_id: string; paused: boolean }>(
      `select connection_id, paused_until > to_timestamp(0) as paused from poller.lnb_budget where connection_id = any($1) order by 1`,
      [[SLOW, UK]],
    );
    expect(paused.rows).toEqual([
      { connection_id: SLOW, paused: true },
      { connection_id: UK, paused: false },
    ]);

    // LNB answers the slow brand again: its runs end, one after the other, the second as any run.
    h.lnb.admin.account('slow').clearFaults();
    const first = await h.outcome(slowFirst, { timeoutMs: 90_000 });
    expect(first.connectionId).toBe(SLOW);
    const second = await h.outcome(slowSecond, { timeoutMs: 90_000 });
    expect(second.type).toBe('RunCompleted');
    const firstEnded = first.type === 'RunCompleted' ? (first.payload as RunCompleted.Value).completedAt : (first.payload as RunFailed.Value).failedAt;
    expect(Date.parse((await h.started(slowSecond)).payload.startedAt)).toBeGreaterThanOrEqual(Date.parse(firstEnded));
  });
});
