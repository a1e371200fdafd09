// Connections as event-sourced aggregates (issue 12, part 1), with monitor-api and the lnb-poller as their own
// processes, the LNB sandbox over HTTP, the real broker and database: created, listed, read, renamed, paused,
// resumed and removed by REST, each change an event saying which API key made it, published whole as
// ConnectionChanged; bad input a 400 naming the field, an unknown id a 404 that says nothing, a refused
// transition a 409 in plain words; the LNB credentials checked with LNB by the poller, kept sealed there and
// never shown or logged; what the exporter says of Xero and a schedule change recorded; and monitor.connections
// rebuilt from the streams to the same rows.
import { ConnectionChanged, createEnvelope, decode, type EventEnvelope, topicName, XeroConnectionChanged, xeroConnectionKey } from '@lnbx/contracts';
import { type LnbSandbox, startLnbSandbox } from '@lnbx/lnb-sandbox';
import { EventPublisher } from '@lnbx/messaging';
import { createTestDatabase, http, kafkaBrokers, spawnService, testKafkaEnv, uniqueTopicPrefix, waitFor } from '@lnbx/testing';
import type { SpawnedService, TestDatabase } from '@lnbx/testing';
import { type Consumer, Kafka, logLevel } from 'kafkajs';
import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import { createApiKey } from './store/api-keys.repository';
import { RunEvents } from './domain/testing';
import { rebuild } from './store/projector';

const TOKEN = randomBytes(32).toString('hex');
type Body = { connection: Record<string, unknown> & { xero: Record<string, unknown> }; message: string | string[]; code?: string };

