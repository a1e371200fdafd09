// Two brands served by one monitor (issue 12, parts 2 and 3): the events of both are projected side by side and
// never mix; each brand's keys see and change their own connection only (another's run ids, document keys and
// connection id, copied, are 404s and change nothing), whatever operation of the OpenAPI document they call; the
// integrator's admin key names the connection; keys are created, listed and revoked per connection. /metrics, whose
// series name every connection and its counts, is the deployment's: a brand's key is a 403 there.
import { documentKey, EventEnvelope, RunRequested, topicName } from '@lnbx/contracts';
import { EventPublisher } from '@lnbx/messaging';
import {
  createTestDatabase,
  http,
  kafkaBrokers,
  labelValues,
  SpawnedService,
  spawnService,
  TestDatabase,
  testKafkaEnv,
  uniqueTopicPrefix,
  waitFor,
} from '@lnbx/testing';
import { Consumer, Kafka, logLevel } from 'kafkajs';
import { Pool } from 'pg';
import { missingEan13, noSelectionRules, RunEvents } from './domain/testing';
import { rebuild } from './store/projector';

const ADMIN = 'admin-key-for-tenant-tests-0123456789';
const METRICS_TOKEN = 'a-metrics-token-for-tests-0123456789abcdef';

interface Run {
  runId: string;
  number: number;
  connectionId: string;
  status: string;
}
interface Doc {
  documentKey: string;
  reference: string;
  state: string | null;
}

