// monitor-api under fuzz (issue 15, part 3), as its own process on a real Postgres and Kafka: requests are
// generated from the OpenAPI document it serves, parameter by parameter and field by field, inside and
// outside each schema, mixed with a dictionary of hostile values. Promised for every request: never a 5xx;
// nothing outside the schema (or the API's rules for every parameter, which the document states) accepted;
// a 400 names the parameter it refuses; and a refused request changes nothing in the monitor's schema and
// sends no command. `FUZZ_SEED=<seed>` replays a run, `FUZZ_RUNS=<factor>` scales it.
import {
  AllocationCheckRequested,
  createEnvelope,
  flowKey,
  RunRequested,
  ScheduleChangeRequested,
  SelectionChangeRequested,
  SelectionChanged,
  topicName,
  XeroConnectionChanged,
  xeroConnectionKey,
} from '@lnbx/contracts';
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
import { type Consumer, Kafka, logLevel } from 'kafkajs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'pg';
import { campaign, checked, fuzzSeed, runsOf, Tally } from './campaign';
import { requestArb, send } from './requests';
import { NEST_INPUT_RULES } from './rules';
import { type OpenApiDocument, operationsOf, Oracle } from './schema';

// An admin key: it may do all an operator may, and create and remove connections, so every operation is tried.
const ADMIN = 'admin-key-for-fuzzing-0123456789';
const HEADERS = { 'x-api-key': ADMIN };
const REPLAY = 'npx jest --ci tools/fuzz/monitor-api.int-spec.ts';
/** Tables written only by appending (the event store, the journal, the task log): their row count says whether they changed. */
const APPEND_ONLY = new Set(['events', 'processed_events', 'journal', 'log_lines']);
const COMMAND_TOPICS = [RunRequested, ScheduleChangeRequested, SelectionChangeRequested, AllocationCheckRequested].map((e) => e.definition.topic);

