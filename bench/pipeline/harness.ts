// What the whole-pipeline benchmarks share: both sandboxes and the four services as their own processes
// (compiled, from dist/, as in production) over the project's broker and a fresh, migrated database; the
// monitor's REST API as a user reaches it (an operator key); the sandboxes' admin APIs; what /proc says of
// each process; and a bare kafkajs hop (producer -> broker -> consumer) to compare the pipeline with.
import {
  connectionSetupEnv,
  createTestDatabase,
  kafkaBrokers,
  type SpawnedService,
  spawnService,
  setUpConnection,
  TEST_KAFKA_ENV,
  type TestDatabase,
  testKafkaEnv,
  uniqueTopicPrefix,
  waitFor,
} from '@lnbx/testing';
import { Kafka, logLevel, type Consumer, type Message, type Producer } from 'kafkajs';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';

/** `--name=value` from the command line, or the fallback. */
export function arg(name: string, fallback: number): number {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  const value = hit ? Number(hit.slice(name.length + 3)) : fallback;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number`);
  return value;
}

export const round = (n: number, digits = 2): number => Number(n.toFixed(digits));

/** The nearest-rank percentile of `values` (p in 0..100). */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export const median = (values: number[]): number => percentile(values, 50);

/** CPU seconds (user + system) the process has used so far. */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8')
    .replace(/^.*\) /, '')
    .split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** The process's peak resident set (VmHWM), in MB. */
export function peakRssMb(pid: number): number {
  const kb = Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);
  return Math.round(kb / 1024);
}

/** CPU seconds the whole machine has spent busy so far (every process, the other engineers' included). */
export function machineCpuSeconds(): number {
  const [user, nice, system, , , irq, softirq] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  return (user + nice + system + irq + softirq) / 100;
}

export const loadAverage = (): number[] => loadavg().map((n) => round(n, 2));

/** Calls a sandbox's admin API: JSON on every request (it refuses anything else), its token when one is set in this shell. */
export function sandboxAdmin(base: string, tokenVariable: string) {
  const token = process.env[tokenVariable];
  const headers = { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) };
  return async <T>(method: string, what: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${base}${what}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    if (!res.ok) throw new Error(`${base} ${method} ${what}: HTTP ${res.status} ${await res.text()}`);
    return (res.status === 204 ? undefined : await res.json()) as T;
  };
}

export type Admin = ReturnType<typeof sandboxAdmin>;

export interface PipelineOptions {
  /** Names the database and the topics. */
  label: string;
  /** Invoices the LNB sandbox holds (about 80% are final, so selected by the default rules; 5% of those have a defect). */
  invoices: number;
  seed?: number;
  /** Xero's limits enforced by the sandbox (false: lifted, XERO_SANDBOX_LIMITS=off). */
  xeroLimits: boolean;
  /** The exporter's XERO_RATE_TIME_SCALE, and the sandbox's time scale. */
  xeroTimeScale: number;
}

/** The brand the benchmarks run: set up through monitor-api, as an integrator does. */
export const CONNECTION = 'bench';

/** What the run and its documents look like through monitor-api (GET /api/runs/{runId}, GET /api/documents/{key}). */
export interface RunView {
  runId: string;
  status: string;
  startedAt: string | null;
  endedAt: string | null;
  counts: { seen: number; selected: number; emitted: number } | null;
  documents: { total: number; detected: number; mapped: number; rejected: number; exported: number; failed: number };
}

export interface DocumentView {
  state: string | null;
  xero: { id: string; number: string | null } | null;
  problems: { code: string; message: string }[];
  history: { at: string; eventType: string }[];
}

export interface Pipeline {
  db: TestDatabase;
  prefix: string;
  kafka: Kafka;
  monitorUrl: string;
  services: { poller: SpawnedService; mapper: SpawnedService; exporter: SpawnedService; monitor: SpawnedService };
  lnb: { process: SpawnedService; admin: Admin };
  xero: { process: SpawnedService; admin: Admin };
  /** POST /api/runs with the operator key, as the Integration Center's buttons do. */
  requestRun(body: { flow: 'invoices' | 'credit_notes'; documents?: string[] }): Promise<string>;
  /** GET on monitor-api's REST API with the operator key. */
  get<T>(what: string): Promise<T>;
  /** A query on the database (the monitor's projection, the services' own schemas). */
  query<T extends Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  stop(): Promise<void>;
}

/** The repo root, whether this runs from source or compiled into dist/. */
const UP = path.resolve(__dirname, '../../..');
const ROOT = path.basename(UP) === 'dist' ? path.dirname(UP) : UP;

/**
 * Both sandboxes, then the four services, each its own process, on a fresh database migrated by the
 * real CLI (a copy of the migrated template, as the tests get theirs) and topics of their own; returns
 * once the exporter is connected to Xero and its reference data has reached the mapper.
 */
/**
 * What a bench run leaves behind, removed: its services stopped, its client closed, its topics deleted (repeated
 * runs would fill the broker) and its database dropped.
 */
export async function tearDown(run: { started: SpawnedService[]; pg: Client; kafka: Kafka; prefix: string; db: { drop(): Promise<void> } }): Promise<void> {
  await Promise.all(run.started.map((s) => s.stop()));
  await run.pg.end().catch(() => undefined);
  const admin = run.kafka.admin();
  await admin
    .connect()
    .then(() => admin.listTopics())
    .then((topics) => admin.deleteTopics({ topics: topics.filter((t) => t.startsWith(run.prefix)), timeout: 60_000 }))
    .catch((err: unknown) => console.error(`the bench's topics (${run.prefix}*) could not be deleted: ${(err as Error).message}`));
  await admin.disconnect().catch(() => undefined);
  await run.db.drop();
}

