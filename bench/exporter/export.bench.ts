// 10,000 invoices through the exporter (its intake, its Postgres queue and its sender, as in service)
// into the Xero sandbox enforcing Xero's limits on a time scale, then a one-invoice-per-call run for
// comparison. Prints JSON: invoices per Xero call, the share of the rate budget used, 429s received.
// The exporter is its own Nest module started as an application context (no HTTP, no Kafka consumer);
// what is measured is taken from that context.
// Build with `npm run build`, run with
//   node -r ./tools/runtime/register.js dist/bench/exporter/export.bench.js [--invoices=10000] [--single=300] [--retailers=200] [--time-scale=10]
// Needs PostgreSQL (TEST_DATABASE_ADMIN_URL, default postgres://postgres@127.0.0.1:5432/postgres; each phase gets a
// fresh migrated database); no Kafka.
import type { OutboxRelay } from '@lnbx/event-store';
import { CONSUMER_DEFAULTS, OUTBOX_RELAY } from '@lnbx/messaging';
import { JsonLogger, loadConfig, PG_POOL } from '@lnbx/platform';
import { createTestDatabase } from '@lnbx/testing';
import { startXeroSandbox, type CallRecord, type XeroSandbox } from '@lnbx/xero-sandbox';
import { NestFactory } from '@nestjs/core';
import { randomBytes } from 'node:crypto';
import type { Pool } from 'pg';
import { AppModule } from '../../apps/xero-exporter/src/app.module';
import { ExporterConfig } from '../../apps/xero-exporter/src/config';
import { aMappedInvoice, ConnectionService, Intake, SenderWorker, UpkeepWorker } from '../../apps/xero-exporter/src/testing';

