// End-to-end throughput of the mapper service: InvoiceDetected published to the project's Kafka, mapped by
// a real mapper process started by its own bootstrap (main.js; Postgres outbox included), DocumentMapped
// consumed back. Prints one JSON line.
// Build with `npm run build`, run with `node -r ./tools/runtime/register.js dist/bench/mapper/kafka.bench.js
// [--docs=5000] [--lines=20] [--warmup=200] [--from-source]`. The mapper runs from dist when this file does
// (from source with --from-source, or when this file itself runs from source via register-ts.js).
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { DocumentMapped, DocumentRejected, EventEnvelope } from '@lnbx/contracts';
import { EventPublisher } from '@lnbx/messaging';
import { createTestDatabase } from '@lnbx/testing';
import { Kafka, logLevel } from 'kafkajs';
import { aDocumentDetected, anLnbInvoice, TopicReader } from '../../apps/mapper/src/testing';

function arg(name: string, fallback: number): number {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  const value = hit ? Number(hit.slice(name.length + 3)) : fallback;
  if (!Number.isInteger(value) || value < 0) throw new Error(`--${name} must be a whole number >= 0`);
  return value;
}

const docs = arg('docs', 5000);
const lines = arg('lines', 20);
const warmup = arg('warmup', 200);
const timeoutMs = arg('timeout-seconds', 600) * 1000;

let root = __dirname;
while (!existsSync(path.join(root, 'package.json'))) root = path.dirname(root);
const compiled = __filename.endsWith('.js') && !process.argv.includes('--from-source');
const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:19092').split(',');
async function until(what: string, probe: () => boolean, deadline = Date.now() + timeoutMs): Promise<void> {
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

interface Mapper {
  child: ChildProcess;
  url: string;
}

function startMapper(env: Record<string, string>): Promise<Mapper> {
  const args = compiled
    ? ['-r', path.join(root, 'tools/runtime/register.js'), path.join(root, 'dist/apps/mapper/src/main.js')]
    : ['-r', path.join(root, 'tools/runtime/register-ts.js'), path.join(root, 'apps/mapper/src/main.ts')];
  const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let started = false;
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  return new Promise((resolve, reject) => {
    // Read line by line as JSON, not by pattern: the logger orders a line's fields its own way (msg comes last).
    child.stdout!.on('data', (chunk: Buffer) => {
      if (started) return;
      out += chunk.toString();
      let nl: number;
      while ((nl = out.indexOf('\n')) >= 0) {
        const line = out.slice(0, nl);
        out = out.slice(nl + 1);
        let entry: { msg?: unknown; url?: unknown } | undefined;
        try {
          entry = JSON.parse(line);
        } catch {
          continue;
        }
        if (entry?.msg === 'service started' && typeof entry.url === 'string') {
          started = true;
          out = '';
          resolve({ child, url: entry.url });
          return;
        }
      }
    });
    child.on('exit', (code) => reject(new Error(`the mapper exited with ${code}: ${err.slice(-2000)}`)));
  });
}

/** Publishes the envelopes in batches; resolves with when each document was sent, by key. */
async function publishAll(publisher: EventPublisher, envelopes: EventEnvelope[], sentAt: Map<string, number>): Promise<void> {
  for (let i = 0; i < envelopes.length; i += 250) {
    const batch = envelopes.slice(i, i + 250);
    const t = performance.now();
    for (const e of batch) sentAt.set(e.key, t);
    await publisher.publish(batch);
  }
}

/** Mean seconds of a histogram in the mapper's /metrics, in ms: where the time of one document goes. */
async function meanMs(url: string, metric: string, labels = ''): Promise<number | undefined> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const value = (suffix: string) => {
    const line = text.split('\n').find((l) => l.startsWith(`${metric}_${suffix}{`) && l.includes(labels));
    return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
  };
  const sum = value('sum');
  const count = value('count');
  return sum === undefined || !count ? undefined : Number(((sum / count) * 1000).toFixed(3));
}

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

async function main(): Promise<void> {
  execFileSync('bash', [path.join(root, 'tools/kafka/kafka.sh'), 'start'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const tag = randomBytes(4).toString('hex');
  const prefix = `bench-${tag}.`;
  // A fresh database migrated by the real CLI (a copy of the migrated template, as the tests get theirs).
  const db = await createTestDatabase('bench_mapper');

  const kafka = new Kafka({ clientId: 'mapper-bench', brokers, logLevel: logLevel.NOTHING });
  const publisher = new EventPublisher(kafka, prefix);
  const reader = new TopicReader(kafka, prefix, [DocumentMapped.definition.topic, DocumentRejected.definition.topic], false);
  let mapper: Mapper | undefined;
  try {
    mapper = await startMapper({
      DATABASE_URL: db.url,
      KAFKA_BROKERS: brokers.join(','),
      KAFKA_SECURITY: 'plaintext',
      KAFKA_TOPIC_PREFIX: prefix,
      HTTP_PORT: '0',
      LOG_LEVEL: 'info',
    });
    await reader.start();
    const make = (label: string, n: number) =>
      Array.from({ length: n }, (_, i) =>
        aDocumentDetected(
          anLnbInvoice()
            .withReference(`INV-${label}-${i}`)
            .withLines(lines)
            .withShipping(10 + (i % 17))
            .input(),
          { runId: `bench-${label}` },
        ),
      );

    // Warm-up: the mapper's JIT, its Postgres pool and the consumer group settle before the clock starts.
    await publisher.publish(make('WARMUP', warmup));
    await until('the warm-up documents', () => reader.messages.length >= warmup);

    const envelopes = make('RUN', docs);
    const sentAt = new Map<string, number>();
    const before = reader.messages.length;
    const start = performance.now();
    await publishAll(publisher, envelopes, sentAt);
    const published = performance.now();
    await until('every document answered', () => reader.messages.length >= before + docs);
    const answers = reader.messages.slice(before);
    const end = Math.max(...answers.map((m) => m.receivedAt));
    const latencies = answers.map((m) => m.receivedAt - (sentAt.get(m.key) ?? start)).sort((a, b) => a - b);
    const rejected = answers.filter((m) => m.topic === DocumentRejected.definition.topic).length;
    const seconds = (end - start) / 1000;

    process.stdout.write(
      `${JSON.stringify({
        bench: 'mapper.kafka',
        docsPerSecond: Math.round(docs / seconds),
        docs,
        linesPerDocument: lines,
        seconds: Number(seconds.toFixed(3)),
        publishSeconds: Number(((published - start) / 1000).toFixed(3)),
        latencyMs: { p50: Math.round(percentile(latencies, 50)), p99: Math.round(percentile(latencies, 99)) },
        // Means over warm-up and run: one InvoiceDetected handled (decode, mapping, Postgres transaction), and the mapping alone.
        handlerMeanMs: await meanMs(mapper.url, 'lnbx_handler_duration_seconds', 'topic="lnb.invoice.detected.v1"'),
        mappingMeanMs: await meanMs(mapper.url, 'lnbx_mapping_duration_seconds'),
        rejected,
        mapper: compiled ? 'dist' : 'src',
        node: process.version,
      })}\n`,
    );
    if (rejected > 0) process.exitCode = 1;
  } finally {
    await reader.stop().catch(() => undefined);
    await publisher.close();
    const child = mapper?.child;
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    await db.drop();
  }
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