describe('monitor-api: connections (REST, events, the poller keeping LNB credentials)', () => {
  const prefix = uniqueTopicPrefix('connections');
  const kafka = new Kafka({ clientId: 'connections-test', brokers: kafkaBrokers(), logLevel: logLevel.NOTHING });
  const publisher = new EventPublisher(kafka, prefix);
  const published: EventEnvelope<ConnectionChanged.Value>[] = [];
  let lnb: LnbSandbox;
  let db: TestDatabase;
  let pool: Pool;
  let monitor: SpawnedService;
  let poller: SpawnedService;
  let observer: Consumer;
  let operator: string;
  let admin: string;
  let viewer: string;

  beforeAll(async () => {
    lnb = await startLnbSandbox({ port: 0 });
    db = await createTestDatabase('connections');
    pool = new Pool({ connectionString: db.url, max: 2 });
    // The brand's finance team: keys of the acme-uk connection.
    operator = (await createApiKey(pool, { name: 'finance-ops', role: 'operator', connectionId: 'acme-uk' }))!.key;
    // The integrator's: only an admin key creates and removes connections.
    admin = (await createApiKey(pool, { name: 'integrator', role: 'admin', connectionId: null }))!.key;
    viewer = (await createApiKey(pool, { name: 'finance-viewer', role: 'viewer', connectionId: 'acme-uk' }))!.key;
    const env = { DATABASE_URL: db.url, ...testKafkaEnv(), KAFKA_TOPIC_PREFIX: prefix };
    poller = await spawnService('lnb-poller', {
      ...env,
      LNB_BASE_URL: lnb.url,
      POLLER_SERVICE_TOKEN: TOKEN,
      POLLER_CREDENTIALS_KEY: randomBytes(32).toString('hex'),
    });
    monitor = await spawnService('monitor-api', { ...env, POLLER_INTERNAL_URL: poller.url, POLLER_SERVICE_TOKEN: TOKEN });
    observer = kafka.consumer({ groupId: `${prefix}observer` });
    await observer.connect();
    await observer.subscribe({ topics: [topicName(prefix, ConnectionChanged.definition.topic)], fromBeginning: true });
    await observer.run({
      eachMessage: async ({ message }) => {
        const out = decode(ConnectionChanged.definition.topic, message.value);
        if (out.ok) published.push(out.envelope as EventEnvelope<ConnectionChanged.Value>);
      },
    });
  });

  afterAll(async () => {
    await observer?.disconnect();
    await publisher.close();
    await Promise.all([monitor?.stop(), poller?.stop()]);
    await pool?.end();
    await db?.drop();
    await lnb?.close();
  });

  const call = (method: string, path: string, body?: unknown, key = operator) =>
    http<Body>(method, `${monitor.url}/api/connections${path}`, body, { 'x-api-key': key });
  const streamVersion = async (id: string) =>
    Number((await pool.query<{ n: string }>("select count(*) as n from monitor.events where stream_id = 'connection-' || $1", [id])).rows[0].n);

  it('creates, lists, reads, renames, pauses, resumes and removes a connection, each change saying who made it', async () => {
    const byOperator = await call('POST', '', { id: 'acme-uk', name: 'Acme UK', timeZone: 'Europe/London' });
    expect(byOperator.status).toBe(403);
    const created = await call('POST', '', { id: 'acme-uk', name: 'Acme UK', timeZone: 'europe/london', baseCurrency: 'GBP' }, admin);
    expect(created.status).toBe(201);
    expect(created.body.connection).toMatchObject({
      id: 'acme-uk',
      name: 'Acme UK',
      timeZone: 'Europe/London',
      baseCurrency: 'GBP',
      status: 'active',
      createdBy: 'integrator',
      xero: { state: 'never' },
      lnbCredentials: null,
      version: 1,
    });
    const renamed = await call('PATCH', '/acme-uk', { name: 'Acme Britain', timeZone: 'Europe/Dublin' });
    expect(renamed.status).toBe(200);
    expect(renamed.body.connection).toMatchObject({ name: 'Acme Britain', timeZone: 'Europe/Dublin', version: 3 });
    expect((await call('POST', '/acme-uk/pause', { reason: 'Year-end close' })).body.connection).toMatchObject({
      status: 'paused',
      pausedReason: 'Year-end close',
    });
    // Paused, the deployment's connection runs nothing: refused here, and the poller learns it from Kafka.
    const refused = await http<Body & { message: string }>('POST', `${monitor.url}/api/runs`, { flow: 'invoices' }, { 'x-api-key': operator });
    expect([refused.status, refused.body.message]).toEqual([
      409,
      'The connection acme-uk is paused (Year-end close): resume it (POST /api/connections/acme-uk/resume), then run again.',
    ]);
    await waitFor(
      'the poller to learn the pause',
      async () => (await pool.query(`select status from poller.connection_statuses where connection_id = 'acme-uk'`)).rows[0]?.status === 'paused',
    );
    expect((await call('POST', '/acme-uk/resume')).body.connection).toMatchObject({ status: 'active', pausedReason: null, version: 5 });
    await waitFor(
      'the poller to learn the resumption',
      async () => (await pool.query(`select status from poller.connection_statuses where connection_id = 'acme-uk'`)).rows[0]?.status === 'active',
    );
    expect((await http('POST', `${monitor.url}/api/runs`, { flow: 'invoices' }, { 'x-api-key': operator })).status).toBe(202);

    expect((await call('POST', '', { id: 'acme-nl', name: 'Acme NL', timeZone: 'Europe/Amsterdam' }, admin)).status).toBe(201);
    expect((await call('DELETE', '/acme-nl')).status).toBe(403);
    const removed = await call('DELETE', '/acme-nl', undefined, admin);
    expect([removed.status, removed.body.connection.status]).toEqual([200, 'removed']);

    const list = (key: string) =>
      http<{ connections: { id: string; status: string; name: string }[] }>('GET', `${monitor.url}/api/connections`, undefined, { 'x-api-key': key });
    expect((await list(admin)).body.connections.map((c) => [c.id, c.name, c.status])).toEqual([
      ['acme-nl', 'Acme NL', 'removed'],
      ['acme-uk', 'Acme Britain', 'active'],
    ]);
    // A brand's key lists its own connection only, and another's is a 404 like one that does not exist.
    expect((await list(viewer)).body.connections.map((c) => c.id)).toEqual(['acme-uk']);
    expect((await call('GET', '/acme-nl', undefined, viewer)).status).toBe(404);
    expect((await call('GET', '/acme-uk', undefined, viewer)).body.connection).toMatchObject({ name: 'Acme Britain', version: 5 });

    // Every change on the stream, with the key's name; and each published whole, in order.
    const { rows } = await pool.query<{ type: string; by: string }>(
      "select type, data->>'by' as by from monitor.events where stream_id = 'connection-acme-uk' order by stream_version",
    );
    expect(rows).toEqual(
      ['ConnectionCreated', 'ConnectionRenamed', 'TimeZoneChanged', 'ConnectionPaused', 'ConnectionResumed'].map((type) => ({
        type,
        by: type === 'ConnectionCreated' ? 'integrator' : 'finance-ops',
      })),
    );
    await waitFor('the changes on Kafka', () => (published.filter((e) => e.connectionId === 'acme-uk').length >= 5 ? true : undefined));
    const uk = published.filter((e) => e.connectionId === 'acme-uk');
    expect(uk.map((e) => [e.payload.change, e.payload.by, e.payload.connection.version])).toEqual([
      ['created', 'integrator', 1],
      ['renamed', 'finance-ops', 2],
      ['time_zone_changed', 'finance-ops', 3],
      ['paused', 'finance-ops', 4],
      ['resumed', 'finance-ops', 5],
    ]);
    expect(uk.every((e) => e.key === 'acme-uk' && e.producer === 'monitor-api')).toBe(true);
  });

  it('refuses bad input with a 400 naming the field, and changes nothing', async () => {
    const before = await streamVersion('acme-uk');
    const cases: [string, string, unknown, string][] = [
      ['POST', '', { id: 'Acme_UK', name: 'x', timeZone: 'UTC' }, 'id'],
      ['POST', '', { id: 'acme-fr', name: 'x', timeZone: 'Mars/Olympus' }, 'timeZone'],
      ['POST', '', { id: 'acme-fr', name: 'x', timeZone: 'UTC', baseCurrency: 'euro' }, 'baseCurrency'],
      ['POST', '', { id: 'acme-fr', timeZone: 'UTC' }, 'name'],
      ['POST', '', { id: 'acme-fr', name: 'x', timeZone: 'UTC', secret: 'extra' }, 'secret'],
      ['PATCH', '/acme-uk', { timeZone: 'Nowhere/Special' }, 'timeZone'],
      ['PATCH', '/acme-uk', {}, 'name'],
      ['POST', '/acme-uk/pause', {}, 'reason'],
      ['POST', '/acme-uk/pause', { reason: '   ' }, 'reason'],
      ['PUT', '/acme-uk/lnb-credentials', { clientId: 'x' }, 'clientSecret'],
    ];
    for (const [method, path, body, field] of cases) {
      const answer = await call(method, path, body, admin);
      expect([method, path, answer.status]).toEqual([method, path, 400]);
      expect(JSON.stringify(answer.body.message)).toContain(field);
    }
    expect(await streamVersion('acme-uk')).toBe(before);
    expect(await streamVersion('acme-fr')).toBe(0);
  });

  it('answers an unknown or impossible id with the same 404, and a viewer may not change anything', async () => {
    for (const [method, path, body] of [
      ['GET', '/nobody', undefined],
      ['GET', '/NOT%20AN%20ID', undefined],
      ['PATCH', '/nobody', { name: 'x' }],
      ['POST', '/nobody/pause', { reason: 'x' }],
      ['POST', '/nobody/resume', undefined],
      ['DELETE', '/nobody', undefined],
      ['PUT', '/nobody/lnb-credentials', { clientId: 'a', clientSecret: 'b' }],
    ] as const) {
      const answer = await call(method, path, body, admin);
      expect([method, path, answer.status, answer.body.message]).toEqual([method, path, 404, 'There is no such connection.']);
    }
    expect((await call('PATCH', '/acme-uk', { name: 'By a viewer' }, viewer)).status).toBe(403);
    expect((await call('POST', '', { id: 'by-viewer', name: 'x', timeZone: 'UTC' }, viewer)).status).toBe(403);
  });

  it('refuses transitions the connection does not allow with a 409 in plain words', async () => {
    const taken = await call('POST', '', { id: 'acme-uk', name: 'Again', timeZone: 'UTC' }, admin);
    expect([taken.status, taken.body.code, taken.body.message]).toEqual([
      409,
      'CONNECTION.ALREADY_EXISTS',
      'A connection with the id acme-uk exists already: choose another id.',
    ]);
    expect((await call('POST', '/acme-uk/resume')).body).toMatchObject({
      code: 'CONNECTION.NOT_PAUSED',
      message: 'The connection acme-uk is not paused: there is nothing to resume.',
    });
    expect((await call('POST', '/acme-uk/pause', { reason: 'audit' })).status).toBe(200);
    const twice = await call('POST', '/acme-uk/pause', { reason: 'again' });
    expect([twice.status, twice.body.message]).toEqual([409, 'The connection acme-uk is paused already (audit).']);
    expect((await call('POST', '/acme-uk/resume')).status).toBe(200);
    for (const [method, path, body] of [
      ['PATCH', '/acme-nl', { name: 'Back' }],
      ['POST', '/acme-nl/pause', { reason: 'x' }],
      ['DELETE', '/acme-nl', undefined],
      ['PUT', '/acme-nl/lnb-credentials', { clientId: lnb.clientId, clientSecret: lnb.clientSecret }],
    ] as const) {
      // acme-nl is no brand key's here: the integrator's admin key may do all an operator may.
      const answer = await call(method, path, body, admin);
      expect([method, answer.status, answer.body.code]).toEqual([method, 409, 'CONNECTION.REMOVED']);
      expect(answer.body.message).toMatch(/^The connection acme-nl was removed/);
    }
  });

  it('hands accepted LNB credentials to the poller, which keeps them sealed; records only when, by whom and a hint', async () => {
    const set = await call('PUT', '/acme-uk/lnb-credentials', { clientId: lnb.clientId, clientSecret: lnb.clientSecret });
    expect(set.status).toBe(200);
    expect(set.body.connection.lnbCredentials).toEqual({ setAt: expect.any(String), setBy: 'finance-ops', hint: lnb.clientId.slice(-4) });
    const sealed = (await pool.query<{ sealed: string }>("select sealed from poller.lnb_credentials where connection_id = 'acme-uk'")).rows;
    expect(sealed).toHaveLength(1);
    expect(sealed[0].sealed).not.toContain(lnb.clientSecret);
    // Nowhere in the monitor's schema, in what it answers, publishes or logs.
    const monitorRows = await pool.query<{ t: string }>(
      "select string_agg(data::text, '') as t from monitor.events union all select string_agg(row_to_json(c)::text, '') from monitor.connections c",
    );
    for (const r of monitorRows.rows) expect(r.t ?? '').not.toContain(lnb.clientSecret);
    expect(JSON.stringify((await call('GET', '/acme-uk')).body)).not.toContain(lnb.clientSecret);
    expect(JSON.stringify((await call('GET', '')).body)).not.toContain(lnb.clientSecret);
    await waitFor('the credentials change on Kafka', () => published.find((e) => e.payload.change === 'lnb_credentials_set'));
    expect(JSON.stringify(published)).not.toContain(lnb.clientSecret);
    expect(JSON.stringify([...monitor.logs, ...poller.logs])).not.toContain(lnb.clientSecret);
  });

  it('passes on LNB refusing credentials as a 400 in plain words, and appends nothing', async () => {
    const before = await streamVersion('acme-uk');
    const refused = await call('PUT', '/acme-uk/lnb-credentials', { clientId: lnb.clientId, clientSecret: 'wrong-secret-4242' });
    expect(refused.status).toBe(400);
    expect(refused.body.code).toBe('LNB.CREDENTIALS_REFUSED');
    expect(JSON.stringify(refused.body.message)).toMatch(/Le New Black refused this client id and secret, so they were not stored/);
    expect(await streamVersion('acme-uk')).toBe(before);
    expect(JSON.stringify([refused.body, ...monitor.logs, ...poller.logs])).not.toContain('wrong-secret-4242');
  });

  it("records the Xero organisation the exporter tells of (by 'system') and who changed a schedule", async () => {
    await publisher.publish([
      createEnvelope(
        XeroConnectionChanged.definition,
        { status: 'connected', change: 'connected', grant: 'client_credentials', xeroTenantId: 'tenant-uk', tenantName: 'Demo Fashion Ltd' },
        { producer: 'xero-exporter', connectionId: 'acme-uk', correlationId: 'xero', key: xeroConnectionKey('acme-uk') },
      ),
    ]);
    const connected = await waitFor('the organisation on the connection', async () => {
      const c = (await call('GET', '/acme-uk')).body.connection;
      return c.xero.state === 'connected' ? c : undefined;
    });
    expect(connected.xero).toEqual({ state: 'connected', tenantId: 'tenant-uk', organisationName: 'Demo Fashion Ltd', reason: null });
    const last = await pool.query("select data->>'by' as by from monitor.events where stream_id = 'connection-acme-uk' and type = 'XeroConnected'");
    expect(last.rows).toEqual([{ by: 'system' }]);

    const schedule = await http(
      'PUT',
      `${monitor.url}/api/flows/invoices/schedule`,
      { enabled: true, cron: '0 6 * * 1-5', timeZone: 'Europe/London' },
      { 'x-api-key': operator },
    );
    expect(schedule.status).toBe(202);
    expect((await call('GET', '/acme-uk')).body.connection.scheduleChanged).toEqual({ at: expect.any(String), by: 'finance-ops' });
  });

  it("previews a schedule before it is saved, and runs one saved without a time zone in the connection's", async () => {
    const zone = (await call('GET', '/acme-uk')).body.connection.timeZone as string;
    const asOperator = { 'x-api-key': operator };
    type Preview = { timeZone: string; nextRuns: string[]; message?: string[] };
    const preview = (body: unknown) => http<Preview>('POST', `${monitor.url}/api/flows/invoices/schedule/preview`, body, asOperator);
    // Weekdays at 07:30 on the connection's clock: three firings, each at 07:30 there, none on a weekend.
    const weekdays = await preview({ enabled: true, cron: '30 7 * * 1-5' });
    expect([weekdays.status, weekdays.body.timeZone, weekdays.body.nextRuns.length]).toEqual([200, zone, 3]);
    const wall = (iso: string) =>
      new Intl.DateTimeFormat('en-GB', { timeZone: zone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(iso));
    for (const at of weekdays.body.nextRuns) expect(wall(at)).toMatch(/^(Mon|Tue|Wed|Thu|Fri) 07:30$/);
    // A zone given wins; what saving would refuse, the preview refuses, naming the field.
    expect((await preview({ enabled: true, cron: '0 */6 * * *', timeZone: 'Asia/Tokyo' })).body.timeZone).toBe('Asia/Tokyo');
    const bad = await preview({ enabled: true, cron: '0 25 * * *' });
    expect([bad.status, bad.body.message?.join(' ')]).toEqual([400, expect.stringMatching(/^cron /)]);
    const often = await preview({ enabled: true, cron: '* * * * *' });
    expect([often.status, often.body.message?.join(' ')]).toEqual([400, expect.stringMatching(/^cron fires too often/)]);
    // Saved without a zone: the connection's, stored with the schedule (as the poller will fire it).
    expect((await http('PUT', `${monitor.url}/api/flows/invoices/schedule`, { enabled: true, cron: '30 7 * * 1-5' }, asOperator)).status).toBe(202);
    const saved = await http<{ pending: { value: { cron: string; timeZone: string } }; connectionTimeZone: string; nextRuns: string[] }>(
      'GET',
      `${monitor.url}/api/flows/invoices/schedule`,
      undefined,
      asOperator,
    );
    expect(saved.body).toMatchObject({
      pending: { value: { cron: '30 7 * * 1-5', timeZone: zone } },
      connectionTimeZone: zone,
      nextRuns: weekdays.body.nextRuns,
    });
  });

  it('shows the setup checklist: what is done, and in plain words what is left', async () => {
    type Checklist = { done: boolean; steps: { id: string; done: boolean; detail: string }[] };
    const asOperator = { 'x-api-key': operator };
    const checklist = async () => (await http<Checklist>('GET', `${monitor.url}/api/setup`, undefined, asOperator)).body;
    const step = (c: Checklist, id: string) => c.steps.find((s) => s.id === id)!;
    const before = await checklist();
    expect(before.steps.map((s) => [s.id, s.done])).toEqual([
      ['lnb_credentials', true],
      ['xero', true],
      ['mapping', false],
      ['schedule', false],
      ['preview', false],
    ]);
    expect(before.done).toBe(false);
    expect(step(before, 'lnb_credentials').detail).toMatch(/^Set by finance-ops on \d{4}-\d{2}-\d{2} \(client id .+\) and accepted by Le New Black\.$/);
    expect(step(before, 'xero').detail).toBe('Connected to Xero (Demo Fashion Ltd).');
    expect(step(before, 'schedule').detail).toBe('No schedule saved yet for credit notes: choose when each runs, or save it off.');

    // A preview of the brand's invoices: one would go, one is rejected for a tax rate the mapping does not know.
    const preview = new RunEvents(undefined, 'invoices', 'preview', { connectionId: 'acme-uk', startAt: Date.now() });
    const unknownRate = { code: 'LNB.UNKNOWN_TAX_RATE' as const, message: 'The mapping has no Xero tax type for 21% (NL)', severity: 'error' as const };
    await publisher.publish([
      preview.requested(),
      preview.started(),
      preview.detected('INV-SETUP-1'),
      preview.detected('INV-SETUP-2'),
      preview.mapped('INV-SETUP-1'),
      preview.rejected('INV-SETUP-2', [unknownRate]),
      preview.completed(2),
    ]);
    const previewed = await waitFor('the preview on the checklist', async () => {
      const c = await checklist();
      return step(c, 'preview').done && step(c, 'mapping').detail.startsWith('1 document') ? c : undefined;
    });
    expect(step(previewed, 'preview').detail).toMatch(/^Preview of invoices on \d{4}-\d{2}-\d{2}: 1 document would go to Xero, 1 would be rejected\.$/);
    expect(step(previewed, 'mapping')).toMatchObject({
      done: false,
      detail: '1 document rejected for something the mapping decides: 1 LNB.UNKNOWN_TAX_RATE. Change the mapping, then retry them.',
    });

    // Credit notes deliberately off: the schedule step is done, and says what each flow does.
    expect((await http('PUT', `${monitor.url}/api/flows/credit_notes/schedule`, { enabled: false }, asOperator)).status).toBe(202);
    const scheduled = await checklist();
    expect(step(scheduled, 'schedule')).toMatchObject({
      done: true,
      detail: expect.stringMatching(/^invoices: "30 7 \* \* 1-5" \(.+\); credit notes: off\.$/),
    });
    // The integrator's admin key, naming the connection, sees the same checklist.
    const other = await http<Checklist>('GET', `${monitor.url}/api/setup?connection=acme-uk`, undefined, { 'x-api-key': admin });
    expect(other.body).toEqual(scheduled);
  });

  it('rebuilds monitor.connections from the streams to the same rows', async () => {
    const rows = async () => (await pool.query('select * from monitor.connections order by id')).rows;
    const before = await rows();
    expect(before.map((r: { id: string }) => r.id)).toEqual(['acme-nl', 'acme-uk']);
    await pool.query('truncate monitor.connections');
    expect(await rows()).toEqual([]);
    const counts = await rebuild(pool);
    expect(counts.connections).toBe(2);
    expect(await rows()).toEqual(before);
  });

  it('answers 503 in plain words when the poller does not answer, and appends nothing', async () => {
    const before = await streamVersion('acme-uk');
    await poller.stop();
    const answer = await call('PUT', '/acme-uk/lnb-credentials', { clientId: lnb.clientId, clientSecret: lnb.clientSecret });
    expect([answer.status, answer.body.code]).toEqual([503, 'POLLER.UNAVAILABLE']);
    expect(answer.body.message).toMatch(/^The LNB credentials were not set: the LNB poller did not answer/);
    expect(await streamVersion('acme-uk')).toBe(before);
  });
});