export async function startPipeline(o: PipelineOptions): Promise<Pipeline> {
  // The broker KAFKA_BROKERS names (the project's, 127.0.0.1:19092, by default), started if it does not answer.
  const kafkaPort = kafkaBrokers()[0].split(':').pop()!;
  execFileSync('bash', [path.join(ROOT, 'tools/kafka/kafka.sh'), 'start'], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, KAFKA_PORT: kafkaPort },
  });
  const started: SpawnedService[] = [];
  const db = await createTestDatabase(o.label);
  const prefix = uniqueTopicPrefix(o.label.replace(/_/g, '-'));
  const kafka = new Kafka({ clientId: `${o.label}-bench`, brokers: kafkaBrokers(), logLevel: logLevel.NOTHING });
  const pg = new Client({ connectionString: db.url });
  const stop = (): Promise<void> => tearDown({ started, pg, kafka, prefix, db });
  try {
    const spawned = async (app: string, env: Record<string, string>, readyMessage?: string): Promise<SpawnedService> => {
      const s = await spawnService(app, { ...TEST_KAFKA_ENV, ...env }, { fromDist: true, timeoutMs: 120_000, ...(readyMessage ? { readyMessage } : {}) });
      started.push(s);
      return s;
    };
    // Both stand in for remote APIs: their own processes, so what they spend is not counted as ours.
    const [lnb, xero] = await Promise.all([
      spawned(
        'lnb-sandbox',
        {
          LNB_SANDBOX_PORT: '0',
          LNB_SANDBOX_SEED: String(o.seed ?? 11),
          LNB_SANDBOX_INVOICES: String(o.invoices),
          LNB_SANDBOX_CREDIT_NOTES: '0',
        },
        'LNB sandbox listening',
      ),
      // No state file: Xero's own persistence is not ours to measure (issue 16 part 5 is about the sandbox's).
      spawned(
        'xero-sandbox',
        {
          XERO_SANDBOX_PORT: '0',
          XERO_SANDBOX_LIMITS: o.xeroLimits ? 'on' : 'off',
          XERO_SANDBOX_TIME_SCALE: String(o.xeroTimeScale),
        },
        'xero sandbox listening',
      ),
    ]);
    const lnbLine = lnb.logs.find((l) => l.msg === 'LNB sandbox listening')!;
    const xeroLine = xero.logs.find((l) => l.msg === 'xero sandbox listening')!;
    const operatorKey = `bench-operator-${randomBytes(16).toString('hex')}`;
    const adminKey = `bench-admin-${randomBytes(16).toString('hex')}`;
    const common = {
      DATABASE_URL: db.url,
      ...testKafkaEnv(),
      KAFKA_TOPIC_PREFIX: prefix,
      LOG_LEVEL: 'info',
    };
    const setup = connectionSetupEnv();
    const poller = await spawned('lnb-poller', {
      ...common,
      ...setup.poller,
      LNB_BASE_URL: lnb.url,
      // LNB's request budget (20 a second) would set the pace of a first import: lifted, as Xero's limits are.
      LNB_REQUESTS_PER_MINUTE: '10000000',
      LNB_REQUEST_BURST: '10000000',
    });
    const [mapper, exporter, monitor] = await Promise.all([
      spawned('mapper', common),
      spawned('xero-exporter', {
        ...common,
        XERO_API_URL: String(xeroLine.accountingBasePath),
        XERO_IDENTITY_URL: xero.url,
        XERO_GRANT: 'client_credentials',
        XERO_CLIENT_ID: 'SANDBOX-CUSTOM-CONNECTION',
        XERO_CLIENT_SECRET: 'sandbox-custom-secret',
        XERO_TOKEN_KEY: randomBytes(32).toString('hex'),
        XERO_RATE_TIME_SCALE: String(o.xeroTimeScale),
      }),
      spawned('monitor-api', {
        ...common,
        ...setup.monitor,
        POLLER_INTERNAL_URL: poller.url,
        MONITOR_BOOTSTRAP_KEYS: `operator@${CONNECTION}:${operatorKey},admin:${adminKey}`,
      }),
    ]);
    await setUpConnection(monitor.url, adminKey, {
      id: CONNECTION,
      name: 'Bench Fashion',
      lnb: { clientId: 'lnb-sandbox-client', clientSecret: 'lnb-sandbox-secret' },
    });
    await pg.connect();
    const monitorUrl = monitor.url.replace(/\/+$/, '');
    const headers = { 'x-api-key': operatorKey };
    const get = async <T>(what: string): Promise<T> => {
      const res = await fetch(`${monitorUrl}${what}`, { headers });
      if (!res.ok) throw new Error(`monitor-api GET ${what}: HTTP ${res.status} ${await res.text()}`);
      return (await res.json()) as T;
    };
    const query = async <T extends Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> => (await pg.query(sql, params)).rows as T[];
    // Ready when the monitor says the exporter is connected and the mapper holds the organisation's reference data.
    await waitFor(
      'the exporter to connect to Xero',
      async () => (await get<{ connected: boolean | null }>('/api/xero/status').catch(() => ({ connected: null }))).connected === true,
      { timeoutMs: 120_000, intervalMs: 250 },
    );
    await waitFor(
      'the mapper to hold the reference data',
      async () => (await query(`select 1 from mapper.events where type = 'OrgReferenceDataPublished' limit 1`).catch(() => [])).length > 0,
      { timeoutMs: 120_000, intervalMs: 250 },
    );
    return {
      db,
      prefix,
      kafka,
      monitorUrl,
      services: { poller, mapper, exporter, monitor },
      lnb: { process: lnb, admin: sandboxAdmin(String(lnbLine.admin), 'LNB_SANDBOX_ADMIN_TOKEN') },
      xero: { process: xero, admin: sandboxAdmin(`${xero.url.replace(/\/+$/, '')}/__admin`, 'XERO_SANDBOX_ADMIN_TOKEN') },
      async requestRun(body) {
        const res = await fetch(`${monitorUrl}/api/runs`, {
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        if (res.status !== 202) throw new Error(`POST /api/runs: HTTP ${res.status} ${await res.text()}`);
        return ((await res.json()) as { runId: string }).runId;
      },
      get,
      query,
      stop,
    };
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
}

/** What the Xero sandbox counted: every call, the creates (PUT /Invoices), and what it holds. */
export async function xeroFigures(xero: Admin, exported: number) {
  const calls = await xero<{ stats: { total: number; byStatus: Record<string, number> }; recent: { method: string; path: string }[] }>(
    'GET',
    '/calls?limit=1000000',
  );
  const state = await xero<{ tenants: { tenantId: string; invoices: number }[] }>('GET', '/state');
  const tenant = state.tenants.find((t) => t.invoices > 0);
  const invoices = tenant ? await xero<{ InvoiceNumber: string }[]>('GET', `/tenants/${tenant.tenantId}/invoices`) : [];
  const numbers = new Map<string, number>();
  for (const i of invoices) numbers.set(i.InvoiceNumber, (numbers.get(i.InvoiceNumber) ?? 0) + 1);
  const byRoute: Record<string, number> = {};
  for (const c of calls.recent) {
    const route = `${c.method} ${c.path.replace(/\/[0-9a-f-]{36}/g, '/{id}')}`;
    byRoute[route] = (byRoute[route] ?? 0) + 1;
  }
  const creates = calls.recent.filter((c) => c.method === 'PUT' && c.path === '/Invoices').length;
  return {
    calls: calls.stats.total,
    // The sandbox keeps the last 2,000-3,000 calls: past that, the routes below are the latest ones only.
    callLogComplete: calls.recent.length === calls.stats.total,
    byRoute,
    http429: calls.stats.byStatus['429'] ?? 0,
    createCalls: creates,
    invoicesPerCreateCall: creates ? round(exported / creates) : null,
    invoicesPerCall: calls.stats.total ? round(exported / calls.stats.total) : null,
    inXero: invoices.length,
    duplicates: [...numbers.values()].filter((n) => n > 1).length,
  };
}

/** One process's figures between two readings. */
export interface ProcessReading {
  pid: number;
  cpu: number;
}

export const readProcess = (s: SpawnedService): ProcessReading => ({ pid: s.process.pid!, cpu: cpuSeconds(s.process.pid!) });

/**
 * A bare hop on the same broker: `messages` produced to a topic of their own (3 partitions, as the services'
 * topics) by a kafkajs producer set as the services' publisher is (idempotent, acks=all, one request in flight,
 * requests of at most 900 kB), consumed by a kafkajs consumer set as theirs is, in this process; from the first
 * send until the last message is consumed.
 */
export async function rawKafkaHop(kafka: Kafka, topic: string, messages: Message[]): Promise<{ messages: number; seconds: number; perSecond: number }> {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 3, replicationFactor: 1 }] });
  await admin.disconnect();
  const producer: Producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  const consumer: Consumer = kafka.consumer({ groupId: `${topic}.consumer`, heartbeatInterval: 1_000, maxWaitTimeInMs: 250, allowAutoTopicCreation: false });
  let received = 0;
  let lastAt = 0;
  try {
    await producer.connect();
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
    await consumer.run({
      partitionsConsumedConcurrently: 3,
      eachBatch: async ({ batch }) => {
        received += batch.messages.length;
        lastAt = Date.now();
      },
    });
    await joined;
    const startedAt = Date.now();
    let chunk: Message[] = [];
    let bytes = 0;
    for (const m of messages) {
      const size = (m.value as Buffer).length + Buffer.byteLength(String(m.key)) + 64;
      if (bytes > 0 && bytes + size > 900_000) {
        await producer.send({ topic, acks: -1, messages: chunk });
        chunk = [];
        bytes = 0;
      }
      chunk.push(m);
      bytes += size;
    }
    if (chunk.length) await producer.send({ topic, acks: -1, messages: chunk });
    await waitFor('the raw hop to be consumed', () => received >= messages.length, { timeoutMs: 300_000, intervalMs: 5 });
    const seconds = (lastAt - startedAt) / 1000;
    return { messages: received, seconds: round(seconds, 3), perSecond: Math.round(received / seconds) };
  } finally {
    await consumer.disconnect().catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
  }
}
