// Benchmark: poller runs over N invoices (default 100,000) served by the LNB sandbox.
// The poller runs as its own process (compiled, from dist/, as in production), against the project's Kafka and a fresh database.
// First import: documents emitted per second (committed to the outbox) and until published to Kafka, and
// the poller's peak RSS (VmHWM from /proc). Then, in the same sitting, the LNB calls (counted by the sandbox) and
// seconds of incremental runs against today's path (a full re-check) for: (a) nothing changed, (b) 1% of the
// invoices changed, (c) an EAN13 fixed on 100 orders. Prints one JSON line.
//   npm run build && node -r ./tools/runtime/register.js dist/bench/poller/poll.bench.js [--invoices=100000] [--changed-percent=1] [--fixed-orders=100] [--first-import-only] [--no-change-only]
import { createEnvelope, decode, flowKey, RunCompleted, RunFailed, RunRequested, RunStarted, topicName } from '@lnbx/contracts';
import { EventPublisher } from '@lnbx/messaging';
import { connectionSetupEnv, createTestDatabase, kafkaBrokers, spawnService, testKafkaEnv, uniqueTopicPrefix, waitFor } from '@lnbx/testing';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';

const arg = (name: string, fallback: number): number => {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  return hit ? Number(hit.split('=')[1]) : fallback;
};

function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? NaN);
  return Math.round(kb / 1024);
}

/** CPU seconds (user + system) the process has used so far, from /proc. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8')
    .replace(/^.*\) /, '')
    .split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** CPU seconds the whole machine has spent busy so far (every process: Postgres, Kafka, the sandbox too). */
function machineCpuSeconds(): number {
  const [user, nice, system, , , irq, softirq] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  return (user + nice + system + irq + softirq) / 100;
}

/** One run's figures: what it cost LNB and how long it took. */
interface RunFigures {
  runId: string;
  scope: string | undefined;
  counts: RunCompleted.Value['counts'];
  runSeconds: number;
  /** Requests the LNB sandbox answered during the run (the poller's own count is in lnbRequests). */
  lnbCalls: number;
  lnbRequests: number | undefined;
  callsByRoute: Record<string, number>;
  changedOrders: number | undefined;
  /** CPU the poller spent from the request to the run's end: less noisy than seconds on a shared machine. */
  pollerCpuSeconds: number;
}

