// monitor-api as its own process against the real broker and Postgres: events published on Kafka are
// projected into runs, task logs and documents; the REST API reads them back with its keys and roles;
// commands go out on Kafka; dead letters, metrics, the failure webhook, the Xero connection (from the
// exporter's events only: the monitor never calls the exporter) and the rebuild are checked.
// A local HTTP server receives the webhook.
import { AllocationCheckRequested, createEnvelope, documentKey, EventEnvelope, flowKey, RunRequested, SelectionChanged, topicName } from '@lnbx/contracts';
import { EventPublisher } from '@lnbx/messaging';
import {
  createTestDatabase,
  http,
  kafkaBrokers,
  readMetrics,
  runMigrations,
  SpawnedService,
  spawnService,
  TestDatabase,
  testKafkaEnv,
  uniqueTopicPrefix,
  waitFor,
} from '@lnbx/testing';
import { Consumer, Kafka, logLevel } from 'kafkajs';
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'pg';
import { aRun, missingEan13, missingRetailerReference, noSelectionRules, RunEvents, xeroValidation } from './domain/testing';
import type { XeroStatus } from './domain/xero-status';
import { rebuild } from './store/projector';

const VIEWER = 'viewer-key-for-tests-0123456789';
const OPERATOR = 'operator-key-for-tests-0123456789';
const asViewer = { 'x-api-key': VIEWER };
const asOperator = { authorization: `Bearer ${OPERATOR}` };
/** What Prometheus sends: the metrics token, the only thing but an admin key that reads /metrics here. */
const METRICS_TOKEN = 'a-metrics-token-for-tests-0123456789abcdef';
const asPrometheus = { authorization: `Bearer ${METRICS_TOKEN}` };
/** The exporter as the monitor would reach it (nothing listens: connecting is tested in xero-connect.int-spec.ts). */
const EXPORTER_URL = 'http://xero-exporter.invalid:4003';

function listen(handler: Parameters<typeof createServer>[1]): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })));
}

