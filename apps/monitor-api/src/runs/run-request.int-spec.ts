// The walking skeleton's smoke flow, across processes: monitor-api and lnb-poller each run as their
// own process; a run requested over REST reaches the poller through Kafka, and the poller's answer
// comes back through Kafka into the monitor's read model.
import { LnbSandbox, startLnbSandbox } from '@lnbx/lnb-sandbox';
import { createTestDatabase, http, kafkaBrokers, SpawnedService, spawnService, TestDatabase, uniqueTopicPrefix, waitFor } from '@lnbx/testing';

const OPERATOR = 'smoke-operator-key-0123456789';
const auth = { 'x-api-key': OPERATOR };

describe('run request, monitor-api -> lnb-poller -> monitor-api', () => {
  let db: TestDatabase;
  let monitor: SpawnedService;
  let poller: SpawnedService;
  let lnb: LnbSandbox;

  beforeAll(async () => {
    lnb = await startLnbSandbox({ port: 0, seed: 3, invoices: 25 });
    db = await createTestDatabase('smoke');
    const env = { DATABASE_URL: db.url, KAFKA_BROKERS: kafkaBrokers().join(','), KAFKA_TOPIC_PREFIX: uniqueTopicPrefix('smoke') };
    const lnbEnv = { LNB_BASE_URL: lnb.url, LNB_CLIENT_ID: lnb.clientId, LNB_CLIENT_SECRET: lnb.clientSecret };
    [monitor, poller] = await Promise.all([spawnService('monitor-api', { ...env, MONITOR_BOOTSTRAP_KEYS: `operator:${OPERATOR}` }), spawnService('lnb-poller', { ...env, ...lnbEnv })]);
  });

  afterAll(async () => {
    await Promise.all([monitor?.stop(), poller?.stop()]);
    await lnb?.close();
    await db?.drop();
  });

  it('both services are ready: the broker and the database truly answer', async () => {
    for (const s of [monitor, poller]) {
      const ready = await http<{ status: string; checks: { name: string; status: string }[] }>('GET', `${s.url}/health/ready`);
      expect(ready.status).toBe(200);
      expect(ready.body.checks).toEqual([{ name: 'postgres', status: 'up' }, { name: 'kafka', status: 'up' }]);
    }
  });

  it('a requested run is started and completed by the poller, and the monitor stores it', async () => {
    const res = await http<{ runId: string }>('POST', `${monitor.url}/api/runs`, { flow: 'invoices' }, auth);
    expect(res.status).toBe(202);
    const run = await waitFor('the run to complete', async () => {
      const r = await http<{ status: string; startedAt: string | null; counts: { seen: number; emitted: number } }>('GET', `${monitor.url}/api/runs/${res.body.runId}`, undefined, auth);
      return r.body.status === 'completed' ? r.body : undefined;
    });
    expect(run.startedAt).not.toBeNull();
    expect(run.counts.seen).toBe(25);
    expect(run.counts.emitted).toBeGreaterThan(0);
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
});
