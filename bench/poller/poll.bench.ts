// Benchmark: one poller run over N invoices (default 100,000) served by the LNB sandbox.
// The poller runs as its own process (compiled, from dist/, as in production), against the project's Kafka and a fresh database;
// we measure documents emitted per second (committed to the outbox) and until published to Kafka,
// and the poller's peak RSS (VmHWM from /proc). Prints one JSON line.
//   npm run build && node -r ./tools/runtime/register.js dist/bench/poller/poll.bench.js [--invoices=100000]
import { createEnvelope, decode, flowKey, RunCompleted, RunRequested, RunStarted, topicName } from '@lnbx/contracts';
import { EventPublisher } from '@lnbx/messaging';
import { createTestDatabase, kafkaBrokers, spawnService, uniqueTopicPrefix, waitFor } from '@lnbx/testing';
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
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** CPU seconds the whole machine has spent busy so far (every process: Postgres, Kafka, the sandbox too). */
function machineCpuSeconds(): number {
  const [user, nice, system, , , irq, softirq] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  return (user + nice + system + irq + softirq) / 100;
}

async function main(): Promise<void> {
  const invoices = arg('invoices', 100_000);
  const root = path.resolve(__dirname, '../../..').replace(/\/dist$/, '');
  execFileSync('bash', [path.join(root, 'tools/kafka/kafka.sh'), 'start'], { stdio: 'inherit' });
  // LNB runs as its own process, as the real one is remote: the poller is measured, not the sandbox's share of our CPU.
  const lnbProcess = await spawnService('lnb-sandbox', {
    LNB_SANDBOX_PORT: '0', LNB_SANDBOX_SEED: '11', LNB_SANDBOX_INVOICES: String(invoices), LNB_SANDBOX_CREDIT_NOTES: '0', LNB_SANDBOX_DEFECT_RATE: '0.05',
  }, { readyMessage: 'LNB sandbox listening', fromDist: true, nodeArgs: process.env.BENCH_LNB_NODE_ARGS?.split(' ').filter(Boolean) ?? [] });
  const lnb = { url: lnbProcess.url, clientId: 'lnb-sandbox-client', clientSecret: 'lnb-sandbox-secret', close: () => lnbProcess.stop() };
  const db = await createTestDatabase('bench_poller');
  const prefix = uniqueTopicPrefix('bench');
  const kafka = new Kafka({ clientId: 'bench', brokers: kafkaBrokers(), logLevel: logLevel.NOTHING });
  const poller = await spawnService('lnb-poller', {
    DATABASE_URL: db.url, KAFKA_BROKERS: kafkaBrokers().join(','), KAFKA_TOPIC_PREFIX: prefix,
    LOG_LEVEL: process.env.BENCH_DEBUG ? 'debug' : 'info',
    LNB_BASE_URL: lnb.url, LNB_CLIENT_ID: lnb.clientId, LNB_CLIENT_SECRET: lnb.clientSecret, CONNECTION_ID: 'bench',
  }, {
    timeoutMs: 120_000,
    fromDist: true,
    // e.g. BENCH_POLLER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the poller (BENCH_LNB_NODE_ARGS: the sandbox).
    nodeArgs: process.env.BENCH_POLLER_NODE_ARGS?.split(' ').filter(Boolean) ?? [],
  });
  const consumer = kafka.consumer({ groupId: `${prefix}bench` });
  const seen: Record<string, { at: number; payload: unknown; cpu: number; machineCpu: number }> = {};
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
  try {
    await consumer.connect();
    await admin.connect();
    // The run's events are consumed; the detected events only counted, from the topic's offsets:
    // consuming 100,000 of them would take CPU from the poller on these two cores.
    await consumer.subscribe({ topics: [RunStarted.definition.topic, RunCompleted.definition.topic].map((t) => topicName(prefix, t)), fromBeginning: true });
    await consumer.run({
      eachBatch: async ({ batch }) => {
        const base = batch.topic.slice(prefix.length);
        for (const m of batch.messages) {
          const d = decode(base, m.value);
          if (d.ok) seen[d.envelope.type] = { at: Date.now(), payload: d.envelope.payload, cpu: cpuSeconds(poller.process.pid!), machineCpu: machineCpuSeconds() };
        }
      },
    });
    const publisher = new EventPublisher(kafka, prefix);
    const runId = randomUUID();
    const requestedAt = Date.now();
    await publisher.publish([createEnvelope(RunRequested.definition, { runId, flow: 'invoices', mode: 'export', trigger: 'manual', requestedBy: 'bench' }, {
      producer: 'monitor-api', connectionId: 'bench', correlationId: runId, key: flowKey('bench', 'invoices'),
    })]);
    await publisher.close();
    const completed = await waitFor('the run to complete', () => seen.RunCompleted, { timeoutMs: 30 * 60_000, intervalMs: 200 });
    const counts = (completed.payload as RunCompleted.Value).counts;
    await waitFor('every detected event on Kafka', async () => (await detectedOnKafka()) >= counts.emitted, { timeoutMs: 10 * 60_000, intervalMs: 100 });
    const started = seen.RunStarted.at;
    const runSeconds = (completed.at - started) / 1000;
    const publishedSeconds = (lastDetectedAt - started) / 1000;
    console.log(JSON.stringify({
      bench: 'poller-run',
      invoices,
      counts,
      runSeconds: Number(runSeconds.toFixed(2)),
      seenPerSecond: Math.round(counts.seen / runSeconds),
      emittedPerSecond: Math.round(counts.emitted / runSeconds),
      emittedAndPublishedPerSecond: Math.round(counts.emitted / publishedSeconds),
      requestToStartMs: started - requestedAt,
      pollerPeakRssMb: peakRssMb(poller.process.pid!),
      // Less noisy than the rate on a shared machine: what the run cost the poller, per 1,000 documents seen.
      pollerCpuMsPer1000Seen: Math.round(((completed.cpu - seen.RunStarted.cpu) * 1000 * 1000) / counts.seen),
      // Everything the machine did meanwhile (the poller, Postgres, Kafka, the LNB sandbox, this bench), per 1,000 seen.
      machineCpuMsPer1000Seen: Math.round(((completed.machineCpu - seen.RunStarted.machineCpu) * 1000 * 1000) / counts.seen),
      targets: { emittedPerSecond: 2000, peakRssMb: 300 },
    }));
    if (process.env.BENCH_DEBUG) {
      // What the poller printed that is not a log line, e.g. with BENCH_POLLER_NODE_ARGS=--trace-gc.
      for (const line of poller.logs) if (line.raw) console.error(line.raw);
      const pages = poller.logs.filter((l) => l.msg === 'page stored') as { storeMs: number }[];
      console.log(JSON.stringify({ pages: pages.length, storeMs: pages.reduce((a, p) => a + p.storeMs, 0) }));
    }
  } finally {
    await consumer.disconnect().catch(() => undefined);
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