describe('monitor-api', () => {
  const prefix = uniqueTopicPrefix('monitor');
  const kafka = new Kafka({ clientId: 'monitor-test', brokers: kafkaBrokers(), logLevel: logLevel.NOTHING });
  const publisher = new EventPublisher(kafka, prefix);
  const webhook: { text: string; blocks?: unknown[] }[] = [];
  const requested: EventEnvelope<RunRequested.Value>[] = [];
  const checks: EventEnvelope<AllocationCheckRequested.Value>[] = [];
  let db: TestDatabase;
  let pool: Pool;
  let monitor: SpawnedService;
  let servers: Server[] = [];
  let commands: Consumer;

  const get = <T>(path: string, headers: Record<string, string> = asViewer) => http<T>('GET', `${monitor.url}${path}`, undefined, headers);
  const send = (...envs: EventEnvelope[]) => publisher.publish(envs);
  const metrics = () => readMetrics(monitor.url, asPrometheus);

  beforeAll(async () => {
    db = await createTestDatabase('monitor');
    pool = new Pool({ connectionString: db.url });
    const hook = await listen((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        webhook.push(JSON.parse(body));
        res.end('ok');
      });
    });
    servers = [hook.server];
    monitor = await spawnService('monitor-api', {
      DATABASE_URL: db.url,
      ...testKafkaEnv(),
      KAFKA_TOPIC_PREFIX: prefix,
      MONITOR_BOOTSTRAP_KEYS: `viewer@acme:${VIEWER},operator@acme:${OPERATOR}`,
      MONITOR_WEBHOOK_URL: `${hook.url}/hook`,
      MONITOR_WEBHOOK_DIGEST_SECONDS: '1',
      EXPORTER_INTERNAL_URL: EXPORTER_URL,
      EXPORTER_SERVICE_TOKEN: 'a-service-token-for-tests-0123456789abcdef',
      METRICS_TOKEN,
      CONSUMER_MAX_ATTEMPTS: '2',
      CONSUMER_RETRY_BASE_MS: '20',
    });
    commands = kafka.consumer({ groupId: `${prefix}test-commands` });
    await commands.connect();
    const checkTopic = topicName(prefix, AllocationCheckRequested.definition.topic);
    await commands.subscribe({ topics: [topicName(prefix, RunRequested.definition.topic), checkTopic], fromBeginning: true });
    await commands.run({
      eachMessage: async ({ topic, message }) => void (topic === checkTopic ? checks : requested).push(JSON.parse(message.value!.toString())),
    });
  });

  afterAll(async () => {
    await commands?.disconnect();
    await publisher.close();
    await monitor?.stop();
    await pool?.end();
    await db?.drop();
    servers.forEach((s) => s.close());
  });

  describe('security', () => {
    it('asks for a key everywhere but health and the page itself, and for the metrics token (or an admin key) on /metrics', async () => {
      expect((await http('GET', `${monitor.url}/api/runs`)).status).toBe(401);
      expect((await get('/api/runs', { 'x-api-key': 'not-a-key-at-all-0000000' })).status).toBe(401);
      expect((await http('GET', `${monitor.url}/health`)).status).toBe(200);
      // The series name every connection: a brand's key, whatever its role, is refused them.
      const metricsAs = async (headers: Record<string, string>) => (await fetch(`${monitor.url}/metrics`, { headers })).status;
      expect(await metricsAs({})).toBe(401);
      expect(await metricsAs({ authorization: `Bearer ${METRICS_TOKEN}x` })).toBe(401);
      expect(await metricsAs(asViewer)).toBe(403);
      expect(await metricsAs(asOperator)).toBe(403);
      expect(await metricsAs(asPrometheus)).toBe(200);
      const page = await fetch(`${monitor.url}/`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
      expect(await page.text()).toMatch(/Export invoices now/);
    });

    it('lets a viewer read but not trigger, and never returns a secret', async () => {
      expect((await get<{ name: string; role: string }>('/api/me')).body).toEqual({ name: 'bootstrap-viewer-1', role: 'viewer', connection: 'acme' });
      const refused = await http<{ message: string }>('POST', `${monitor.url}/api/runs`, { flow: 'invoices' }, asViewer);
      expect(refused.status).toBe(403);
      expect(refused.body.message).toMatch(/operator key/);
      const { rows } = await pool.query('select hash from monitor.api_keys');
      expect(rows).toHaveLength(2);
      expect(JSON.stringify(rows)).not.toContain(VIEWER);
    });

    it('keeps CORS closed and refuses big bodies', async () => {
      const pre = await fetch(`${monitor.url}/api/runs`, {
        method: 'OPTIONS',
        headers: { origin: 'http://elsewhere.example', 'access-control-request-method': 'POST' },
      });
      expect(pre.headers.get('access-control-allow-origin')).toBeNull();
      const big = await http('POST', `${monitor.url}/api/runs`, { flow: 'invoices', documents: ['x'.repeat(120_000)] }, asOperator);
      expect(big.status).toBe(413);
    });
  });

  describe('a run, projected from the events of every service', () => {
    const run = aRun();
    const bad = run.rejected('INV-2', [missingEan13('JKT-001-BLK-M'), missingRetailerReference()]);

    beforeAll(async () => {
      await send(run.requested('schedule'), run.started('schedule'));
      await send(run.detected('INV-1', { retailer: 'RET-7', invoiceOn: '2026-02-10' }), run.detected('INV-2'), run.detected('INV-3'));
      await send(run.mapped('INV-1'), bad, run.mapped('INV-3'));
      await send(run.exported('INV-1'), run.exportFailed('INV-3', [xeroValidation()]), run.completed(3));
      await send(bad); // redelivered: projected once
    });

    it('shows the run with its outcome and document counts', async () => {
      const r = await waitFor('the run to be complete with its trigger and three outcomes', async () => {
        const res = await get<{ status: string; documents: Record<string, number>; trigger: string }>(`/api/runs/${run.runId}`);
        const d = res.body.documents;
        return res.body.status === 'completed' && res.body.trigger === 'schedule' && d.exported === 1 && d.rejected === 1 && d.failed === 1
          ? res.body
          : undefined;
      });
      expect(r).toMatchObject({ trigger: 'schedule', documents: { total: 3, exported: 1, rejected: 1, failed: 1 } });
      const list = await get<{ runs: { runId: string }[] }>('/api/runs?flow=invoices&status=completed');
      expect(list.body.runs.map((x) => x.runId)).toContain(run.runId);
    });

    it('shows nothing of what a run read from LNB when its poller did not say (older events), nor for a view stored before incremental runs', async () => {
      const unsaid = { fullRecheck: false, scope: null, scopeReason: null, changedSince: null, lnbRequests: null, changedOrders: null };
      const path = `/api/runs/${run.runId}`;
      const answered = await waitFor('the run, started and completed', async () => {
        const res = await get<{ status: string; startedAt: string | null }>(path);
        return res.body.status === 'completed' && res.body.startedAt ? res.body : undefined;
      });
      expect(answered).toMatchObject(unsaid);
      const {
        rows: [stored],
      } = await pool.query<{ view: object }>('select view from monitor.runs where run_id = $1', [run.runId]);
      await pool.query(
        `update monitor.runs set view = view - array['fullRecheck', 'scope', 'scopeReason', 'changedSince', 'lnbRequests', 'changedOrders'] where run_id = $1`,
        [run.runId],
      );
      try {
        expect((await get(path)).body).toMatchObject({ status: 'completed', ...unsaid });
        const listed = await get<{ runs: { runId: string }[] }>('/api/runs?flow=invoices');
        expect(listed.body.runs.find((r) => r.runId === run.runId)).toMatchObject(unsaid);
      } finally {
        await pool.query('update monitor.runs set view = $1 where run_id = $2', [JSON.stringify(stored.view), run.runId]);
      }
    });

    it('keeps a task log with plain messages and stable codes, filtered and downloadable', async () => {
      const log = await get<{ lines: { level: string; code: string | null; message: string }[] }>(`/api/runs/${run.runId}/log`);
      const messages = log.body.lines.map((l) => l.message);
      expect(messages).toEqual(
        expect.arrayContaining(['Invoice INV-1 detected (revision rev-INV-)', 'Rejected: Missing EAN13 for SKU JKT-001-BLK-M', 'Exported to Xero as INV-1']),
      );
      expect(messages.filter((m) => m.startsWith('Rejected: Missing EAN13'))).toHaveLength(1);
      const errors = await get<{ lines: { code: string }[] }>(`/api/runs/${run.runId}/log?level=error`);
      expect(errors.body.lines.map((l) => l.code).sort()).toEqual(['LNB.MISSING_EAN13', 'LNB.MISSING_RETAILER_REFERENCE', 'XERO.VALIDATION']);
      expect((await get<{ lines: unknown[] }>(`/api/runs/${run.runId}/log?code=XERO.VALIDATION`)).body.lines).toHaveLength(1);
      expect((await get<{ lines: unknown[] }>(`/api/runs/${run.runId}/log?q=inv-3`)).body.lines.length).toBeGreaterThanOrEqual(3);
      const file = await fetch(`${monitor.url}/api/runs/${run.runId}/log.txt`, { headers: asViewer });
      expect(file.headers.get('content-disposition')).toMatch(/attachment; filename="run-\d+-invoices.log"/);
      expect(await file.text()).toMatch(/ERROR  LNB.MISSING_EAN13  INV-2  Rejected: Missing EAN13 for SKU JKT-001-BLK-M/);
    });

    it('lists documents by state, code, retailer and date, each with its history', async () => {
      const ids = async (q: string) => (await get<{ documents: { reference: string }[] }>(`/api/documents?${q}`)).body.documents.map((d) => d.reference);
      expect(await ids('state=rejected')).toEqual(['INV-2']);
      expect(await ids('code=XERO.VALIDATION')).toEqual(['INV-3']);
      expect(await ids('retailer=ret-7')).toEqual(['INV-1']);
      expect(await ids('from=2026-02-01&to=2026-02-28')).toEqual(['INV-1']);
      const bad400 = await get<{ message: string[] }>('/api/documents?state=lost&from=yesterday');
      expect(bad400.status).toBe(400);
      expect(bad400.body.message.join(' ')).toMatch(/state must be one of .*from must be a date/);
      const doc = await get<{ state: string; xero: { url: string }; history: { message: string }[] }>(
        `/api/documents/${encodeURIComponent(run.keyOf('INV-1'))}`,
      );
      expect(doc.body.state).toBe('exported');
      expect(doc.body.xero.url).toMatch(/^https:\/\/go\.xero\.com\//);
      expect(doc.body.history.map((h) => h.message)).toEqual([
        'Invoice INV-1 detected (revision rev-INV-)',
        expect.stringMatching(/^Invoice INV-1 ready for Xero/),
        'Exported to Xero as INV-1',
      ]);
    });

    it('retries a failed document, and all failed documents of a run, as new runs sent to the poller', async () => {
      const one = await http<{ runId: string }>('POST', `${monitor.url}/api/documents/${encodeURIComponent(run.keyOf('INV-3'))}/retry`, undefined, asOperator);
      expect(one.status).toBe(202);
      const all = await http<{ runId: string; documents: string[] }>('POST', `${monitor.url}/api/runs/${run.runId}/retry-failed`, undefined, asOperator);
      expect(all.body.documents.sort()).toEqual(['INV-2', 'INV-3']);
      const sent = await waitFor('both retries on Kafka', () => {
        const found = [one.body.runId, all.body.runId].map((id) => requested.find((r) => r.payload.runId === id));
        return found.every(Boolean) ? found.map((f) => f!.payload) : undefined;
      });
      expect(sent.map((p) => [p.trigger, p.documents?.sort(), p.requestedBy])).toEqual([
        ['retry', ['INV-3'], 'bootstrap-operator-1'],
        ['retry', ['INV-2', 'INV-3'], 'bootstrap-operator-1'],
      ]);
      expect((await http('POST', `${monitor.url}/api/documents/${encodeURIComponent(run.keyOf('INV-1'))}/retry`, undefined, asOperator)).status).toBe(409);
    });

    it('counts runs and documents once per event, and watches consumer lag', async () => {
      const text = await waitFor('the lag gauge', async () => {
        const t = await metrics();
        return /lnbx_consumer_lag\{group="monitor-api",topic="lnb.run.started.v1"/.test(t) ? t : undefined;
      });
      expect(text).toMatch(/lnbx_runs_total\{connection="acme",flow="invoices",outcome="completed",service="monitor-api"\} 1/);
      expect(text).toMatch(/lnbx_documents_detected_total\{connection="acme",type="invoice",service="monitor-api"\} 3/);
      expect(text).toMatch(/lnbx_documents_exported_total\{connection="acme",type="invoice",outcome="created",service="monitor-api"\} 1/);
      expect(text).toMatch(/lnbx_documents_export_failed_total\{connection="acme",type="invoice",code="XERO.VALIDATION",service="monitor-api"\} 1/);
      expect(text).toMatch(/lnbx_detected_to_exported_seconds_count\{service="monitor-api",connection="acme",type="invoice"\} 1/);
      expect(text).toMatch(/lnbx_documents_stuck\{connection="acme",flow="invoices",service="monitor-api"\} 0/);
    });

    it('sends digests of the rejections and failures to the webhook, counted by code', async () => {
      const all = () => webhook.map((m) => m.text).join('\n');
      await waitFor('the rejections and the failed export in the digests', () => /rejected/.test(all()) && /could not be exported/.test(all()));
      expect(all()).toMatch(/^Run \d+ of invoices: 1 document rejected \(1 x LNB.MISSING_EAN13, 1 x LNB.MISSING_RETAILER_REFERENCE\)$/m);
      expect(all()).toMatch(/^Run \d+ of invoices: 1 document could not be exported to Xero \(1 x XERO.VALIDATION\)$/m);
      expect(webhook.every((m) => m.blocks?.length === 1)).toBe(true);
    });

    it('rebuilds the same read models from its journal', async () => {
      const snapshot = async () =>
        (
          await pool.query(`select
        (select json_agg(r order by run_id) from (select run_id, status, view from monitor.runs) r) as runs,
        (select json_agg(d order by document_key) from (select document_key, state, view from monitor.documents) d) as docs,
        (select json_agg(l order by at, message) from (select run_id, at, level, code, message from monitor.log_lines) l) as lines`)
        ).rows[0];
      const before = await snapshot();
      await pool.query('delete from monitor.documents');
      const counts = await rebuild(pool);
      expect(counts.events).toBeGreaterThan(10);
      expect(await snapshot()).toEqual(before);
    });
  });

  describe('dead letters', () => {
    it('writes a dead letter as an error line of its run, and counts it', async () => {
      const run = aRun();
      await send(run.requested());
      const original = JSON.stringify({ ...run.detected('INV-DL'), payload: { broken: true } });
      await publisher.sendRaw(topicName(prefix, 'lnb.invoice.detected.v1.dlq'), [
        {
          key: run.keyOf('INV-DL'),
          value: original,
          headers: {
            'x-dlq-code': 'CONTRACT.BAD_PAYLOAD',
            'x-dlq-reasons': '["payload.revision: should not be empty"]',
            'x-original-topic': topicName(prefix, 'lnb.invoice.detected.v1'),
            'x-original-partition': '1',
            'x-original-offset': '12',
            'x-consumer-group': `${prefix}mapper`,
            'x-failed-at': new Date().toISOString(),
          },
        },
      ]);
      const line = await waitFor(
        'the dead letter in the run log',
        async () =>
          (await get<{ lines: { code: string; message: string; level: string }[] }>(`/api/runs/${run.runId}/log?code=CONTRACT.BAD_PAYLOAD`)).body.lines[0],
      );
      expect(line).toMatchObject({
        level: 'error',
        message: 'InvoiceDetected on lnb.invoice.detected.v1 was refused by mapper and set aside: payload.revision: should not be empty',
      });
      expect(await metrics()).toMatch(/lnbx_dead_letters_seen_total\{topic="lnb.invoice.detected.v1",code="CONTRACT.BAD_PAYLOAD",service="monitor-api"\} 1/);
    });

    it('catches what its own consumer refuses, even bytes that are not JSON, as a run-less line', async () => {
      await publisher.sendRaw(topicName(prefix, 'mapper.document.mapped.v1'), [{ key: 'acme:invoice:X', value: '{"not json' }]);
      const line = await waitFor('the unreadable letter', async () =>
        (await get<{ lines: { code: string; message: string }[] }>('/api/runs/unattached-log')).body.lines.find((l) => l.code === 'CONTRACT.NOT_JSON'),
      );
      expect(line.message).toMatch(/^A message on mapper.document.mapped.v1 was refused by monitor-api and set aside: not JSON/);
    });
  });

  describe('preview', () => {
    it('lists what would be sent to Xero and what would be rejected, leaving the documents as they are', async () => {
      const preview = new RunEvents(undefined, 'credit_notes', 'preview');
      await send(
        preview.requested(),
        preview.started(),
        preview.detected('CN-1'),
        preview.detected('CN-2'),
        preview.mapped('CN-1'),
        preview.rejected('CN-2', [missingEan13('TSH-014-NVY-S')]),
        preview.completed(2),
      );
      const p = await waitFor('the preview', async () => {
        const res = await get<{
          wouldSend: { reference: string; xero: { number: string } }[];
          wouldReject: { reference: string; problems: { code: string }[] }[];
        }>(`/api/runs/${preview.runId}/preview`);
        return res.status === 200 && res.body.wouldSend.length + res.body.wouldReject.length === 2 ? res.body : undefined;
      });
      expect(p.wouldSend.map((d) => [d.reference, d.xero.number])).toEqual([['CN-1', 'CN-1']]);
      expect(p.wouldReject.map((d) => [d.reference, d.problems[0].code])).toEqual([['CN-2', 'LNB.MISSING_EAN13']]);
      expect((await get(`/api/documents/${encodeURIComponent(preview.keyOf('CN-1'))}`)).status).toBe(404);
    });
  });

  describe('credit notes in Xero and their allocations (never a failure)', () => {
    const run = new RunEvents(undefined, 'credit_notes');
    const [waits, early, unallocated, done] = ['CN-A1', 'CN-A2', 'CN-A3', 'CN-A4'];
    const lifecycle = (ref: string) => [run.detected(ref), run.mapped(ref), run.exported(ref)];
    type Allocation = {
      state: string;
      message: string;
      invoiceNumber: string;
      waitingFor: string[];
      nextCheckAt: string | null;
      amount: number | null;
      code: string | null;
    };
    type Doc = { reference: string; state: string; allocation: Allocation | null; history: { level: string; code: string | null; message: string }[] };
    const docOf = (ref: string) => get<Doc>(`/api/documents/${encodeURIComponent(run.keyOf(ref))}`);
    const refs = async (q: string) =>
      (await get<{ documents: { reference: string }[] }>(`/api/documents?flow=credit_notes&${q}`)).body.documents.map((d) => d.reference).sort();
    const waitingEvent = run.allocationWaiting(early, { invoiceNumber: 'INV-000009', waitingFor: ['invoice_in_xero'] });
    const notPossible = run.allocationNotPossible(unallocated);

    beforeAll(async () => {
      await send(run.requested(), run.started());
      // The exporter's word on CN-A2's allocation comes first, before anything else of the document (other topics).
      await send(waitingEvent);
      await waitFor(
        'the early allocation in the task log',
        async () => (await get<{ lines: { reference: string }[] }>(`/api/runs/${run.runId}/log`)).body.lines.some((l) => l.reference === early) || undefined,
      );
      await send(...lifecycle(waits), ...lifecycle(early), ...lifecycle(unallocated), ...lifecycle(done));
      await send(run.allocationWaiting(waits), notPossible, run.allocationWaiting(done), run.allocated(done), run.completed(4));
    });

    it('shows every credit note exported, none failed, each with its allocation, in the run and its documents', async () => {
      const summary = await waitFor('the run with four exported credit notes and their allocations', async () => {
        const r = (
          await get<{ status: string; documents: { exported: number; failed: number }; allocations: Record<string, number> }>(`/api/runs/${run.runId}`)
        ).body;
        // CN-A4's waiting and its allocation travel on two topics: the run is read once the later one is in.
        return r.status === 'completed' && r.documents.exported === 4 && r.allocations.allocated === 1 && r.allocations.notPossible === 1 ? r : undefined;
      });
      expect(summary).toMatchObject({
        documents: { total: 4, exported: 4, failed: 0, rejected: 0 },
        allocations: { waiting: 2, allocated: 1, notPossible: 1 },
      });
      expect(await refs('allocation=waiting')).toEqual([waits, early]);
      expect(await refs('allocation=allocated')).toEqual([done]);
      expect(await refs('allocation=not_possible')).toEqual([unallocated]);
      expect(await refs('state=exported')).toEqual([waits, early, unallocated, done]);
      expect(await refs('state=failed')).toEqual([]);
      const bad = await get<{ message: string[] }>('/api/documents?allocation=stuck');
      expect(bad.status).toBe(400);
      expect(bad.body.message.join(' ')).toMatch(/allocation must be one of the following values: waiting, allocated, not_possible/);
    });

    it('keeps an allocation that came before its document, and tells the whole story in the history', async () => {
      const doc = (await docOf(early)).body;
      expect(doc).toMatchObject({
        state: 'exported',
        allocation: {
          state: 'waiting',
          invoiceNumber: 'INV-000009',
          waitingFor: ['invoice_in_xero'],
          nextCheckAt: waitingEvent.payload.nextCheckAt,
          message: waitingEvent.payload.message,
        },
      });
      expect(doc.history.map((h) => [h.level, h.message])).toEqual(
        expect.arrayContaining([
          ['info', waitingEvent.payload.message],
          ['info', `Exported to Xero as ${early}`],
        ]),
      );
      const runDocs = (await get<{ documents: { reference: string; state: string; allocation: Allocation | null }[] }>(`/api/runs/${run.runId}/documents`)).body
        .documents;
      expect(runDocs.map((d) => [d.reference, d.state, d.allocation?.state])).toEqual([
        [waits, 'exported', 'waiting'],
        [early, 'exported', 'waiting'],
        [unallocated, 'exported', 'not_possible'],
        [done, 'exported', 'allocated'],
      ]);
      expect((await docOf(done)).body.allocation).toMatchObject({ state: 'allocated', amount: 96, invoiceNumber: 'INV-000007' });
      expect((await docOf(unallocated)).body.allocation).toMatchObject({ state: 'not_possible', code: 'XERO.ALLOCATION_INVOICE_PAID' });
    });

    it('writes waiting and allocated as info, not possible as a warning with its code, and no error', async () => {
      const lines = (await get<{ lines: { level: string; code: string | null; reference: string | null; message: string }[] }>(`/api/runs/${run.runId}/log`))
        .body.lines;
      const about = (ref: string) =>
        lines.filter((l) => l.reference === ref && !/detected|ready for Xero|Exported to Xero/.test(l.message)).map((l) => [l.level, l.code, l.message]);
      expect(about(waits)).toEqual([['info', null, `Allocation of ${waits} to INV-000007 waits until ${waits} and INV-000007 are approved in Xero`]]);
      expect(about(unallocated)).toEqual([['warn', 'XERO.ALLOCATION_INVOICE_PAID', notPossible.payload.message]]);
      expect(about(done).map((l) => l[0])).toEqual(['info', 'info']);
      expect((await get<{ lines: unknown[] }>(`/api/runs/${run.runId}/log?level=error`)).body.lines).toEqual([]);
    });

    it('counts decided allocations by outcome, shows the waiting ones as a gauge, and counts no failure', async () => {
      const text = await waitFor('the allocation metrics', async () => {
        const t = await metrics();
        return /lnbx_credit_notes_allocation_waiting\{connection="acme",service="monitor-api"\} 2\n/.test(t) && /outcome="not_possible"/.test(t)
          ? t
          : undefined;
      });
      expect(text).toMatch(/lnbx_credit_note_allocations_total\{connection="acme",outcome="allocated",service="monitor-api"\} 1\n/);
      expect(text).toMatch(/lnbx_credit_note_allocations_total\{connection="acme",outcome="not_possible",service="monitor-api"\} 1\n/);
      expect(text).toMatch(/lnbx_credit_notes_allocation_waiting\{connection="acme",service="monitor-api"\} 2\n/);
      expect(text).not.toMatch(/lnbx_documents_export_failed_total\{connection="acme",type="credit_note"/);
      expect(text).toMatch(/lnbx_documents_exported_total\{connection="acme",type="credit_note",outcome="created",service="monitor-api"\} 4\n/);
    });

    it('tells the digest of the credit note left unallocated, on a line of its own, and nothing of the waiting ones', async () => {
      const { number } = (await get<{ number: number }>(`/api/runs/${run.runId}`)).body;
      const head = `Run ${number} of credit notes`;
      await waitFor('the unallocated credit note in a digest', () => webhook.some((m) => m.text.includes(head)) || undefined);
      const said = webhook.flatMap((m) => m.text.split('\n')).filter((l) => l.startsWith(head));
      expect(said).toEqual([`${head}: 1 credit note left unallocated in Xero (1 x XERO.ALLOCATION_INVOICE_PAID)`]);
    });

    it('sends "check allocations now" to the exporter for an operator, and refuses a bad body with a 400 naming the field', async () => {
      const path = `${monitor.url}/api/allocations/check`;
      expect((await http('POST', path, {}, asViewer)).status).toBe(403);
      const one = await http<{ requestedBy: string; documents: string[] | null }>('POST', path, { documents: [waits] }, asOperator);
      expect(one).toMatchObject({ status: 202, body: { requestedBy: 'bootstrap-operator-1', documents: [waits] } });
      const all = await http<{ requestedBy: string; documents: string[] | null }>('POST', path, undefined, asOperator);
      expect(all).toMatchObject({ status: 202, body: { requestedBy: 'bootstrap-operator-1', documents: null } });
      const sent = await waitFor('both checks on Kafka', () => (checks.length >= 2 ? checks : undefined));
      expect(sent.map((env) => [env.type, env.key, env.correlationId, env.producer, env.payload])).toEqual([
        ['AllocationCheckRequested', 'acme:allocations', 'acme:allocations', 'monitor-api', { requestedBy: 'bootstrap-operator-1', documents: [waits] }],
        ['AllocationCheckRequested', 'acme:allocations', 'acme:allocations', 'monitor-api', { requestedBy: 'bootstrap-operator-1' }],
      ]);
      const unattached = (await get<{ lines: { eventType: string; runId: string; message: string }[] }>('/api/runs/unattached-log')).body.lines;
      expect(unattached.filter((l) => l.eventType === 'AllocationCheckRequested').map((l) => [l.runId, l.message])).toEqual([
        ['acme:allocations', 'Allocation check requested by bootstrap-operator-1'],
        ['acme:allocations', `Allocation check requested by bootstrap-operator-1 for ${waits}`],
      ]);

      const refused = async (body: unknown) => {
        const res = await http<{ message: string[] | string }>('POST', path, body, asOperator);
        return [res.status, ([] as string[]).concat(res.body.message).join(' ')];
      };
      expect(await refused({ documents: waits })).toEqual([400, expect.stringMatching(/documents must be an array/)]);
      expect(await refused({ documents: [42] })).toEqual([400, expect.stringMatching(/each value in documents must be a string/)]);
      // An empty list never means "all": leaving the field out does.
      expect(await refused({ documents: [] })).toEqual([400, expect.stringMatching(/documents must name at least one credit note/)]);
      expect(await refused({ documents: [''] })).toEqual([400, expect.stringMatching(/each value in documents must be longer than or equal to 1 characters/)]);
      expect(await refused({ documents: [waits], flow: 'credit_notes' })).toEqual([400, expect.stringMatching(/property flow should not exist/)]);
      expect((await refused([waits]))[0]).toBe(400);
      const notJson = await fetch(path, { method: 'POST', headers: { ...asOperator, 'content-type': 'application/json' }, body: '{"documents": [' });
      expect(notJson.status).toBe(400);
      expect(checks).toHaveLength(2);
    });

    it('reads views stored before allocations existed, and upgrades and rebuilds them into the same read models', async () => {
      const snapshot = async () =>
        (
          await pool.query(`select
        (select json_agg(d order by document_key) from (select document_key, state, allocation, view from monitor.documents) d) as docs,
        (select json_agg(r order by run_id, document_key) from (select run_id, document_key, state, view from monitor.run_documents) r) as run_docs,
        (select json_agg(a order by document_key, run_id) from (select * from monitor.allocations) a) as allocations,
        (select json_agg(l order by at, message) from (select run_id, at, level, code, message from monitor.log_lines) l) as lines`)
        ).rows[0];
      const before = await snapshot();
      // The database as the monitor left it before this change (its last migration undone, no allocation
      // field in the stored views), then migrated again as an operator would.
      await runMigrations(db.url, ['down', '--owner', 'monitor']);
      await pool.query(`begin;
        update monitor.documents set view = view - 'allocation'; update monitor.run_documents set view = view - 'allocation';
        commit`);
      await runMigrations(db.url, ['up', '--owner', 'monitor']);
      expect((await docOf(done)).body).toMatchObject({ state: 'exported', allocation: null });
      expect((await get<{ documents: { allocation: unknown }[] }>(`/api/runs/${run.runId}/documents`)).body.documents.map((d) => d.allocation)).toEqual([
        null,
        null,
        null,
        null,
      ]);
      await rebuild(pool);
      expect(await snapshot()).toEqual(before);
      expect((await docOf(done)).body.allocation).toMatchObject({ state: 'allocated' });
    });
  });

  describe('schedules and selection rules', () => {
    it('validates a schedule, naming the field, and sends a good one to the poller', async () => {
      const bad = await http<{ message: string[] }>(
        'PUT',
        `${monitor.url}/api/flows/invoices/schedule`,
        { enabled: true, cron: '0 25 * * *', timeZone: 'Europe/Nowhere' },
        asOperator,
      );
      expect(bad.status).toBe(400);
      expect(bad.body.message.join(' ')).toMatch(/cron is not a valid expression.*timeZone must be an IANA time zone/);
      expect((await http('PUT', `${monitor.url}/api/flows/invoices/schedule`, { enabled: true }, asOperator)).status).toBe(400);
      const ok = await http('PUT', `${monitor.url}/api/flows/invoices/schedule`, { enabled: true, cron: '0 6 * * 1-5', timeZone: 'Europe/Paris' }, asOperator);
      expect(ok.status).toBe(202);
      const s = await get<{ pending: { value: { cron: string } }; current: null; nextRuns: string[] }>('/api/flows/invoices/schedule');
      expect(s.body.pending.value.cron).toBe('0 6 * * 1-5');
      expect(s.body.nextRuns).toHaveLength(3);
    });

    it('holds back and releases a document on top of the rules the poller confirmed', async () => {
      const run = aRun();
      const key = documentKey('acme', 'invoice', 'INV-HOLD');
      const noRules = await http<{ message: string }>('POST', `${monitor.url}/api/documents/${encodeURIComponent(key)}/hold-back`, undefined, asOperator);
      expect(noRules.status).toBe(409);
      await send(run.selectionChanged(noSelectionRules({ currencies: ['EUR'] })));
      await waitFor('the confirmed selection', async () => (await get<{ current: unknown }>('/api/flows/invoices/selection')).body.current ?? undefined);
      const held = await http<{ holdBack: string[] }>('POST', `${monitor.url}/api/documents/${encodeURIComponent(key)}/hold-back`, undefined, asOperator);
      expect(held.body).toMatchObject({ holdBack: ['INV-HOLD'] });
      const sel = await get<{ pending: { value: { holdBack: string[]; currencies: string[] } } }>('/api/flows/invoices/selection');
      expect(sel.body.pending.value).toMatchObject({ holdBack: ['INV-HOLD'], currencies: ['EUR'] });
      // The poller confirms: the document now shows as held back.
      await send(
        createEnvelope(
          SelectionChanged.definition,
          { flow: 'invoices', rules: sel.body.pending.value as never, requestedBy: 'bootstrap-operator-1' },
          {
            producer: 'lnb-poller',
            connectionId: 'acme',
            correlationId: 'sel',
            key: flowKey('acme', 'invoices'),
          },
        ),
      );
      const docs = await waitFor('the held document', async () => {
        const r = await get<{ documents: { reference: string; heldBack: boolean }[] }>('/api/documents?state=held');
        return r.body.documents.length ? r.body.documents : undefined;
      });
      expect(docs).toEqual([expect.objectContaining({ reference: 'INV-HOLD', heldBack: true, state: null })]);
      const released = await http<{ holdBack: string[] }>('POST', `${monitor.url}/api/documents/${encodeURIComponent(key)}/release`, undefined, asOperator);
      expect(released.body.holdBack).toEqual([]);
    });
  });

  it("shows the Xero connection as the exporter's XeroConnectionChanged tells it, never a token, and rebuilds it", async () => {
    // Told before the loss below (its clock is a month earlier), as an exporter's states come before later ones.
    const xero = new RunEvents(undefined, 'invoices', 'export', { startAt: Date.parse('2026-02-01T08:00:00.000Z') });
    const status = async () => (await get<XeroStatus>('/api/xero/status')).body;
    const told = (occurredAt: string) =>
      waitFor(`the state told at ${occurredAt}`, async () => {
        const s = await status();
        return s.state?.at === occurredAt ? s : undefined;
      });
    expect(await status()).toEqual({
      connected: null,
      message: 'The Xero exporter has not told the state of its Xero connection yet.',
      state: null,
      projected: null,
    });

    const never = xero.connectionChanged({
      status: 'disconnected',
      change: 'announced',
      xeroTenantId: undefined,
      tenantName: undefined,
      connectedAt: undefined,
    });
    await send(never);
    expect(await told(never.occurredAt)).toMatchObject({
      connected: false,
      message: 'Not connected to Xero. Connect to start exporting.',
      state: { status: 'not_connected', grant: 'authorization_code', since: null },
    });

    const connected = xero.connectionChanged();
    // A field the contract does not name (a token no exporter should send) stops at the projection.
    await send({ ...connected, payload: { ...connected.payload, accessToken: 'must-not-leak' } });
    const up = await told(connected.occurredAt);
    expect(up).toMatchObject({
      connected: true,
      message: 'Connected to Xero (Demo Fashion Ltd).',
      state: { status: 'connected', xeroTenantId: 'tenant-1', tenantName: 'Demo Fashion Ltd', since: '2026-03-01T09:00:00.000Z' },
    });
    expect(JSON.stringify(up)).not.toMatch(/must-not-leak|accessToken/);

    const lost = xero.connectionChanged({
      status: 'disconnected',
      change: 'lost',
      reason: 'Xero refused the refresh token (invalid_grant)',
      code: 'XERO.INVALID_GRANT',
    });
    await send(lost);
    const down = await told(lost.occurredAt);
    expect(down).toMatchObject({
      connected: false,
      message: 'The Xero connection to Demo Fashion Ltd was lost: Xero refused the refresh token (invalid_grant). Reconnect in the Integration Center.',
      state: { status: 'lost', since: lost.occurredAt, code: 'XERO.INVALID_GRANT' },
    });
    await rebuild(pool);
    expect(await status()).toEqual(down);

    const custom = xero.connectionChanged({ grant: 'client_credentials', connectedAt: '2026-03-01T10:00:00.000Z' });
    await send(custom);
    expect((await told(custom.occurredAt)).connected).toBe(true);
    const refused = await http<{ message: string }>('POST', `${monitor.url}/api/xero/connect`, undefined, asOperator);
    expect(refused.status).toBe(409);
    expect(refused.body.message).toMatch(/custom connection/);
  });

  it("projects the exporter's XeroConnectionLost into the panel, the task logs, the waiting documents and the webhook, then its restoration", async () => {
    const run = aRun();
    const key = encodeURIComponent(run.keyOf('INV-WAIT'));
    await send(run.requested(), run.started(), run.detected('INV-WAIT'), run.mapped('INV-WAIT'));
    await waitFor('the mapped document', async () => ((await get<{ state: string }>(`/api/documents/${key}`)).body.state === 'mapped' ? true : undefined));
    // As the exporter tells a loss: the loss, and the state it leaves.
    const reason = 'Xero refused the refresh token (invalid_grant): the connection must be authorised again';
    await publisher.publish([
      run.connectionLost({ waitingDocuments: 1 }),
      run.connectionChanged({ status: 'disconnected', change: 'lost', reason, code: 'XERO.INVALID_GRANT' }),
    ]);
    const said =
      'The Xero connection to Demo Fashion Ltd was lost: Xero refused the refresh token (invalid_grant): the connection must be authorised again. 1 document waits; reconnect in the Integration Center.';
    const status = await waitFor('the loss in the Xero connection panel', async () => {
      const s = (await get<XeroStatus>('/api/xero/status')).body;
      return s.projected?.status === 'lost' && s.state?.status === 'lost' ? s : undefined;
    });
    expect(status).toMatchObject({ connected: false, message: said });
    const runLine = (await get<{ lines: { level: string; code: string; message: string }[] }>(`/api/runs/${run.runId}/log?code=XERO.INVALID_GRANT`)).body.lines;
    expect(runLine).toEqual([expect.objectContaining({ level: 'error', message: said })]);
    const unattached = (await get<{ lines: { eventType: string; message: string }[] }>('/api/runs/unattached-log')).body.lines;
    expect(unattached.filter((l) => l.eventType === 'XeroConnectionLost').map((l) => l.message)).toEqual([said]);
    expect((await get<{ state: string; waiting: { for: string } | null }>(`/api/documents/${key}`)).body).toMatchObject({
      state: 'mapped',
      waiting: { for: 'xero_connection' },
    });
    const digest = await waitFor('the loss in a digest', () => webhook.find((m) => m.text.includes('Demo Fashion Ltd was lost')));
    expect(digest.text).toContain('the connection must be authorised again (XERO.INVALID_GRANT). 1 document waits; reconnect in the Integration Center.');
    // Waiting is not stuck, however long it lasts: the connection-lost alert speaks for it.
    await pool.query("update monitor.run_documents set updated_at = now() - interval '2 hours' where run_id = $1", [run.runId]);
    expect(await metrics()).toMatch(/lnbx_documents_stuck\{connection="acme",flow="invoices",service="monitor-api"\} 0/);

    await publisher.publish([run.connectionRestored({ resumedDocuments: 1 }), run.connectionChanged({ connectedAt: new Date().toISOString() })]);
    const back = await waitFor('the restoration in the panel', async () => {
      const s = (await get<XeroStatus>('/api/xero/status')).body;
      return s.projected?.status === 'connected' && s.connected ? s : undefined;
    });
    expect(back.message).toBe('Connected to Xero (Demo Fashion Ltd).');
    await waitFor('the restoration in a digest', () =>
      webhook.find((m) => m.text.includes('The Xero connection to Demo Fashion Ltd was restored; 1 document resumes.')),
    );
    const lines = (await get<{ lines: { message: string }[] }>(`/api/runs/${run.runId}/log`)).body.lines.map((l) => l.message);
    expect(lines).toContain('The Xero connection to Demo Fashion Ltd was restored; 1 document resumes.');
    expect((await get<{ waiting: unknown }>(`/api/documents/${key}`)).body.waiting).toBeNull();
    // Connected again, the same old mapped document is stuck until the exporter reports on it.
    expect(await metrics()).toMatch(/lnbx_documents_stuck\{connection="acme",flow="invoices",service="monitor-api"\} 1/);
    await pool.query('update monitor.run_documents set updated_at = now() where run_id = $1', [run.runId]);
  });

  it('says plainly when a run failed', async () => {
    const run = aRun();
    await send(run.requested(), run.started(), run.failed('LNB.AUTH_REFUSED', 'LNB refused the access token'));
    const msg = await waitFor('the failed-run digest', () => webhook.find((m) => /failed: LNB refused the access token \(LNB.AUTH_REFUSED\)/.test(m.text)));
    // One message per connection, headed by it.
    expect(msg.text.split('\n').slice(0, 2)).toEqual(['*acme*', expect.stringMatching(/^Run \d+ of invoices failed/)]);
  });
});
