// Benchmark (issue 12): many brands on one deployment. N connections (20), each its own LNB sandbox account and
// its own Xero sandbox organisation, set up through monitor-api as an integrator does (connection, LNB
// credentials, consent at Xero); one run requested for every connection at once; the four services as their own
// processes (compiled, from dist/) against the Xero sandbox enforcing Xero's limits on a scaled clock. From the
// sandbox's side (GET /__admin/call-times: every call's arrival and duration per organisation) it reports, per
// organisation, its calls per limit-minute and its documents in Xero, its share of the app's calls while every
// organisation still had work, and whether it went over its own limits (calls at once, a rolling minute, the day)
// or was refused for one (429). The exporter's app-wide budget (XERO_APP_LIMIT_PER_MINUTE) is set below what the
// organisations would use without it, so the shares show whether it is shared fairly: --app-limit=200 on Xero's
// own clock (10 a minute each where each may make 60). A higher budget does not bind on this machine: the
// exporter takes in about 70 documents a second and sends them 50 to a call, about 20 calls a minute per
// organisation (600 at time scale 2 was measured: at most 398 calls in any limit-minute). --app-limit=10000 is
// Xero's real figure, which 20 organisations never reach. One JSON line.
//
// By default the exporter is stopped while the runs go through the poller and the mapper; once every document is
// mapped the connections are paused, the exporter started again to take them all in, and the connections resumed
// at once: 20 brands' first imports (or an exporter back after an outage) land on Xero together, so every
// organisation has work until its budget has sent it, and the shares measure the budget. --live keeps the
// exporter running throughout: the documents reach it as fast as the pipeline brings them (about 100/s on the
// project's machine), far below what the budget sends, so organisations run dry in turn and the shares measure the
// pipeline rather than the budget.
//   npm run bench:tenants [-- --connections=20] [--invoices=500] [--app-limit=200] [--xero-time-scale=1] [--day-limit=5000] [--live]
// --invoices: documents per connection through the pipeline (its LNB account holds invoices/0.8; about 80% are final).
import {
  connectionSetupEnv,
  createTestDatabase,
  kafkaBrokers,
  type SpawnedService,
  spawnService,
  setUpConnection,
  TEST_KAFKA_ENV,
  testKafkaEnv,
  uniqueTopicPrefix,
  waitFor,
} from '@lnbx/testing';
import { Kafka, logLevel } from 'kafkajs';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import * as path from 'node:path';
import { Client } from 'pg';
import { arg, loadAverage, round, sandboxAdmin, tearDown } from '../pipeline/harness';

const UP = path.resolve(__dirname, '../../..');
const ROOT = path.basename(UP) === 'dist' ? path.dirname(UP) : UP;

/** Xero's per-organisation limits, as the sandbox enforces them. */
const CONCURRENT = 5;
const PER_MINUTE = 60;

/** A port nobody holds now: monitor-api's callback must be known before the exporter starts (XERO_REDIRECT_URI). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

interface Call {
  at: number;
  ms: number;
  status: number;
  method: string;
  path: string;
  reason?: string;
}

/** The most calls in any window of `lengthMs` (calls counted from their arrival, as Xero counts them). */
function mostInWindow(starts: number[], lengthMs: number): number {
  const sorted = [...starts].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[i] - sorted[j] >= lengthMs) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

/** The most calls under way at one moment. */
function mostAtOnce(calls: Call[]): number {
  const edges = calls.flatMap((c) => [
    { t: c.at, d: 1 },
    { t: c.at + c.ms, d: -1 },
  ]);
  // An answer and the next call in the same millisecond: the answer first (the slot was free).
  edges.sort((a, b) => a.t - b.t || a.d - b.d);
  let now = 0;
  let most = 0;
  for (const e of edges) {
    now += e.d;
    most = Math.max(most, now);
  }
  return most;
}

const isCreate = (c: Call) => c.method === 'PUT' && c.path === '/Invoices' && c.status === 200;