describe('monitor-api under fuzz: no 5xx, nothing outside the schema accepted, nothing changed by a refusal', () => {
  const prefix = uniqueTopicPrefix('fuzz');
  const kafka = new Kafka({ clientId: 'fuzz-test', brokers: kafkaBrokers(), logLevel: logLevel.NOTHING });
  const publisher = new EventPublisher(kafka, prefix);
  const seed = fuzzSeed();
  const tallies: Tally[] = [];
  let commandsSeen = 0;
  let commandsAccepted = 0;
  let db: TestDatabase;
  let pool: Pool;
  let monitor: SpawnedService;
  let commands: Consumer;
  let doc: OpenApiDocument;
  let snapshotSql: string;
  /** The poller as the monitor reaches it: refuses every LNB credentials (the poller is fuzzed on its own side). */
  let poller: Server;
  const known: Record<string, string[]> = { key: ['acme:invoice:INV-HELD-1', 'acme:credit_note:CN-1', 'other:invoice:INV-1'] };

  const call = <T>(method: string, path: string, body?: unknown) => http<T>(method, `${monitor.url}${path}`, body, HEADERS);
  /** Every table of the monitor's schema, rows counted and hashed; the relay's progress (checkpoints) aside. */
  const snapshot = async (): Promise<Record<string, string>> =>
    Object.fromEntries((await pool.query<{ t: string; v: string }>(snapshotSql)).rows.map((r) => [r.t, r.v]));
  const settled = () =>
    waitFor(
      'the monitor schema to settle',
      async () => {
        const a = await snapshot();
        await new Promise((r) => setTimeout(r, 300));
        return JSON.stringify(a) === JSON.stringify(await snapshot()) ? a : undefined;
      },
      { timeoutMs: 15_000, intervalMs: 50 },
    );

  beforeAll(async () => {
    poller = createServer((_req, res) => {
      _req.resume();
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 'LNB.CREDENTIALS_REFUSED', message: 'Le New Black refused them' }));
    });
    await new Promise<void>((resolve) => poller.listen(0, '127.0.0.1', resolve));
    db = await createTestDatabase('fuzz');
    pool = new Pool({ connectionString: db.url, max: 2 });
    monitor = await spawnService('monitor-api', {
      DATABASE_URL: db.url,
      ...testKafkaEnv(),
      KAFKA_TOPIC_PREFIX: prefix,
      MONITOR_BOOTSTRAP_KEYS: `admin:${ADMIN}`,
      EXPORTER_INTERNAL_URL: 'http://xero-exporter.invalid:4003',
      EXPORTER_SERVICE_TOKEN: 'a-service-token-for-fuzzing-0123456789abcdef',
      POLLER_INTERNAL_URL: `http://127.0.0.1:${(poller.address() as AddressInfo).port}`,
      POLLER_SERVICE_TOKEN: 'a-poller-token-for-fuzzing-0123456789abcdef',
    });
    commands = kafka.consumer({ groupId: `${prefix}fuzz-commands` });
    await commands.connect();
    await commands.subscribe({ topics: COMMAND_TOPICS.map((t) => topicName(prefix, t)), fromBeginning: true });
    await commands.run({ eachMessage: async () => void commandsSeen++ });

    const { rows } = await pool.query<{ t: string }>(
      "select table_name as t from information_schema.tables where table_schema = 'monitor' and table_type = 'BASE TABLE' and table_name <> 'checkpoints' order by 1",
    );
    snapshotSql = rows
      .map(({ t }) =>
        APPEND_ONLY.has(t)
          ? `select '${t}' as t, count(*)::text as v from monitor."${t}"`
          : `select '${t}' as t, count(*) || ':' || coalesce(md5(string_agg(x::text, '|' order by x::text)), '') as v from monitor."${t}" x`,
      )
      .join(' union all ');

    // A connection to find, and the one the admin key acts on when a request names none (the only one); its
    // changes are events of the monitor's own, not commands: not counted below.
    expect((await call('POST', '/api/connections', { id: 'acme', name: 'Acme', timeZone: 'Europe/Paris' })).status).toBe(201);
    known.id = ['acme', 'nobody'];
    known.connection = ['acme'];
    // Something to find: runs, confirmed selection rules (PATCH and hold-back build on them), a held document.
    await publisher.publish([
      createEnvelope(
        SelectionChanged.definition,
        {
          flow: 'invoices',
          requestedBy: 'fuzz',
          rules: {
            statuses: ['final'],
            dateFrom: null,
            dateTo: null,
            includeRetailers: [],
            excludeRetailers: [],
            currencies: [],
            onlyReferences: [],
            holdBack: [],
          },
        },
        { producer: 'lnb-poller', connectionId: 'acme', correlationId: 'fuzz', key: flowKey('acme', 'invoices') },
      ),
    ]);
    await waitFor('the confirmed selection', async () => (await call<{ current: unknown }>('GET', '/api/flows/invoices/selection')).body.current ?? undefined);
    // A custom connection: "Connect to Xero" is a 409 before it would ask the exporter (which is nowhere here);
    // the flow itself is tested in apps/monitor-api/src/xero-connect.int-spec.ts.
    await publisher.publish([
      createEnvelope(
        XeroConnectionChanged.definition,
        {
          status: 'connected',
          change: 'connected',
          grant: 'client_credentials',
          xeroTenantId: 'tenant-1',
          tenantName: 'Fuzz Ltd',
          connectedAt: '2026-03-01T09:00:00.000Z',
        },
        { producer: 'xero-exporter', connectionId: 'acme', correlationId: 'fuzz', key: xeroConnectionKey('acme') },
      ),
    ]);
    await waitFor('the custom connection told', async () =>
      (await call<{ connected: boolean }>('GET', '/api/xero/status')).body.connected ? true : undefined,
    );
    known.runId = [];
    for (const flow of ['invoices', 'credit_notes', 'invoices']) known.runId.push((await call<{ runId: string }>('POST', '/api/runs', { flow })).body.runId);
    expect((await call('POST', '/api/documents/acme:invoice:INV-HELD-1/hold-back')).status).toBe(202);
    commandsAccepted = 4;
    await waitFor('the setup commands on Kafka', () => commandsSeen >= commandsAccepted || undefined, { timeoutMs: 20_000 });
    doc = (await call<OpenApiDocument>('GET', '/docs/openapi.json')).body;
  });

  afterAll(async () => {
    for (const t of tallies) process.stdout.write(`${t.summary()}\n`);
    await commands?.disconnect();
    await publisher.close();
    await monitor?.stop();
    await new Promise((resolve) => poller?.close(resolve));
    await pool?.end();
    await db?.drop();
  });

  const ops = () => operationsOf(doc, (op) => op.path.startsWith('/api/'));

  it('the document describes every route with input, and says its rules for every parameter', () => {
    const routes = ops().map((op) => `${op.method} ${op.path}`);
    expect(routes).toEqual(
      expect.arrayContaining([
        'GET /api/documents',
        'POST /api/runs',
        'PUT /api/flows/{flow}/selection',
        'GET /api/runs/{runId}/log.txt',
        'POST /api/xero/connect',
        'GET /api/xero/callback',
        'POST /api/connections',
        'PATCH /api/connections/{id}',
        'PUT /api/connections/{id}/lnb-credentials',
      ]),
    );
    for (const op of ops()) for (const name of op.path.match(/\{(\w+)\}/g) ?? []) expect(op.parameters.map((p) => `{${p.name}}`)).toContain(name);
    expect(JSON.stringify(doc)).toContain('no control character');
  });

  it('refuses every request outside the schema, and the monitor schema and the command topics stay as they were', async () => {
    const tally = new Tally('monitor-api, requests outside the schema', seed);
    tallies.push(tally);
    const before = await settled();
    const seen = commandsSeen;
    const oracle = new Oracle(NEST_INPUT_RULES);
    const outside = requestArb(ops(), oracle, { known, hostility: 3 }).filter((r) => r.outside !== undefined);
    await campaign(outside, async (r) => checked(tally, r, await send(monitor.url, r, HEADERS)), { numRuns: runsOf(2_500), seed, replay: REPLAY });
    expect(tally.count((s) => s >= 200 && s < 300)).toBe(0);
    expect(await settled()).toEqual(before);
    // Nothing reached the relay: no command for the consumer to see, however long it waits.
    await new Promise((r) => setTimeout(r, 1_000));
    expect(commandsSeen).toBe(seen);
  });

  it('answers any request without a 5xx; a refused write changes nothing; each accepted command, and only those, goes out', async () => {
    const tally = new Tally('monitor-api, any request', seed);
    tallies.push(tally);
    const oracle = new Oracle(NEST_INPUT_RULES);
    await campaign(
      requestArb(ops(), oracle, { known }),
      async (r) => {
        const write = r.method !== 'GET';
        const before = write ? await snapshot() : undefined;
        const answer = await send(monitor.url, r, HEADERS);
        // A connection's change is the monitor's own event (ConnectionChanged), not a command for another service.
        if (write && answer.status >= 200 && answer.status < 300 && !r.op.path.startsWith('/api/connections')) commandsAccepted++;
        await checked(tally, r, answer, async () => {
          if (!before || answer.status < 400) return undefined;
          const after = await snapshot();
          const changed = Object.keys(after).filter((t) => after[t] !== before[t]);
          return changed.length ? `refused (${answer.status}) yet changed ${changed.join(', ')}` : undefined;
        });
      },
      { numRuns: runsOf(2_500), seed: seed + 1, replay: REPLAY },
    );
    await waitFor(`${commandsAccepted} commands on Kafka`, async () => commandsSeen >= commandsAccepted || undefined, { timeoutMs: 20_000 });
    await new Promise((r) => setTimeout(r, 500));
    expect(commandsSeen).toBe(commandsAccepted);
  });
});