async function main(): Promise<void> {
  const invoices = arg('invoices', 100_000);
  const changedShare = arg('changed-percent', 1) / 100;
  const fixedOrders = arg('fixed-orders', 100);
  // The first import alone, e.g. to compare it side by side with an older build's.
  const firstImportOnly = process.argv.includes('--first-import-only');
  // The first import, then case (a) alone, three times: to work on the no-op run (e.g. with a profile).
  const noChangeOnly = process.argv.includes('--no-change-only');
  const root = path.resolve(__dirname, '../../..').replace(/\/dist$/, '');
  execFileSync('bash', [path.join(root, 'tools/kafka/kafka.sh'), 'start'], { stdio: 'inherit' });
  // LNB runs as its own process, as the real one is remote: the poller is measured, not the sandbox's share of our CPU.
  const lnbProcess = await spawnService(
    'lnb-sandbox',
    {
      LNB_SANDBOX_PORT: '0',
      LNB_SANDBOX_SEED: '11',
      LNB_SANDBOX_INVOICES: String(invoices),
      LNB_SANDBOX_CREDIT_NOTES: '0',
      LNB_SANDBOX_DEFECT_RATE: '0.05',
    },
    { readyMessage: 'LNB sandbox listening', fromDist: true, nodeArgs: process.env.BENCH_LNB_NODE_ARGS?.split(' ').filter(Boolean) ?? [] },
  );
  const lnb = { url: lnbProcess.url, clientId: 'lnb-sandbox-client', clientSecret: 'lnb-sandbox-secret', close: () => lnbProcess.stop() };
  const lnbAdmin = lnbProcess.url.replace(/\/apis\/wholesale\/v2$/, '/__admin');
  const db = await createTestDatabase('bench_poller');
  const prefix = uniqueTopicPrefix('bench');
  const kafka = new Kafka({ clientId: 'bench', brokers: kafkaBrokers(), logLevel: logLevel.NOTHING });
  const setup = connectionSetupEnv();
  const poller = await spawnService(
    'lnb-poller',
    {
      DATABASE_URL: db.url,
      ...testKafkaEnv(),
      KAFKA_TOPIC_PREFIX: prefix,
      LOG_LEVEL: process.env.BENCH_DEBUG ? 'debug' : 'info',
      LNB_BASE_URL: lnb.url,
      ...setup.poller,
      // The poller's own speed is measured: a budget it never reaches (the default would pace a first import at 20 a second).
      LNB_REQUESTS_PER_MINUTE: '10000000',
      LNB_REQUEST_BURST: '10000000',
    },
    {
      timeoutMs: 120_000,
      fromDist: true,
      // e.g. BENCH_POLLER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the poller (BENCH_LNB_NODE_ARGS: the sandbox).
      nodeArgs: process.env.BENCH_POLLER_NODE_ARGS?.split(' ').filter(Boolean) ?? [],
    },
  );
  // The brand's LNB credentials, as monitor-api hands them over (PUT /internal/connections/{id}/lnb-credentials).
  const stored = await fetch(`${poller.url.replace(/\/+$/, '')}/internal/connections/bench/lnb-credentials`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${setup.poller.POLLER_SERVICE_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ clientId: lnb.clientId, clientSecret: lnb.clientSecret }),
  });
  if (!stored.ok) throw new Error(`the poller refused the bench's LNB credentials: HTTP ${stored.status} ${await stored.text()}`);
  const consumer = kafka.consumer({ groupId: `${prefix}bench` });
  const seen = new Map<string, { at: number; payload: unknown; cpu: number; machineCpu: number }>();
  const admin = kafka.admin();
  let lastDetectedAt = 0;
  let detected = 0;
  /** Detected events on Kafka so far (the sum of the partitions' end offsets); notes when the count last moved. */
  const detectedOnKafka = async (): Promise<number> => {
    const offsets = await admin.fetchTopicOffsets(topicName(prefix, 'lnb.invoice.detected.v1'));
    const n = offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
    if (n > detected) {
      detected = n;
      lastDetectedAt = Date.now();
    }
    return n;
  };
  // JSON on every call (the admin API refuses anything else), and the admin token when the sandbox inherited one.
  const adminToken = process.env.LNB_SANDBOX_ADMIN_TOKEN;
  const adminHeaders = { 'content-type': 'application/json', ...(adminToken ? { authorization: `Bearer ${adminToken}` } : {}) };
  const sandboxAdmin = async <T>(method: string, what: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${lnbAdmin}${what}`, { method, headers: adminHeaders, body: body === undefined ? undefined : JSON.stringify(body) });
    if (!res.ok) throw new Error(`LNB sandbox admin ${method} ${what}: HTTP ${res.status} ${await res.text()}`);
    return (res.status === 204 ? undefined : await res.json()) as T;
  };
  /** Changes made through the admin API, 16 at a time (they are not counted as LNB calls). */
  const inParallel = async <T>(items: T[], fn: (item: T) => Promise<unknown>): Promise<void> => {
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < items.length) await fn(items[next++]);
      }),
    );
  };
  const publisher = new EventPublisher(kafka, prefix);
  /** One run of the invoices flow, with its LNB calls counted by the sandbox; waits until its detected events are on Kafka. */
  const measureRun = async (extra: Partial<RunRequested.Value> = {}): Promise<RunFigures & { requestedAt: number }> => {
    await sandboxAdmin('DELETE', '/calls');
    // Asked again until the topic answers (just after the poller created it, its partitions may have no leader yet).
    const before = await waitFor('the detected topic to answer', () => detectedOnKafka());
    const runId = randomUUID();
    const requestedAt = Date.now();
    const cpuBefore = cpuSeconds(poller.process.pid!);
    await publisher.publish([
      createEnvelope(
        RunRequested.definition,
        { runId, flow: 'invoices', mode: 'export', trigger: 'manual', requestedBy: 'bench', ...extra },
        {
          producer: 'monitor-api',
          connectionId: 'bench',
          correlationId: runId,
          key: flowKey('bench', 'invoices'),
        },
      ),
    ]);
    const completed = await waitFor(`run ${runId} to end`, () => seen.get(`${runId}:RunCompleted`) ?? seen.get(`${runId}:RunFailed`), {
      timeoutMs: 30 * 60_000,
      intervalMs: 20,
    });
    const cpuAfter = cpuSeconds(poller.process.pid!);
    if (!seen.has(`${runId}:RunCompleted`)) throw new Error(`run ${runId} failed: ${JSON.stringify(completed.payload)}`);
    const value = completed.payload as RunCompleted.Value;
    await waitFor('every detected event on Kafka', async () => (await detectedOnKafka()) >= before + value.counts.emitted, {
      timeoutMs: 10 * 60_000,
      intervalMs: 100,
    });
    const calls = await sandboxAdmin<{ total: number; byRoute: Record<string, number> }>('GET', '/calls');
    const started = await waitFor('the run to have started', () => seen.get(`${runId}:RunStarted`));
    const startedValue = started.payload as RunStarted.Value;
    return {
      runId,
      requestedAt,
      scope: startedValue.scope,
      counts: value.counts,
      // The poller's own times: a short run's two events may reach this consumer in either order.
      runSeconds: Number(((Date.parse(value.completedAt) - Date.parse(startedValue.startedAt)) / 1000).toFixed(2)),
      lnbCalls: calls.total,
      lnbRequests: value.lnbRequests,
      callsByRoute: calls.byRoute,
      changedOrders: value.changedOrders,
      pollerCpuSeconds: Number((cpuAfter - cpuBefore).toFixed(2)),
    };
  };
  const brief = ({ scope, counts, runSeconds, lnbCalls, callsByRoute, changedOrders, pollerCpuSeconds }: RunFigures) => ({
    scope,
    seconds: runSeconds,
    pollerCpuSeconds,
    lnbCalls,
    callsByRoute,
    emitted: counts.emitted,
    read: counts.enriched,
    ...(changedOrders === undefined ? {} : { changedOrders }),
  });
  const ratio = (incremental: RunFigures, full: RunFigures) => ({
    calls: Number((incremental.lnbCalls / full.lnbCalls).toFixed(4)),
    seconds: Number((incremental.runSeconds / full.runSeconds).toFixed(3)),
  });
  const reference = (i: number) => `INV-${String(i + 1).padStart(6, '0')}`;
  /** `share` of the invoices, spread evenly, starting at `offset`: each gets a new purchase order reference. */
  const changeInvoices = async (share: number, offset: number, tag: string): Promise<number> => {
    const step = Math.round(1 / share);
    const refs = Array.from({ length: Math.floor(invoices / step) }, (_, k) => reference(k * step + offset));
    await inParallel(refs, (ref) => sandboxAdmin('PATCH', `/invoices/${ref}`, { purchase_order_reference: `PO-${tag}-${ref}` }));
    return refs.length;
  };
  /** Gives every line of these orders an EAN13 (through the admin API: not counted as LNB calls). */
  const fixOrders = async (orderRefs: string[]): Promise<void> => {
    await inParallel(orderRefs, async (ref) => {
      const order = await sandboxAdmin<{ items: { ean13: string | null }[] }>('GET', `/orders/${ref}`);
      await sandboxAdmin('PATCH', `/orders/${ref}`, {
        items: order.items.map((item, i) => ({ ...item, ean13: item.ean13 ?? `376000009${String(1000 + i).slice(-4)}` })),
      });
    });
  };
  try {
    await consumer.connect();
    await admin.connect();
    // The runs' events are consumed; the detected events only counted, from the topic's offsets:
    // consuming 100,000 of them would take CPU from the poller on these two cores.
    await consumer.subscribe({
      topics: [RunStarted.definition.topic, RunCompleted.definition.topic, RunFailed.definition.topic].map((t) => topicName(prefix, t)),
      fromBeginning: true,
    });
    await consumer.run({
      eachBatch: async ({ batch }) => {
        const base = batch.topic.slice(prefix.length);
        for (const m of batch.messages) {
          const d = decode(base, m.value);
          if (d.ok)
            seen.set(`${d.envelope.correlationId}:${d.envelope.type}`, {
              at: Date.now(),
              payload: d.envelope.payload,
              cpu: cpuSeconds(poller.process.pid!),
              machineCpu: machineCpuSeconds(),
            });
        }
      },
    });

    // The first import: every invoice read, as before incremental runs.
    const first = await measureRun();
    const firstStarted = seen.get(`${first.runId}:RunStarted`)!;
    const firstCompleted = seen.get(`${first.runId}:RunCompleted`)!;
    const counts = first.counts;
    const publishedSeconds = (lastDetectedAt - firstStarted.at) / 1000;
    const firstImport = {
      counts,
      runSeconds: first.runSeconds,
      seenPerSecond: Math.round(counts.seen / first.runSeconds),
      emittedPerSecond: Math.round(counts.emitted / first.runSeconds),
      emittedAndPublishedPerSecond: Math.round(counts.emitted / publishedSeconds),
      requestToStartMs: firstStarted.at - first.requestedAt,
      lnbCalls: first.lnbCalls,
      pollerPeakRssMb: peakRssMb(poller.process.pid!),
      // Less noisy than the rate on a shared machine: what the run cost the poller, per 1,000 documents seen.
      pollerCpuMsPer1000Seen: Math.round(((firstCompleted.cpu - firstStarted.cpu) * 1000 * 1000) / counts.seen),
      // Everything the machine did meanwhile (the poller, Postgres, Kafka, the LNB sandbox, this bench), per 1,000 seen.
      machineCpuMsPer1000Seen: Math.round(((firstCompleted.machineCpu - firstStarted.machineCpu) * 1000 * 1000) / counts.seen),
    };

    if (firstImportOnly) {
      console.log(JSON.stringify({ bench: 'poller-run', invoices, firstImport, targets: { firstImport: { emittedPerSecond: 2000, peakRssMb: 300 } } }));
      return;
    }

    if (noChangeOnly) {
      const runs = [await measureRun(), await measureRun(), await measureRun()];
      console.log(JSON.stringify({ bench: 'poller-run', invoices, firstImport, noChange: runs.map(brief) }));
      return;
    }

    // (a) Nothing changed: the incremental run, then today's path (a full re-check) in the same sitting.
    const noopIncremental = await measureRun();
    const noopFull = await measureRun({ fullRecheck: true });

    // (b) 1% of the invoices changed: two different 1% sets, one for each path.
    const changedB1 = await changeInvoices(changedShare, 0, 'B1');
    const changedIncremental = await measureRun();
    await changeInvoices(changedShare, 1, 'B2');
    const changedFull = await measureRun({ fullRecheck: true });

    // (c) EAN13s fixed on 100 orders whose invoices the mapper rejected for the lack of them: two sets again.
    const defects = await sandboxAdmin<{ reference: string; defects: { kind: string }[] }[]>('GET', '/defects?type=invoice');
    const missing = defects.filter((d) => d.defects.some((x) => x.kind === 'MISSING_EAN13')).map((d) => d.reference.replace('INV-', 'ORD-'));
    await fixOrders(missing.slice(0, fixedOrders));
    const fixedIncremental = await measureRun();
    await fixOrders(missing.slice(fixedOrders, 2 * fixedOrders));
    const fixedFull = await measureRun({ fullRecheck: true });

    console.log(
      JSON.stringify({
        bench: 'poller-run',
        invoices,
        firstImport,
        incremental: {
          noChange: { incremental: brief(noopIncremental), today: brief(noopFull), ratio: ratio(noopIncremental, noopFull) },
          invoicesChanged: {
            changed: changedB1,
            incremental: brief(changedIncremental),
            today: brief(changedFull),
            ratio: ratio(changedIncremental, changedFull),
          },
          ean13Fixed: { orders: fixedOrders, incremental: brief(fixedIncremental), today: brief(fixedFull), ratio: ratio(fixedIncremental, fixedFull) },
        },
        targets: {
          firstImport: { emittedPerSecond: 2000, peakRssMb: 300 },
          noChange: { lnbCallsAtMost: '1% of today', secondsBelow: 5 },
        },
      }),
    );
    if (process.env.BENCH_DEBUG) {
      // What the poller printed that is not a log line, e.g. with BENCH_POLLER_NODE_ARGS=--trace-gc.
      for (const line of poller.logs) if (line.raw) console.error(line.raw);
      const pages = poller.logs.filter((l) => l.msg === 'page stored') as { storeMs: number }[];
      console.log(JSON.stringify({ pages: pages.length, storeMs: pages.reduce((a, p) => a + p.storeMs, 0) }));
    }
  } finally {
    await publisher.close().catch(() => undefined);
    await consumer.disconnect().catch(() => undefined);
    // A run leaves about 400 MB of detected events per 100,000 invoices: deleted, so repeated runs do not fill the broker.
    await admin
      .listTopics()
      .then((topics) => admin.deleteTopics({ topics: topics.filter((t) => t.startsWith(prefix)), timeout: 60_000 }))
      .catch((err: unknown) => console.error(`the bench's topics (${prefix}*) could not be deleted: ${(err as Error).message}`));
    await admin.disconnect().catch(() => undefined);
    await poller.stop();
    await lnb.close();
    await db.drop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