async function main(): Promise<void> {
  const connections = arg('connections', 20);
  const perConnection = arg('invoices', 500);
  const appLimit = arg('app-limit', 200);
  const timeScale = arg('xero-time-scale', 1);
  const dayLimit = arg('day-limit', 5000);
  const live = process.argv.includes('--live');
  const minuteMs = 60_000 / timeScale;
  const lnbInvoices = Math.round(perConnection / 0.8);
  const loadBefore = loadAverage();
  const label = 'bench_tenants';
  const ids = Array.from({ length: connections }, (_, i) => `b${String(i + 1).padStart(2, '0')}`);

  const kafkaPort = kafkaBrokers()[0].split(':').pop()!;
  execFileSync('bash', [path.join(ROOT, 'tools/kafka/kafka.sh'), 'start'], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, KAFKA_PORT: kafkaPort },
  });
  const started: SpawnedService[] = [];
  const db = await createTestDatabase(label);
  const prefix = uniqueTopicPrefix('bench-tenants');
  const kafka = new Kafka({ clientId: `${label}-bench`, brokers: kafkaBrokers(), logLevel: logLevel.NOTHING });
  const pg = new Client({ connectionString: db.url });
  const spawned = async (app: string, env: Record<string, string>, readyMessage?: string): Promise<SpawnedService> => {
    const s = await spawnService(app, { ...TEST_KAFKA_ENV, ...env }, { fromDist: true, timeoutMs: 120_000, ...(readyMessage ? { readyMessage } : {}) });
    started.push(s);
    return s;
  };
  try {
    // Every brand its own LNB account (own credentials, own seed, so its own documents), all on one sandbox.
    const accounts = ids.slice(1).map((id, i) => ({
      id,
      clientId: `${id}-client`,
      clientSecret: `${id}-secret`,
      seed: 100 + i + 1,
      brand: 'uk',
      invoices: lnbInvoices,
      creditNotes: 0,
    }));
    const [lnb, xero] = await Promise.all([
      spawned(
        'lnb-sandbox',
        {
          LNB_SANDBOX_PORT: '0',
          LNB_SANDBOX_ACCOUNT_ID: ids[0],
          LNB_SANDBOX_BRAND: 'uk',
          LNB_SANDBOX_SEED: '100',
          LNB_SANDBOX_INVOICES: String(lnbInvoices),
          LNB_SANDBOX_CREDIT_NOTES: '0',
          ...(accounts.length ? { LNB_SANDBOX_ACCOUNTS: JSON.stringify(accounts) } : {}),
        },
        'LNB sandbox listening',
      ),
      // Xero's limits on, per organisation and app-wide, on a clock `timeScale` times as fast.
      spawned(
        'xero-sandbox',
        {
          XERO_SANDBOX_PORT: '0',
          XERO_SANDBOX_LIMITS: 'on',
          XERO_SANDBOX_TIME_SCALE: String(timeScale),
          XERO_SANDBOX_EXTRA_ORGANISATIONS: String(connections),
        },
        'xero sandbox listening',
      ),
    ]);
    const xeroLine = xero.logs.find((l) => l.msg === 'xero sandbox listening')!;
    const xeroAdmin = sandboxAdmin(`${xero.url.replace(/\/+$/, '')}/__admin`, 'XERO_SANDBOX_ADMIN_TOKEN');
    const organisations = (xeroLine.tenants as { tenantId: string; name: string }[]).filter((t) => /^Demo Fashion Ltd \d+$/.test(t.name));
    const organisationOf = new Map(ids.map((id, i) => [id, organisations[i]]));

    const adminKey = `bench-admin-${randomBytes(16).toString('hex')}`;
    const serviceToken = randomBytes(32).toString('hex');
    const monitorPort = await freePort();
    const monitorUrl = `http://127.0.0.1:${monitorPort}`;
    const common = { DATABASE_URL: db.url, ...testKafkaEnv(), KAFKA_TOPIC_PREFIX: prefix, LOG_LEVEL: 'info' };
    const setup = connectionSetupEnv();
    const poller = await spawned('lnb-poller', {
      ...common,
      ...setup.poller,
      LNB_BASE_URL: lnb.url,
      // LNB's request budget would set the pace of 20 first imports: lifted, as in bench:pipeline.
      LNB_REQUESTS_PER_MINUTE: '10000000',
      LNB_REQUEST_BURST: '10000000',
    });
    // The Xero app every brand consents to (authorization code): one organisation per connection.
    const exporterEnv = {
      ...common,
      XERO_API_URL: String(xeroLine.accountingBasePath),
      XERO_IDENTITY_URL: xero.url,
      XERO_GRANT: 'authorization_code',
      XERO_CLIENT_ID: 'SANDBOX-AUTHCODE-CLIENT',
      XERO_CLIENT_SECRET: 'sandbox-authcode-secret',
      XERO_REDIRECT_URI: `${monitorUrl}/api/xero/callback`,
      EXPORTER_SERVICE_TOKEN: serviceToken,
      XERO_TOKEN_KEY: randomBytes(32).toString('hex'),
      XERO_RATE_TIME_SCALE: String(timeScale),
      XERO_APP_LIMIT_PER_MINUTE: String(appLimit),
      XERO_LIMIT_PER_DAY: String(dayLimit),
    };
    const [, exporter] = await Promise.all([spawned('mapper', common), spawned('xero-exporter', exporterEnv)]);
    await spawned('monitor-api', {
      ...common,
      ...setup.monitor,
      HTTP_PORT: String(monitorPort),
      POLLER_INTERNAL_URL: poller.url,
      EXPORTER_INTERNAL_URL: exporter.url,
      EXPORTER_SERVICE_TOKEN: serviceToken,
      MONITOR_BOOTSTRAP_KEYS: `admin:${adminKey}`,
    });
    await pg.connect();
    const query = async <T extends Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> => (await pg.query(sql, params)).rows as T[];
    const monitor = async (method: string, what: string, body?: unknown) =>
      fetch(`${monitorUrl}${what}`, {
        method,
        redirect: 'manual',
        headers: { 'x-api-key': adminKey, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });

    // Each brand as an integrator sets it up: the connection and its LNB credentials, then "Connect to Xero" with
    // the consent limited to its own organisation (tools/demo/brands.mjs does the same for the demo's two).
    for (const id of ids) {
      await setUpConnection(monitorUrl, adminKey, {
        id,
        name: `Bench brand ${id}`,
        lnb: { clientId: id === ids[0] ? 'lnb-sandbox-client' : `${id}-client`, clientSecret: id === ids[0] ? 'lnb-sandbox-secret' : `${id}-secret` },
      });
      const connect = await monitor('POST', `/api/xero/connect?connection=${id}`, {});
      if (connect.status !== 201) throw new Error(`POST /api/xero/connect (${id}): HTTP ${connect.status} ${await connect.text()}`);
      const cookie = (connect.headers.get('set-cookie') ?? '').split(';')[0];
      const consent = new URL(((await connect.json()) as { authorizeUrl: string }).authorizeUrl);
      consent.searchParams.set('tenants', organisationOf.get(id)!.tenantId);
      const back = await fetch(consent, { redirect: 'manual' });
      const callback = back.headers.get('location');
      if (back.status !== 302 || !callback) throw new Error(`the Xero sandbox's consent (${id}) answered HTTP ${back.status}`);
      const done = await fetch(callback, { redirect: 'manual', headers: { cookie } });
      if (done.status !== 303) throw new Error(`the callback (${id}) answered HTTP ${done.status}: ${(await done.text()).slice(0, 300)}`);
    }
    await waitFor(
      'every connection to be connected to its Xero organisation',
      async () => {
        for (const id of ids) {
          const res = await monitor('GET', `/api/xero/status?connection=${id}`);
          if (!res.ok || ((await res.json()) as { connected: boolean | null }).connected !== true) return false;
        }
        return true;
      },
      { timeoutMs: 180_000, intervalMs: 500 },
    );
    await waitFor(
      "the mapper to hold every organisation's reference data",
      async () =>
        (
          await query<{ n: number }>(
            `select count(distinct data->>'connectionId')::int as n from mapper.events where type = 'OrgReferenceDataPublished'`,
          ).catch(() => [{ n: 0 }])
        )[0].n >= connections,
      { timeoutMs: 180_000, intervalMs: 500 },
    );

    if (!live) await exporter.stop();
    // Set-up calls (consent checks, reference data) are not the run's: only calls from here on are counted.
    const requestedAt = Date.now();
    const runs = new Map<string, string>();
    await Promise.all(
      ids.map(async (id) => {
        const res = await monitor('POST', `/api/runs?connection=${id}`, { flow: 'invoices' });
        if (res.status !== 202) throw new Error(`POST /api/runs (${id}): HTTP ${res.status} ${await res.text()}`);
        runs.set(id, ((await res.json()) as { runId: string }).runId);
      }),
    );
    let exporterStartedAt: number | null = null;
    if (!live) {
      // Every run's documents mapped (or rejected), waiting on Kafka for the exporter: then it starts again.
      await waitFor(
        "every connection's documents to be mapped",
        async () => {
          const rows = await query<{ status: string; emitted: number | null; mapped: number }>(
            `select r.status, (r.view->'counts'->>'emitted')::int as emitted, count(*) filter (where d.state in ('mapped', 'rejected'))::int as mapped
               from monitor.runs r left join monitor.run_documents d on d.connection_id = r.connection_id and d.run_id = r.run_id
              where (r.connection_id, r.run_id) in (select * from unnest($1::text[], $2::text[]))
              group by r.connection_id, r.run_id`,
            [[...runs.keys()], [...runs.values()]],
          );
          return rows.length === connections && rows.every((r) => r.status === 'completed' && r.emitted !== null && r.mapped >= r.emitted);
        },
        { timeoutMs: 60 * 60_000, intervalMs: 500 },
      );
      // Paused in the Integration Center before the exporter comes back: it takes every document in (its intake
      // reads them in the order the runs produced them, so some brands' would otherwise reach Xero a minute before
      // others' were even read), and sends nothing until all are resumed, at once.
      for (const id of ids) {
        const res = await monitor('POST', `/api/connections/${id}/pause`, { reason: 'bench:tenants: the backlog builds up' });
        if (res.status !== 200) throw new Error(`POST /api/connections/${id}/pause: HTTP ${res.status} ${await res.text()}`);
      }
      await spawned('xero-exporter', exporterEnv);
      await waitFor(
        'the exporter to hold every mapped document, every connection paused',
        async () => {
          const [r] = await query<{ paused: number; mapped: number; pending: number }>(
            `select (select count(*) from exporter.connection_statuses where status = 'paused')::int as paused,
                    (select count(*) from monitor.documents where state = 'mapped')::int as mapped,
                    (select count(*) from exporter.pending)::int as pending`,
          );
          return r.paused === connections && r.pending >= r.mapped;
        },
        { timeoutMs: 60 * 60_000, intervalMs: 500 },
      );
      exporterStartedAt = Date.now();
      // All at once: one after another, the first resumed would have the budget to itself for seconds.
      await Promise.all(
        ids.map(async (id) => {
          const res = await monitor('POST', `/api/connections/${id}/resume`);
          if (res.status !== 200) throw new Error(`POST /api/connections/${id}/resume: HTTP ${res.status} ${await res.text()}`);
        }),
      );
    }
    // When each connection had documents waiting at the exporter, free to go (read twice a second): the first and
    // the last time it was seen so.
    const waitingFrom = new Map<string, number>();
    const waitingUntil = new Map<string, number>();
    const final = await waitFor(
      "every connection's run to be final",
      async () => {
        const now = Date.now();
        // Waiting and free to go: its documents due, and the connection active as the exporter sees it (a resume
        // reaches the exporter through Kafka, not at the same moment for every connection).
        const free = await query<{ connection_id: string }>(
          `select distinct p.connection_id from exporter.pending p left join exporter.connection_statuses s using (connection_id)
            where coalesce(s.status, 'active') = 'active' and p.next_attempt_at <= now()`,
        );
        for (const { connection_id: id } of free) {
          if (!waitingFrom.has(id)) waitingFrom.set(id, now);
          waitingUntil.set(id, now);
        }
        const rows = await query<{ connection_id: string; status: string; emitted: number | null; total: number; final: number; failed: number }>(
          `select r.connection_id, r.status, (r.view->'counts'->>'emitted')::int as emitted, count(d.document_key)::int as total,
                  count(*) filter (where d.state in ('exported', 'rejected'))::int as final, count(*) filter (where d.state = 'failed')::int as failed
             from monitor.runs r left join monitor.run_documents d on d.connection_id = r.connection_id and d.run_id = r.run_id
            where (r.connection_id, r.run_id) in (select * from unnest($1::text[], $2::text[]))
            group by r.connection_id, r.run_id`,
          [[...runs.keys()], [...runs.values()]],
        );
        if (rows.some((r) => r.status === 'failed')) throw new Error(`a run failed: ${rows.filter((r) => r.status === 'failed').map((r) => r.connection_id)}`);
        const done = rows.filter((r) => r.status === 'completed' && r.emitted !== null && r.total >= r.emitted && r.final + r.failed >= r.emitted);
        return done.length === connections ? { rows, at: Date.now() } : undefined;
      },
      { timeoutMs: 60 * 60_000, intervalMs: 500 },
    );
    const seconds = (final.at - requestedAt) / 1000;

    // From Xero's side: every call each organisation made since the runs were requested, and what it holds.
    const times = await xeroAdmin<Record<string, { dropped: number; calls: Call[] }>>('GET', '/call-times');
    const callsOf = new Map(ids.map((id) => [id, (times[organisationOf.get(id)!.tenantId]?.calls ?? []).filter((c) => c.at >= requestedAt)]));
    const dropped = ids.reduce((n, id) => n + (times[organisationOf.get(id)!.tenantId]?.dropped ?? 0), 0);
    // "Every organisation still had work": from the moment the last of them had documents waiting at the exporter,
    // free to go, until the first of them had none left (before and after, some organisation had nothing to send).
    const from = Math.max(...ids.map((id) => waitingFrom.get(id) ?? Infinity));
    const to = Math.min(...ids.map((id) => waitingUntil.get(id) ?? -Infinity));
    if (!(to > from)) throw new Error('the organisations never all had documents waiting at the same time: nothing to measure shares over');
    const inWindow = (c: Call) => c.at >= from && c.at < to && c.status !== 429;
    const windowCalls = ids.reduce((n, id) => n + callsOf.get(id)!.filter(inWindow).length, 0);
    const byConnection = await query<{ connection_id: string; exported: number; rejected: number; failed: number }>(
      `select connection_id, count(*) filter (where state = 'exported')::int as exported, count(*) filter (where state = 'rejected')::int as rejected,
              count(*) filter (where state = 'failed')::int as failed from monitor.documents group by connection_id`,
    );
    const organisationsOut = [];
    let duplicates = 0;
    for (const id of ids) {
      const org = organisationOf.get(id)!;
      const calls = callsOf.get(id)!;
      const admitted = calls.filter((c) => c.status !== 429);
      const refused: Record<string, number> = {};
      for (const c of calls) if (c.status === 429) refused[c.reason ?? 'unknown'] = (refused[c.reason ?? 'unknown'] ?? 0) + 1;
      const invoices = await xeroAdmin<{ InvoiceNumber: string }[]>('GET', `/tenants/${org.tenantId}/invoices`);
      const numbers = new Map<string, number>();
      for (const i of invoices) numbers.set(i.InvoiceNumber, (numbers.get(i.InvoiceNumber) ?? 0) + 1);
      const twice = [...numbers.values()].filter((n) => n > 1).length;
      duplicates += twice;
      const active = admitted.length ? (Math.max(...admitted.map((c) => c.at)) - Math.min(...admitted.map((c) => c.at))) / minuteMs : 0;
      const mine = calls.filter(inWindow).length;
      const seen = byConnection.find((r) => r.connection_id === id);
      const most = {
        atOnce: mostAtOnce(admitted),
        inAMinute: mostInWindow(
          admitted.map((c) => c.at),
          minuteMs,
        ),
        inTheDay: admitted.length,
      };
      organisationsOut.push({
        connection: id,
        organisation: org.name,
        calls: admitted.length,
        createCalls: calls.filter(isCreate).length,
        callsPerMinute: active > 0 ? round(admitted.length / Math.max(1, active)) : 0,
        callsPerMinuteWhileAllHadWork: round(mine / ((to - from) / minuteMs)),
        shareWhileAllHadWork: windowCalls ? round(mine / windowCalls, 4) : null,
        exported: invoices.length,
        firstCallSecond: admitted.length ? round((Math.min(...admitted.map((c) => c.at)) - requestedAt) / 1000) : null,
        waitingSeconds: {
          from: round(((waitingFrom.get(id) ?? NaN) - requestedAt) / 1000),
          until: round(((waitingUntil.get(id) ?? NaN) - requestedAt) / 1000),
        },
        monitorShows: seen ? { exported: seen.exported, rejected: seen.rejected, failed: seen.failed } : null,
        duplicates: twice,
        most,
        refused429: refused,
        overItsLimits: most.atOnce > CONCURRENT || most.inAMinute > PER_MINUTE || most.inTheDay > dayLimit || Object.keys(refused).length > 0,
      });
    }
    const shares = organisationsOut.map((o) => o.shareWhileAllHadWork ?? 0);
    const allCalls = ids.flatMap((id) =>
      callsOf
        .get(id)!
        .filter((c) => c.status !== 429)
        .map((c) => c.at),
    );
    const maxMinShare = Math.min(...shares) > 0 ? round(Math.max(...shares) / Math.min(...shares), 3) : null;
    const over = organisationsOut.filter((o) => o.overItsLimits).map((o) => o.connection);

    console.log(
      JSON.stringify({
        bench: 'tenants',
        connections,
        invoicesPerConnection: perConnection,
        lnbInvoicesPerAccount: lnbInvoices,
        xero: { limits: 'on', timeScale, limitMinuteMs: round(minuteMs), appLimitPerMinute: appLimit, dayLimit },
        mode: live ? 'live: the exporter running throughout' : 'backlog: the exporter started once every document was mapped',
        seconds: round(seconds),
        exportSeconds: exporterStartedAt ? round((final.at - exporterStartedAt) / 1000) : null,
        // Creates before the connections were resumed: 0, or the backlog did not hold.
        createsWhileHeld: exporterStartedAt
          ? ids.reduce((n, id) => n + callsOf.get(id)!.filter((c) => isCreate(c) && c.at < exporterStartedAt!).length, 0)
          : null,
        documents: {
          exported: byConnection.reduce((n, r) => n + r.exported, 0),
          rejected: byConnection.reduce((n, r) => n + r.rejected, 0),
          failed: byConnection.reduce((n, r) => n + r.failed, 0),
          inXero: organisationsOut.reduce((n, o) => n + o.exported, 0),
        },
        allHadWork: {
          limitMinutes: round((to - from) / minuteMs),
          seconds: round((to - from) / 1000),
          fromSecond: round((from - requestedAt) / 1000),
          calls: windowCalls,
          appCallsPerMinute: round(windowCalls / ((to - from) / minuteMs)),
        },
        appMostInAMinute: mostInWindow(allCalls, minuteMs),
        maxMinShare,
        organisationsOverTheirLimits: over,
        duplicates,
        callTimesDropped: dropped,
        organisations: organisationsOut,
        targets: { organisationsOverTheirLimits: 0, maxMinShareAtMost: 1.2, duplicates: 0 },
        met: { limits: over.length === 0, share: maxMinShare !== null && maxMinShare <= 1.2, duplicates: duplicates === 0 },
        loadAverage: { before: loadBefore, after: loadAverage() },
        node: process.version,
      }),
    );
  } finally {
    await tearDown({ started, pg, kafka, prefix, db });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
