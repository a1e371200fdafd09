// No 5xx from input (issue 15, part 3), the requests the probe found, against the service as its own
// process: each gets a 400 naming its parameter; what LNB wrote is shown in the downloadable task log,
// never acted on; the run-less task log takes the filters its document lists. The fuzz test
// (tools/fuzz/monitor-api.int-spec.ts) covers the rest.
import { RunRequested, topicName } from '@lnbx/contracts';
import { EventPublisher } from '@lnbx/messaging';
import {
  createTestDatabase,
  http,
  kafkaBrokers,
  type SpawnedService,
  spawnService,
  type TestDatabase,
  testKafkaEnv,
  uniqueTopicPrefix,
  waitFor,
} from '@lnbx/testing';
import { Kafka, logLevel } from 'kafkajs';
import { aRun } from '../domain/testing';

const OPERATOR = 'operator-key-for-input-0123456789';
const asOperator = { 'x-api-key': OPERATOR };
const DEEP = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;

describe('monitor-api: no 5xx from input', () => {
  const prefix = uniqueTopicPrefix('input');
  const kafka = new Kafka({ clientId: 'input-test', brokers: kafkaBrokers(), logLevel: logLevel.NOTHING });
  const publisher = new EventPublisher(kafka, prefix);
  let db: TestDatabase;
  let monitor: SpawnedService;
  const call = <T = { message: string[] }>(method: string, path: string, body?: unknown) => http<T>(method, `${monitor.url}${path}`, body, asOperator);
  const raw = async (method: string, path: string, body: string) => {
    const res = await fetch(`${monitor.url}${path}`, { method, headers: { ...asOperator, 'content-type': 'application/json' }, body });
    return { status: res.status, body: (await res.json()) as { message: string[] } };
  };

  beforeAll(async () => {
    db = await createTestDatabase('input');
    monitor = await spawnService('monitor-api', {
      DATABASE_URL: db.url,
      ...testKafkaEnv(),
      KAFKA_TOPIC_PREFIX: prefix,
      MONITOR_BOOTSTRAP_KEYS: `operator@acme:${OPERATOR}`,
    });
  });

  afterAll(async () => {
    await publisher.close();
    await monitor?.stop();
    await db?.drop();
  });

  it.each([
    ['/api/documents?retailer=%00', 'retailer must not contain control characters (\\u0000 at 0)'],
    ['/api/runs/%00', 'runId must not contain control characters (\\u0000 at 0)'],
    ['/api/runs/some-run/log?q=%00', 'q must not contain control characters (\\u0000 at 0)'],
    ['/api/runs/some-run/log.txt?q=%1b%5b31m', 'q must not contain control characters (\\u001b at 0)'],
    ['/api/documents/acme%3Ainvoice%3AINV%00', 'key must not contain control characters (\\u0000 at 16)'],
    ['/api/documents?from=2026-02-30', 'from must be a date YYYY-MM-DD that the calendar has'],
    ['/api/documents?to=2026-13-45', 'to must be a date YYYY-MM-DD that the calendar has'],
    ['/api/runs?before=1e20', 'before must be an integer from 1 to 9007199254740991'],
    ['/api/documents?offset=9223372036854775808', 'offset must be an integer from 0 to 1000000'],
    ['/api/runs/unattached-log?limit=0x10', 'limit must be an integer from 1 to 10000'],
    ['/api/runs/%E0%A4%A', 'runId is not valid percent-encoding (%XX escapes of UTF-8 bytes)'],
    ['/api/runs/%ZZ/log', 'runId is not valid percent-encoding (%XX escapes of UTF-8 bytes)'],
  ])('GET %s is a 400 naming the parameter', async (path, message) => {
    const answer = await call('GET', path);
    expect([answer.status, answer.body.message]).toEqual([400, [message]]);
  });

  it('bounds path and query parameters whatever their DTO says', async () => {
    expect((await call('GET', `/api/runs/${'r'.repeat(257)}`)).body.message).toEqual(['runId must be at most 256 characters']);
    expect((await call('GET', `/api/runs/some-run/log?junk=${'j'.repeat(1001)}`)).body.message).toEqual(['junk must be at most 1000 characters']);
  });

  it('refuses JSON nested 10,000 deep, naming the field, on every body', async () => {
    expect(await raw('POST', '/api/runs', `{"flow":"invoices","documents":${DEEP}}`)).toEqual({
      status: 400,
      body: expect.objectContaining({ message: ['documents nests deeper than 32 levels'] }),
    });
    expect((await raw('PUT', '/api/flows/invoices/selection', DEEP)).body.message).toEqual(['the body nests deeper than 32 levels']);
    expect((await raw('POST', '/api/allocations/check', `{"documents":["a\\u0000"]}`)).body.message).toEqual([
      'documents[0] must not contain control characters (\\u0000 at 1)',
    ]);
  });

  it('refuses documents: [] (it never means "all documents"), and a null where a value belongs', async () => {
    expect(await call('POST', '/api/runs', { flow: 'invoices', documents: [] })).toMatchObject({
      status: 400,
      body: { message: ['documents must name at least one LNB reference: leave documents out to run over every selected document'] },
    });
    expect((await call('POST', '/api/runs', { flow: 'invoices', mode: null })).status).toBe(400);
    expect((await call('POST', '/api/runs', { flow: 'invoices', constructor: { prototype: 1 } })).body.message).toEqual([
      'property constructor should not exist',
    ]);
  });

  it('shows the escape sequences LNB wrote in the downloaded task log as text, not as escapes', async () => {
    const run = aRun();
    const reference = '\u001b[31mINV-9\u001b[0m';
    await publisher.publish([run.requested('manual'), run.started(), run.detected(reference)]);
    const text = await waitFor('the detected line in the text log', async () => {
      const res = await fetch(`${monitor.url}/api/runs/${run.runId}/log.txt`, { headers: asOperator });
      const body = await res.text();
      return body.includes('detected') ? body : undefined;
    });
    expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    expect(text).toContain('\\u001b[31mINV-9\\u001b[0m');
  });

  it('filters the run-less task log by level, code and text, as its document says', async () => {
    expect((await call('PUT', '/api/flows/invoices/schedule', { enabled: false })).status).toBe(202);
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: topicName(prefix, RunRequested.definition.topic), messages: [{ key: 'acme:invoices', value: 'not json' }] });
    await producer.disconnect();
    type Lines = { lines: { level: string; code: string | null; message: string }[] };
    await waitFor(
      'the dead letter in the run-less log',
      async () => (await call<Lines>('GET', '/api/runs/unattached-log')).body.lines.some((l) => l.code === 'CONTRACT.NOT_JSON') || undefined,
    );
    const all = (await call<Lines>('GET', '/api/runs/unattached-log')).body.lines;
    expect(new Set(all.map((l) => l.level))).toEqual(new Set(['info', 'error']));
    const errors = (await call<Lines>('GET', '/api/runs/unattached-log?level=error')).body.lines;
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.every((l) => l.level === 'error')).toBe(true);
    expect((await call<Lines>('GET', '/api/runs/unattached-log?code=CONTRACT.NOT_JSON')).body.lines.map((l) => l.code)).toEqual(['CONTRACT.NOT_JSON']);
    const schedule = (await call<Lines>('GET', '/api/runs/unattached-log?q=SCHEDULE%20OF')).body.lines;
    expect(schedule.length).toBeGreaterThan(0);
    expect(schedule.every((l) => /schedule of/i.test(l.message))).toBe(true);
  });
});
