// The walking skeleton's smoke flow, across processes: monitor-api and lnb-poller each run as their
// own process; a run requested over REST reaches the poller through Kafka, and the poller's answer
// comes back through Kafka into the monitor's read model.
import { LnbSandbox, startLnbSandbox } from '@lnbx/lnb-sandbox';
import {
  connectionSetupEnv,
  createTestDatabase,
  http,
  SpawnedService,
  setUpConnection,
  spawnService,
  TestDatabase,
  testKafkaEnv,
  uniqueTopicPrefix,
  waitFor,
} from '@lnbx/testing';

const OPERATOR = 'smoke-operator-key-0123456789';
const ADMIN = 'smoke-admin-key-0123456789abcdef';
const auth = { 'x-api-key': OPERATOR };

interface RunAnswer {
  runId: string;
  status: string;
  startedAt: string | null;
  counts: { seen: number; selected: number; emitted: number };
  fullRecheck: boolean;
  scope: string | null;
  scopeReason: string | null;
  changedSince: string | null;
  lnbRequests: number | null;
  changedOrders: number | null;
}

describe('run request, monitor-api -> lnb-poller -> monitor-api', () => {
  let db: TestDatabase;
  let monitor: SpawnedService;
  let poller: SpawnedService;
  let lnb: LnbSandbox;

  beforeAll(async () => {
    lnb = await startLnbSandbox({ port: 0, seed: 3, invoices: 25 });
    db = await createTestDatabase('smoke');
    const env = { DATABASE_URL: db.url, ...testKafkaEnv(), KAFKA_TOPIC_PREFIX: uniqueTopicPrefix('smoke') };
    // The brand set up as an integrator does: the connection and its LNB credentials through monitor-api.
    const setup = connectionSetupEnv();
    poller = await spawnService('lnb-poller', { ...env, LNB_BASE_URL: lnb.url, ...setup.poller });
    monitor = await spawnService('monitor-api', {
      ...env,
      ...setup.monitor,
      POLLER_INTERNAL_URL: poller.url,
      MONITOR_BOOTSTRAP_KEYS: `operator@default:${OPERATOR},admin:${ADMIN}`,
    });
    await setUpConnection(monitor.url, ADMIN, { id: 'default', lnb: { clientId: lnb.clientId, clientSecret: lnb.clientSecret } });
  });

  /**
   * The run as GET /api/runs/{runId} answers it, once completed and started: RunStarted and RunCompleted
   * travel on two topics, so the monitor may project the completion first.
   */
  const completed = (runId: string) =>
    waitFor(`run ${runId} to complete, its start known`, async () => {
      const r = await http<RunAnswer>('GET', `${monitor.url}/api/runs/${runId}`, undefined, auth);
      return r.body.status === 'completed' && r.body.startedAt !== null ? r.body : undefined;
    });

  /** The poller's own "run completed" log line (written after the commit that publishes the event, so maybe after the monitor has it). */
  const loggedCompletion = (runId: string) =>
    waitFor(`the poller to log run ${runId} completed`, () => poller.logs.find((l) => l.msg === 'run completed' && l.runId === runId));

  afterAll(async () => {
    await Promise.all([monitor?.stop(), poller?.stop()]);
    await lnb?.close();
    await db?.drop();
  });

  it('both services are ready: the broker and the database truly answer', async () => {
    for (const s of [monitor, poller]) {
      const ready = await http<{ status: string; checks: { name: string; status: string }[] }>('GET', `${s.url}/health/ready`);
      expect(ready.status).toBe(200);
      expect(ready.body.checks).toEqual([
        { name: 'postgres', status: 'up' },
        { name: 'kafka', status: 'up' },
      ]);
    }
  });

  it('a requested run is started and completed by the poller, and the monitor stores it', async () => {
    const res = await http<{ runId: string }>('POST', `${monitor.url}/api/runs`, { flow: 'invoices' }, auth);
    expect(res.status).toBe(202);
    const run = await completed(res.body.runId);
    expect(run.startedAt).not.toBeNull();
    expect(run.counts.seen).toBe(25);
    expect(run.counts.emitted).toBeGreaterThan(0);
    expect(run).toMatchObject({
      scope: 'full',
      scopeReason: 'no run of this flow has completed yet: every document and its order are read',
      fullRecheck: false,
    });
  });

  it('refuses a bad request with a 400 naming the field', async () => {
    const res = await http<{ message: string[] }>('POST', `${monitor.url}/api/runs`, { flow: 'orders' }, auth);
    expect(res.status).toBe(400);
    expect(res.body.message.join(' ')).toMatch(/flow must be one of/);
  });

  it('serves Prometheus metrics', async () => {
    const res = await fetch(`${poller.url}/metrics`);
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(text).toMatch(/lnbx_process_cpu_seconds_total\{service="lnb-poller"\}/);
    expect(text).toMatch(/lnbx_messages_consumed_total\{topic="lnb.run.requested.v1",outcome="handled",service="lnb-poller"\} 1/);
  });

  it('"Full re-check": the poller reads everything again, where the next run would read only what changed', async () => {
    const res = await http<{ runId: string }>('POST', `${monitor.url}/api/runs`, { flow: 'invoices', fullRecheck: true }, auth);
    expect(res.status).toBe(202);
    const run = await completed(res.body.runId);
    expect(run.counts).toMatchObject({ seen: 25, emitted: 0 });
    const started = poller.logs.find((l) => l.msg === 'run started' && l.runId === res.body.runId);
    expect(started).toMatchObject({ scope: 'full', reason: 'a full re-check was requested: every document and its order are read again' });
    // The REST answer says it too: what the run read, why, and what it cost in LNB requests (the poller's count).
    const finished = await loggedCompletion(res.body.runId);
    expect(run).toMatchObject({
      fullRecheck: true,
      scope: 'full',
      scopeReason: 'a full re-check was requested: every document and its order are read again',
      changedSince: null,
      lnbRequests: finished.lnbRequests,
      changedOrders: null,
    });
    // One request for each selected document's order, besides the token and the listings.
    expect(run.lnbRequests).toBeGreaterThan(run.counts.selected);
    const next = await http<{ runId: string }>('POST', `${monitor.url}/api/runs`, { flow: 'invoices' }, auth);
    await waitFor('the next run to start', () => poller.logs.find((l) => l.msg === 'run started' && l.runId === next.body.runId));
    expect(poller.logs.find((l) => l.msg === 'run started' && l.runId === next.body.runId)).toMatchObject({ scope: 'incremental' });
    const incremental = await completed(next.body.runId);
    expect(incremental).toMatchObject({
      fullRecheck: false,
      scope: 'incremental',
      scopeReason: expect.stringMatching(/^only what changed in Le New Black is read: /),
      changedOrders: 0,
    });
    expect(incremental.lnbRequests).toBe((await loggedCompletion(next.body.runId)).lnbRequests);
    expect(incremental.lnbRequests).toBeLessThan(run.lnbRequests!);
    const listed = await http<{ runs: RunAnswer[] }>('GET', `${monitor.url}/api/runs?flow=invoices`, undefined, auth);
    expect(listed.body.runs.find((r) => r.runId === next.body.runId)).toMatchObject({ scope: 'incremental', lnbRequests: incremental.lnbRequests });
  });

  it('refuses a full re-check that is not a yes or no, or that names documents, saying why', async () => {
    const notBoolean = await http<{ message: string[] }>('POST', `${monitor.url}/api/runs`, { flow: 'invoices', fullRecheck: 'yes' }, auth);
    expect(notBoolean.status).toBe(400);
    expect(notBoolean.body.message).toEqual(['fullRecheck must be a boolean value']);
    const named = await http<{ message: string[] }>(
      'POST',
      `${monitor.url}/api/runs`,
      { flow: 'invoices', fullRecheck: true, documents: ['INV-000001'] },
      auth,
    );
    expect(named.status).toBe(400);
    expect(named.body.message).toEqual(['fullRecheck: a full re-check reads every document; leave documents out (a run naming documents reads exactly those)']);
  });
});