function arg(name: string, fallback: number): number {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  const value = hit ? Number(hit.slice(name.length + 3)) : fallback;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number`);
  return value;
}

const INVOICES = arg('invoices', 10_000);
const SINGLE = arg('single', 300);
const RETAILERS = arg('retailers', 200);
/** The one-per-call run reuses a few retailers, so what it measures is invoices, not contacts. */
const SINGLE_RETAILERS = 10;
const TIME_SCALE = arg('time-scale', 10);
const PER_MINUTE = 60;
const MINUTE_MS = 60_000 / TIME_SCALE;

/** A fresh database migrated by the real CLI (a copy of the migrated template, as the tests get theirs). */
async function withDatabase<T>(fn: (url: string) => Promise<T>): Promise<T> {
  const db = await createTestDatabase('bench_exporter');
  try {
    return await fn(db.url);
  } finally {
    await db.drop();
  }
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Phase {
  invoices: number;
  batchSize: number;
  retailers: number;
}

/** Runs one phase against a clean sandbox and returns what Xero saw. */
async function runPhase(sandbox: XeroSandbox, phase: Phase) {
  sandbox.admin.reset();
  const tenant = sandbox.clients.clientCredentials.tenantId;
  return withDatabase(async (databaseUrl) => {
    const config = loadConfig(ExporterConfig, {
      DATABASE_URL: databaseUrl,
      KAFKA_SECURITY: 'plaintext', // its Kafka client is made but never connects (no consumer, the relay stopped)
      XERO_API_URL: sandbox.accountingBasePath,
      XERO_IDENTITY_URL: sandbox.url,
      XERO_GRANT: 'client_credentials',
      XERO_CLIENT_ID: sandbox.clients.clientCredentials.clientId,
      XERO_CLIENT_SECRET: sandbox.clients.clientCredentials.clientSecret,
      XERO_TOKEN_KEY: randomBytes(32).toString('hex'),
      XERO_RATE_TIME_SCALE: String(TIME_SCALE),
      XERO_BATCH_SIZE: String(phase.batchSize),
      XERO_BATCH_LINGER_MS: '500',
      XERO_SENDER_INTERVAL_MS: '20',
      XERO_RECONNECT_SECONDS: '0.2',
      XERO_REFERENCE_REFRESH_MINUTES: '100000',
    });
    const logger = new JsonLogger('xero-exporter-bench', 'error', (line) => process.stderr.write(line + '\n'));
    // The loops wait for start() below: the queue is filled first.
    const app = await NestFactory.createApplicationContext(AppModule.forRoot(config, logger, { startWorkers: false }), { logger, abortOnError: false });
    // Events stay in the outbox (no Kafka here): the relay is stopped before anything is appended, so it never sends.
    await app.get<OutboxRelay>(OUTBOX_RELAY).stop();
    const pool = app.get<Pool>(PG_POOL);
    const intake = app.get(Intake);
    const sender = app.get(SenderWorker);
    const upkeep = app.get(UpkeepWorker);
    await app.get(ConnectionService).ensureClientCredentials('bench');
    const envs = Array.from({ length: phase.invoices }, (_, i) =>
      aMappedInvoice(`BENCH-${phase.batchSize}-${i}`)
        .inConnection('bench')
        .inRun('bench-run')
        .withContact({ contactNumber: `RET-${i % phase.retailers}`, name: `Retailer ${i % phase.retailers} Ltd` })
        .withLines(
          { quantity: 1 + (i % 5), unitAmount: 19.5 },
          { description: 'Wrap dress Ecru S', quantity: 2, unitAmount: 74.9, itemCode: 'DRS-203-ECR-S' },
          { description: 'Shipping', quantity: 1, unitAmount: 15, itemCode: undefined },
        )
        .envelope(),
    );
    const started = Date.now();
    // The handler's path as the consumer takes it: batches of the transport's size, three partitions at once.
    let next = 0;
    await Promise.all(
      Array.from({ length: CONSUMER_DEFAULTS.partitionsConsumedConcurrently }, async () => {
        while (next < envs.length) {
          const batch = envs.slice(next, next + CONSUMER_DEFAULTS.maxBatchSize);
          next += batch.length;
          await intake.recordAll(batch);
        }
      }),
    );
    const recorded = Date.now();
    // A run detected at once: the sender starts on a full queue, so the pace is Xero's limits, not the intake's.
    sender.start();
    upkeep.start();
    for (;;) {
      const { rows } = await pool.query(
        `select (select count(*)::int from exporter.pending) as pending, (select count(*)::int from exporter.followups) as follow`,
      );
      if (rows[0].pending === 0 && rows[0].follow === 0) break;
      await wait(100);
    }
    const finished = Date.now();
    process.stderr.write(`phase ${phase.batchSize}: recorded in ${recorded - started} ms, exported in ${finished - started} ms\n`);
    await sender.stop();
    await upkeep.stop();
    const outcomes = (
      await pool.query(`select type, count(*)::int as n from exporter.events where type in ('DocumentExported','DocumentExportFailed') group by type`)
    ).rows;
    const failedCodes = Object.fromEntries(
      (
        await pool.query(
          `select p->>'code' as code, count(*)::int as n from exporter.events, jsonb_array_elements(data->'payload'->'problems') p where type = 'DocumentExportFailed' group by 1`,
        )
      ).rows.map((r) => [r.code, r.n]),
    );
    await app.close();

    const calls = sandbox.admin.calls({ tenantId: tenant, limit: 100_000 });
    const recent = calls.recent.filter((c) => c.path !== '/Organisation' || c.method !== 'GET');
    const creates = recent.filter((c) => c.method === 'PUT' && c.path === '/Invoices');
    const inXero = sandbox.admin.invoices(tenant);
    const perNumber = new Map<string, number>();
    for (const d of inXero) perNumber.set(String(d.InvoiceNumber), (perNumber.get(String(d.InvoiceNumber)) ?? 0) + 1);
    const exported = outcomes.find((o) => o.type === 'DocumentExported')?.n ?? 0;
    return {
      invoices: phase.invoices,
      batchSize: phase.batchSize,
      exported,
      failed: outcomes.find((o) => o.type === 'DocumentExportFailed')?.n ?? 0,
      failedCodes,
      retailers: phase.retailers,
      inXero: inXero.length,
      duplicates: [...perNumber.values()].filter((n) => n > 1).length,
      xeroCalls: calls.stats.total,
      createCalls: creates.length,
      invoicesPerCall: round(phase.invoices / calls.stats.total),
      invoicesPerCreateCall: round(phase.invoices / creates.length),
      http429: calls.stats.byStatus['429'] ?? 0,
      rateBudgetShare: budgetShare(calls.recent),
      secondsRecording: round((recorded - started) / 1000),
      secondsToExportAll: round((finished - started) / 1000),
      limitMinutes: round((finished - started) / MINUTE_MS),
      invoicesPerLimitMinute: round(exported / ((finished - started) / MINUTE_MS)),
    };
  });
}

const round = (n: number): number => Math.round(n * 100) / 100;

/**
 * Calls made in whole limit-minutes from the first call, over what the limit allows in them: how much of
 * Xero's per-minute budget the exporter used while it had work (a last, partial minute left out).
 */
function budgetShare(calls: CallRecord[]): number | null {
  const at = calls.map((c) => Date.parse(c.at)).sort((a, b) => a - b);
  if (at.length < 2) return null;
  const windows = Math.floor((at[at.length - 1] - at[0]) / MINUTE_MS);
  if (windows < 1) return null;
  const used = at.filter((t) => t < at[0] + windows * MINUTE_MS).length;
  return round(used / (windows * PER_MINUTE));
}

async function main(): Promise<void> {
  const sandbox = await startXeroSandbox({ port: 0, timeScale: TIME_SCALE });
  try {
    const batched = await runPhase(sandbox, { invoices: INVOICES, batchSize: 50, retailers: RETAILERS });
    const single = await runPhase(sandbox, { invoices: SINGLE, batchSize: 1, retailers: SINGLE_RETAILERS });
    const singleLimitMinutesFor = (n: number) => round(n / single.invoicesPerLimitMinute);
    const result = {
      bench: 'xero-exporter.export',
      timeScale: TIME_SCALE,
      schemaValidation: sandbox.schemaValidation.openapi ? 'openapi' : 'builtin',
      batched,
      onePerCall: { ...single, extrapolatedLimitMinutesFor: { invoices: INVOICES, limitMinutes: singleLimitMinutesFor(INVOICES) } },
      speedup: round(batched.invoicesPerLimitMinute / single.invoicesPerLimitMinute),
      targets: {
        invoicesPerCallAtLeast45: batched.invoicesPerCall >= 45,
        rateBudgetShareAtLeast90Percent: (batched.rateBudgetShare ?? 0) >= 0.9,
        no429: batched.http429 === 0,
        noDuplicates: batched.duplicates === 0 && single.duplicates === 0,
      },
      node: process.version,
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    if (Object.values(result.targets).some((ok) => !ok)) process.exitCode = 1;
  } finally {
    await sandbox.close();
  }
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