describe('two connections served by one monitor', () => {
  const prefix = uniqueTopicPrefix('tenants');
  const kafka = new Kafka({ clientId: 'tenants-test', brokers: kafkaBrokers(), logLevel: logLevel.NOTHING });
  const publisher = new EventPublisher(kafka, prefix);
  const requested: EventEnvelope<RunRequested.Value>[] = [];
  let db: TestDatabase;
  let pool: Pool;
  let monitor: SpawnedService;
  let commands: Consumer;
  const keys: Record<'uk' | 'nl', { viewer: string; operator: string }> = { uk: { viewer: '', operator: '' }, nl: { viewer: '', operator: '' } };
  const uk = new RunEvents(undefined, 'invoices', 'export', { connectionId: 'uk', startAt: Date.parse('2026-03-02T08:00:00.000Z') });
  const nl = new RunEvents(undefined, 'invoices', 'export', { connectionId: 'nl', startAt: Date.parse('2026-03-02T09:00:00.000Z') });

  const call = <T>(method: string, path: string, key: string, body?: unknown) => http<T>(method, `${monitor.url}${path}`, body, { 'x-api-key': key });

  beforeAll(async () => {
    db = await createTestDatabase('tenants');
    pool = new Pool({ connectionString: db.url, max: 2 });
    monitor = await spawnService('monitor-api', {
      DATABASE_URL: db.url,
      ...testKafkaEnv(),
      KAFKA_TOPIC_PREFIX: prefix,
      MONITOR_BOOTSTRAP_KEYS: `admin:${ADMIN}`,
      METRICS_TOKEN,
    });
    commands = kafka.consumer({ groupId: `${prefix}test-commands` });
    await commands.connect();
    await commands.subscribe({ topics: [topicName(prefix, RunRequested.definition.topic)], fromBeginning: true });
    await commands.run({ eachMessage: async ({ message }) => void requested.push(JSON.parse(message.value!.toString())) });

    for (const [id, name, timeZone] of [
      ['uk', 'Demo Fashion UK', 'Europe/London'],
      ['nl', 'Demo Fashion NL', 'Europe/Amsterdam'],
    ] as const) {
      expect((await call('POST', '/api/connections', ADMIN, { id, name, timeZone })).status).toBe(201);
      for (const role of ['viewer', 'operator'] as const) {
        const created = await call<{ key: { key: string; role: string; connectionId: string } }>('POST', `/api/connections/${id}/keys`, ADMIN, {
          name: `${id}-${role}`,
          role,
        });
        expect(created.status).toBe(201);
        expect(created.body.key).toMatchObject({ role, connectionId: id });
        keys[id][role] = created.body.key.key;
      }
    }
    // The same LNB reference in both brands: two documents, never one.
    await publisher.publish([uk.requested(), uk.started(), uk.detected('INV-1'), uk.rejected('INV-1', [missingEan13('X')]), uk.completed()]);
    await publisher.publish([nl.requested(), nl.started(), nl.detected('INV-1'), nl.mapped('INV-1'), nl.exported('INV-1'), nl.completed()]);
    await publisher.publish([
      uk.selectionChanged(noSelectionRules({ holdBack: ['UK-HELD'] })),
      nl.selectionChanged(noSelectionRules({ holdBack: ['NL-HELD'] })),
    ]);
    await waitFor('both runs projected, with their settings', async () => {
      const { rows } = await pool.query<{ n: number }>(
        `select (select count(*) from monitor.runs where status = 'completed')::int + (select count(*) from monitor.held)::int as n`,
      );
      return rows[0].n === 4 ? true : undefined;
    });
  });

  afterAll(async () => {
    await commands?.disconnect();
    await publisher.close();
    await monitor?.stop();
    await pool?.end();
    await db?.drop();
  });

  /** What a brand's viewer reads: runs, documents, logs and settings, as one picture. */
  async function picture(key: string) {
    const runs = (await call<{ runs: Run[] }>('GET', '/api/runs', key)).body.runs;
    const documents = (await call<{ documents: Doc[] }>('GET', '/api/documents', key)).body.documents;
    const logs = await Promise.all(runs.map(async (r) => (await call<{ lines: { message: string }[] }>('GET', `/api/runs/${r.runId}/log`, key)).body.lines));
    const selection = (await call<{ current: { value: { holdBack: string[] } } }>('GET', '/api/flows/invoices/selection', key)).body.current.value.holdBack;
    return {
      runs: runs.map((r) => ({ runId: r.runId, number: r.number, connectionId: r.connectionId, status: r.status })),
      documents: documents.map((d) => ({ documentKey: d.documentKey, state: d.state })),
      lines: logs.flat().length,
      selection,
    };
  }

  it("projects both brands' events side by side, each brand's keys reading its own only", async () => {
    expect(await picture(keys.uk.viewer)).toEqual({
      runs: [{ runId: uk.runId, number: 1, connectionId: 'uk', status: 'completed' }],
      documents: expect.arrayContaining([
        { documentKey: documentKey('uk', 'invoice', 'INV-1'), state: 'rejected' },
        { documentKey: documentKey('uk', 'invoice', 'UK-HELD'), state: null },
      ]),
      lines: 6,
      selection: ['UK-HELD'],
    });
    const nlPicture = await picture(keys.nl.viewer);
    expect(nlPicture).toEqual({
      runs: [{ runId: nl.runId, number: 1, connectionId: 'nl', status: 'completed' }],
      documents: expect.arrayContaining([
        { documentKey: documentKey('nl', 'invoice', 'INV-1'), state: 'exported' },
        { documentKey: documentKey('nl', 'invoice', 'NL-HELD'), state: null },
      ]),
      lines: 7,
      selection: ['NL-HELD'],
    });
    expect(nlPicture.documents).toHaveLength(2);
    // The admin names the connection; without a name, with two connections, it is told which parameter to give.
    expect((await call<{ runs: Run[] }>('GET', '/api/runs?connection=nl', ADMIN)).body.runs.map((r) => r.runId)).toEqual([nl.runId]);
    const unnamed = await call<{ message: string[] }>('GET', '/api/runs', ADMIN);
    expect(unnamed.status).toBe(400);
    expect(unnamed.body.message.join(' ')).toMatch(/^connection: name the connection/);
    // Naming its own connection is allowed; naming another is a 404, the same as a connection that does not exist.
    expect((await call('GET', '/api/runs?connection=uk', keys.uk.viewer)).status).toBe(200);
    for (const other of ['nl', 'no-such-brand']) {
      const res = await call<{ message: string }>('GET', `/api/runs?connection=${other}`, keys.uk.viewer);
      expect(res).toMatchObject({ status: 404, body: { message: 'There is no such connection.' } });
    }
    // /api/me and /api/connections: a brand's key knows its own connection only.
    expect((await call('GET', '/api/me', keys.uk.operator)).body).toEqual({ name: 'uk-operator', role: 'operator', connection: 'uk' });
    expect((await call<{ connections: { id: string }[] }>('GET', '/api/connections', keys.uk.viewer)).body.connections.map((c) => c.id)).toEqual(['uk']);
    expect((await call<{ connections: { id: string }[] }>('GET', '/api/connections', ADMIN)).body.connections.map((c) => c.id)).toEqual(['nl', 'uk']);
  });

  it("refuses a brand's keys everything of the other brand, ids copied from it, and changes nothing", async () => {
    const before = await world();
    const nlKey = encodeURIComponent(documentKey('nl', 'invoice', 'INV-1'));
    const refused: [string, string, unknown?][] = [
      ['GET', `/api/runs/${nl.runId}`],
      ['GET', `/api/runs/${nl.runId}/log`],
      ['GET', `/api/runs/${nl.runId}/log.txt`],
      ['GET', `/api/runs/${nl.runId}/documents`],
      ['GET', `/api/runs/${nl.runId}/preview`],
      ['POST', `/api/runs/${nl.runId}/retry-failed`],
      ['GET', `/api/documents/${nlKey}`],
      ['POST', `/api/documents/${nlKey}/retry`],
      ['POST', `/api/documents/${nlKey}/hold-back`],
      ['POST', '/api/runs?connection=nl', { flow: 'invoices' }],
      ['PUT', '/api/flows/invoices/schedule?connection=nl', { enabled: false }],
      ['PATCH', '/api/flows/invoices/selection?connection=nl', { holdBack: [] }],
      ['POST', '/api/allocations/check?connection=nl', {}],
      ['GET', '/api/xero/status?connection=nl'],
      ['GET', '/api/connections/nl'],
      ['PATCH', '/api/connections/nl', { name: 'Taken over' }],
      ['POST', '/api/connections/nl/pause', { reason: 'mine now' }],
    ];
    for (const [method, path, body] of refused) {
      const res = await call<{ message: unknown }>(method, path, keys.uk.operator, body);
      expect({ method, path, status: res.status }).toEqual({ method, path, status: 404 });
      expect(JSON.stringify(res.body)).not.toMatch(/Demo Fashion NL|NL-HELD/);
    }
    // The key routes are the integrator's.
    expect((await call('GET', '/api/connections/nl/keys', keys.uk.operator)).status).toBe(403);
    expect((await call('DELETE', '/api/connections/nl/keys/nl-viewer', keys.uk.operator)).status).toBe(403);
    expect(await world()).toEqual(before);
  });

  it("refuses a brand's keys the metrics, which name every connection; the admin key and the metrics token read them", async () => {
    const metrics = (headers: Record<string, string>) => http<string>('GET', `${monitor.url}/metrics`, undefined, headers);
    for (const key of [keys.uk.viewer, keys.uk.operator, keys.nl.viewer, keys.nl.operator]) {
      for (const headers of [{ 'x-api-key': key }, { authorization: `Bearer ${key}` }] as Record<string, string>[]) {
        const res = await metrics(headers);
        expect({ status: res.status, series: /lnbx_/.test(JSON.stringify(res.body)) }).toEqual({ status: 403, series: false });
      }
    }
    expect((await metrics({})).status).toBe(401);
    expect((await metrics({ 'x-api-key': 'not-a-key-at-all-0000000000' })).status).toBe(401);
    const byAdmin = await metrics({ 'x-api-key': ADMIN });
    expect(byAdmin.status).toBe(200);
    // What a brand must not see: the other brand's name among the series.
    expect(labelValues(byAdmin.body, 'lnbx_runs_total', 'connection')).toEqual(['nl', 'uk']);
    expect((await metrics({ authorization: `Bearer ${METRICS_TOKEN}` })).status).toBe(200);
  });

  it('runs, pauses and changes settings per connection: the command carries the connection the key belongs to', async () => {
    const mine = await call<{ runId: string }>('POST', '/api/runs', keys.uk.operator, { flow: 'invoices' });
    expect(mine.status).toBe(202);
    const sent = await waitFor('the RunRequested on Kafka', () => requested.find((e) => e.payload.runId === mine.body.runId));
    expect(sent).toMatchObject({ connectionId: 'uk', key: 'uk:invoices' });
    // Its number counts uk's runs only.
    expect((await call<Run>('GET', `/api/runs/${mine.body.runId}`, keys.uk.viewer)).body.number).toBe(2);
    // nl paused: nl's runs are refused, uk's are not.
    expect((await call('POST', '/api/connections/nl/pause', keys.nl.operator, { reason: 'year-end close' })).status).toBe(200);
    expect((await call('POST', '/api/runs', keys.nl.operator, { flow: 'invoices' })).status).toBe(409);
    expect((await call('POST', '/api/runs', keys.uk.operator, { flow: 'invoices' })).status).toBe(202);
    const schedule = await call('PUT', '/api/flows/invoices/schedule?connection=nl', ADMIN, { enabled: true, cron: '0 6 * * *', timeZone: 'Europe/Amsterdam' });
    expect(schedule.status).toBe(202);
    const nlSchedule = await call<{ pending: unknown }>('GET', '/api/flows/invoices/schedule', keys.nl.viewer);
    const ukSchedule = await call<{ pending: unknown }>('GET', '/api/flows/invoices/schedule', keys.uk.viewer);
    expect([nlSchedule.body.pending !== null, ukSchedule.body.pending]).toEqual([true, null]);
    const recorded = await call<{ connection: { scheduleChanged: { by: string } | null } }>('GET', '/api/connections/nl', ADMIN);
    expect(recorded.body.connection.scheduleChanged?.by).toBe('bootstrap-admin-1');
  });

  it('manages keys per connection: listed without secrets, revoked at once', async () => {
    const listed = await call<{ keys: Record<string, unknown>[] }>('GET', '/api/connections/uk/keys', ADMIN);
    expect(listed.body.keys.map((k) => [k.name, k.role, k.connectionId, k.revokedAt])).toEqual([
      ['uk-viewer', 'viewer', 'uk', null],
      ['uk-operator', 'operator', 'uk', null],
    ]);
    expect(JSON.stringify(listed.body)).not.toMatch(new RegExp(`${keys.uk.viewer}|hash|salt`));
    const stored = await pool.query<{ hash: string }>('select hash from monitor.api_keys');
    expect(JSON.stringify(stored.rows)).not.toContain(keys.uk.viewer);
    // A key of nl is not revoked through uk; a name is never reused.
    expect((await call('DELETE', '/api/connections/uk/keys/nl-viewer', ADMIN)).status).toBe(404);
    expect((await call('POST', '/api/connections/uk/keys', ADMIN, { name: 'nl-viewer', role: 'viewer' })).status).toBe(409);
    expect((await call('POST', '/api/connections/uk/keys', ADMIN, { name: 'uk-admin', role: 'admin' })).status).toBe(400);
    expect((await call('GET', '/api/runs', keys.uk.viewer)).status).toBe(200);
    expect((await call('DELETE', '/api/connections/uk/keys/uk-viewer', ADMIN)).status).toBe(200);
    await waitFor('the revoked key refused', async () => ((await call('GET', '/api/runs', keys.uk.viewer)).status === 401 ? true : undefined), {
      timeoutMs: 1_000,
      intervalMs: 20,
    });
    expect((await call<{ keys: { revokedAt: string | null }[] }>('GET', '/api/connections/uk/keys', ADMIN)).body.keys[0].revokedAt).not.toBeNull();
    expect((await call('GET', '/api/runs', keys.nl.viewer)).status).toBe(200);
  });

  it('rebuilds both connections from the journal as the consumers made them', async () => {
    const before = [await picture(keys.uk.operator), await picture(keys.nl.viewer)];
    await rebuild(pool);
    expect([await picture(keys.uk.operator), await picture(keys.nl.viewer)]).toEqual(before);
  });

  /** What a refused call must leave as it was: the monitor's events, connections, keys and read models. */
  async function world() {
    const { rows } = await pool.query(`select
      (select count(*) from monitor.events)::int as events,
      (select json_agg(c order by id) from monitor.connections c) as connections,
      (select json_agg(json_build_object('name', name, 'revoked', revoked_at) order by name) from monitor.api_keys) as keys,
      (select count(*) from monitor.runs)::int as runs,
      (select json_agg(f order by connection_id, flow) from monitor.flow_settings f) as settings,
      (select count(*) from monitor.xero_authorizations)::int as authorizations`);
    return rows[0];
  }

  it('keeps a brand out of the other through every operation of the OpenAPI document', async () => {
    const doc = (await http<{ paths: Record<string, Record<string, unknown>> }>('GET', `${monitor.url}/docs/openapi.json`)).body;
    const fill: Record<string, string> = {
      runId: nl.runId,
      key: encodeURIComponent(documentKey('nl', 'invoice', 'INV-1')),
      id: 'nl',
      name: 'nl-operator',
      flow: 'invoices',
      action: 'hold-back',
    };
    const bodies: Record<string, unknown> = {
      'POST /api/runs': { flow: 'invoices' },
      'PUT /api/flows/{flow}/schedule': { enabled: false },
      'PUT /api/flows/{flow}/selection': noSelectionRules(),
      'PATCH /api/flows/{flow}/selection': { holdBack: [] },
      'POST /api/allocations/check': {},
      'PATCH /api/connections/{id}': { name: 'Taken over' },
      'POST /api/connections/{id}/pause': { reason: 'mine now' },
      'PUT /api/connections/{id}/lnb-credentials': { clientId: 'mine', clientSecret: 'mine' },
      'POST /api/connections/{id}/keys': { name: 'sneaky', role: 'operator' },
      'POST /api/connections': { id: 'nl', name: 'Taken over', timeZone: 'Europe/Amsterdam' },
    };
    const before = await world();
    const seen: string[] = [];
    for (const [template, operations] of Object.entries(doc.paths)) {
      for (const method of Object.keys(operations)) {
        const op = `${method.toUpperCase()} ${template}`;
        // The callback takes no key (its state is the proof: xero-connect.int-spec.ts); the list answers the caller's own.
        // /metrics is swept too: its series name both brands.
        const skipped = ['GET /api/xero/callback', 'GET /api/connections', 'GET /api/me'].includes(op);
        if (!(template.startsWith('/api/') || template === '/metrics') || skipped) continue;
        const path = template.replace(/\{(\w+)\}/g, (_, p: string) => fill[p]);
        // nl named as the connection; and nl's ids copied into uk's own scope, without naming it.
        const urls = template.startsWith('/api/connections') ? [path] : [`${path}?connection=nl`, ...(/\{(runId|key)\}/.test(template) ? [path] : [])];
        for (const url of urls) {
          // uk's operator key (its viewer key was revoked above): what a viewer may do, an operator may too.
          const res = await call<unknown>(method.toUpperCase(), url, keys.uk.operator, bodies[op]);
          seen.push(`${op} ${res.status}`);
          expect({ url, method, status: [403, 404].includes(res.status) }).toEqual({ url, method, status: true });
          expect(JSON.stringify(res.body)).not.toMatch(/Demo Fashion NL|NL-HELD|nl-operator/);
        }
      }
    }
    expect(seen.length).toBeGreaterThan(25);
    expect(seen).toContain('GET /metrics 403');
    expect(await world()).toEqual(before);
  });
});
