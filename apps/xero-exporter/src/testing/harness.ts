// What the exporter's integration tests share: the environment that points an exporter at a sandbox,
// and a Kafka observer that collects what the exporter publishes.
import {
  CreditNoteAllocated,
  CreditNoteLeftUnallocated,
  CreditNoteAllocationDeferred,
  DocumentExported,
  DocumentExportFailed,
  type EventEnvelope,
  OrgReferenceDataPublished,
  topicName,
  XeroConnectionChanged,
  XeroConnectionLost,
  XeroConnectionRestored,
} from '@lnbx/contracts';
import { EventPublisher, type RunningService, startService } from '@lnbx/messaging';
import { createTestDatabase, kafkaBrokers, type TestDatabase, testKafkaEnv, uniqueTopicPrefix, waitFor } from '@lnbx/testing';
import { startXeroSandbox, type XeroSandbox, type XeroSandboxOptions } from '@lnbx/xero-sandbox';
import { Consumer, Kafka, logLevel } from 'kafkajs';
import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import type { ExporterConfig } from '../config';
import { xeroExporter } from '../service';

export const TEST_TOKEN_KEY = randomBytes(32).toString('hex');
/** What monitor-api would send (EXPORTER_SERVICE_TOKEN on both sides). */
export const TEST_SERVICE_TOKEN = randomBytes(32).toString('hex');
/** monitor-api's callback as configured; the tests read Xero's redirect to it and never open it. */
export const TEST_REDIRECT_URI = 'http://127.0.0.1:4000/api/xero/callback';

/** An exporter on a custom connection to the sandbox, paced for the sandbox's time scale and quick to retry. */
export function exporterEnv(
  sandbox: XeroSandbox,
  opts: { databaseUrl: string; prefix: string; timeScale: number },
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    DATABASE_URL: opts.databaseUrl,
    ...testKafkaEnv(),
    KAFKA_TOPIC_PREFIX: opts.prefix,
    HTTP_PORT: '0',
    LOG_LEVEL: 'error',
    XERO_API_URL: sandbox.accountingBasePath,
    XERO_IDENTITY_URL: sandbox.url,
    XERO_GRANT: 'client_credentials',
    XERO_CLIENT_ID: sandbox.clients.clientCredentials.clientId,
    XERO_CLIENT_SECRET: sandbox.clients.clientCredentials.clientSecret,
    XERO_TOKEN_KEY: TEST_TOKEN_KEY,
    XERO_REDIRECT_URI: TEST_REDIRECT_URI,
    EXPORTER_SERVICE_TOKEN: TEST_SERVICE_TOKEN,
    XERO_RATE_TIME_SCALE: String(opts.timeScale),
    XERO_BATCH_LINGER_MS: '300',
    XERO_SENDER_INTERVAL_MS: '50',
    XERO_RECONNECT_SECONDS: '0.5',
    XERO_RETRY_BASE_MS: '100',
    XERO_RETRY_MAX_MS: '1000',
    XERO_MAX_ATTEMPTS: '8',
    XERO_TIMEOUT_MS: '3000',
    CONSUMER_RETRY_BASE_MS: '100',
    ...extra,
  };
}

export type Outcome = EventEnvelope<DocumentExported.Value> | EventEnvelope<DocumentExportFailed.Value>;

export type AllocationEvent =
  | (EventEnvelope<CreditNoteAllocationDeferred.Value> & { type: 'CreditNoteAllocationDeferred' })
  | (EventEnvelope<CreditNoteAllocated.Value> & { type: 'CreditNoteAllocated' })
  | (EventEnvelope<CreditNoteLeftUnallocated.Value> & { type: 'CreditNoteLeftUnallocated' });

const ALLOCATION_TYPES = new Set(['CreditNoteAllocationDeferred', 'CreditNoteAllocated', 'CreditNoteLeftUnallocated']);

/** Collects the exporter's published events from Kafka (the outbox relay's real output). */
export class Observer {
  readonly exported: EventEnvelope<DocumentExported.Value>[] = [];
  readonly failed: EventEnvelope<DocumentExportFailed.Value>[] = [];
  readonly reference: EventEnvelope<OrgReferenceDataPublished.Value>[] = [];
  readonly lost: EventEnvelope<XeroConnectionLost.Value>[] = [];
  readonly restored: EventEnvelope<XeroConnectionRestored.Value>[] = [];
  /** Every XeroConnectionChanged, in the order the exporter stored the states (one key, one partition). */
  readonly changes: EventEnvelope<XeroConnectionChanged.Value>[] = [];
  readonly allocations: AllocationEvent[] = [];
  private consumer?: Consumer;

  constructor(private readonly prefix: string) {}

  async start(): Promise<void> {
    const kafka = new Kafka({ clientId: 'exporter-test-observer', brokers: kafkaBrokers(), logLevel: logLevel.NOTHING });
    this.consumer = kafka.consumer({ groupId: `${this.prefix}observer-${randomBytes(3).toString('hex')}`, maxWaitTimeInMs: 100 });
    await this.consumer.connect();
    const topics = [
      DocumentExported.definition,
      DocumentExportFailed.definition,
      OrgReferenceDataPublished.definition,
      XeroConnectionLost.definition,
      XeroConnectionRestored.definition,
      XeroConnectionChanged.definition,
      CreditNoteAllocationDeferred.definition,
      CreditNoteAllocated.definition,
      CreditNoteLeftUnallocated.definition,
    ].map((d) => topicName(this.prefix, d.topic));
    await this.consumer.subscribe({ topics, fromBeginning: true });
    await this.consumer.run({
      eachMessage: async ({ message }) => {
        const env = JSON.parse(message.value!.toString()) as EventEnvelope;
        if (env.type === 'DocumentExported') this.exported.push(env as EventEnvelope<DocumentExported.Value>);
        else if (env.type === 'DocumentExportFailed') this.failed.push(env as EventEnvelope<DocumentExportFailed.Value>);
        else if (env.type === 'OrgReferenceDataPublished') this.reference.push(env as EventEnvelope<OrgReferenceDataPublished.Value>);
        else if (env.type === 'XeroConnectionLost') this.lost.push(env as EventEnvelope<XeroConnectionLost.Value>);
        else if (env.type === 'XeroConnectionRestored') this.restored.push(env as EventEnvelope<XeroConnectionRestored.Value>);
        else if (env.type === 'XeroConnectionChanged') this.changes.push(env as EventEnvelope<XeroConnectionChanged.Value>);
        else if (ALLOCATION_TYPES.has(env.type)) this.allocations.push(env as AllocationEvent);
      },
    });
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect().catch(() => undefined);
  }

  exportedOf(documentKey: string): EventEnvelope<DocumentExported.Value>[] {
    return this.exported.filter((e) => e.payload.documentKey === documentKey);
  }

  failedOf(documentKey: string): EventEnvelope<DocumentExportFailed.Value>[] {
    return this.failed.filter((e) => e.payload.documentKey === documentKey);
  }

  /** The final word on a document: exported, or failed for good (not retriable, or retriable but given up). */
  settled(documentKey: string, { connectionLostCounts = false } = {}): Outcome | undefined {
    const all: Outcome[] = [
      ...this.exportedOf(documentKey),
      ...this.failedOf(documentKey).filter((f) => connectionLostCounts || !f.payload.problems.every((p) => p.code === 'XERO.CONNECTION_LOST')),
    ];
    return all.sort((a, b) => a.occurredAt.localeCompare(b.occurredAt)).pop();
  }

  waitExported(documentKey: string, what = `${documentKey} exported`): Promise<EventEnvelope<DocumentExported.Value>> {
    return waitFor(what, () => this.exportedOf(documentKey)[0], { timeoutMs: 45_000 });
  }

  /** A credit note's allocation events, in the order they were appended (one partition per document). */
  allocationsOf(documentKey: string): AllocationEvent[] {
    return this.allocations.filter((e) => e.payload.documentKey === documentKey);
  }

  waitAllocation<T extends AllocationEvent['type']>(documentKey: string, type: T): Promise<Extract<AllocationEvent, { type: T }>> {
    return waitFor(`${documentKey}: ${type}`, () => this.allocationsOf(documentKey).find((e): e is Extract<AllocationEvent, { type: T }> => e.type === type), {
      timeoutMs: 45_000,
    });
  }

  /** The n-th (1-based) XeroConnectionLost or XeroConnectionRestored seen: losses and restorations are counted, not matched. */
  waitLost(n: number): Promise<EventEnvelope<XeroConnectionLost.Value>> {
    return waitFor(`connection lost #${n}`, () => this.lost[n - 1], { timeoutMs: 45_000 });
  }

  waitRestored(n: number): Promise<EventEnvelope<XeroConnectionRestored.Value>> {
    return waitFor(`connection restored #${n}`, () => this.restored[n - 1], { timeoutMs: 45_000 });
  }

  /** The first XeroConnectionChanged after the `after`-th one that tells `change`. */
  waitChange(change: XeroConnectionChanged.Value['change'], after = 0): Promise<EventEnvelope<XeroConnectionChanged.Value>> {
    return waitFor(`connection changed: ${change} (after #${after})`, () => this.changes.slice(after).find((e) => e.payload.change === change), {
      timeoutMs: 45_000,
    });
  }

  waitFailed(documentKey: string, code?: string): Promise<EventEnvelope<DocumentExportFailed.Value>> {
    return waitFor(
      `${documentKey} failed${code ? ` with ${code}` : ''}`,
      () => this.failedOf(documentKey).find((f) => !code || f.payload.problems.some((p) => p.code === code)),
      { timeoutMs: 45_000 },
    );
  }
}

/** How many documents with each number the organisation holds (the duplicate check). */
export function countByNumber(docs: Record<string, unknown>[], field: 'InvoiceNumber' | 'CreditNoteNumber'): Map<string, number> {
  const counts = new Map<string, number>();
  for (const d of docs) {
    if (d.Status === 'DELETED') continue;
    const n = String(d[field]);
    counts.set(n, (counts.get(n) ?? 0) + 1);
  }
  return counts;
}

/** An exporter in this process, its own database and topic prefix, a sandbox, a publisher and an observer. */
export interface ExporterRig {
  sandbox: XeroSandbox;
  db: TestDatabase;
  pool: Pool;
  service: RunningService<ExporterConfig>;
  publisher: EventPublisher;
  observer: Observer;
  close(): Promise<void>;
}

export async function startExporterRig(
  label: string,
  timeScale: number,
  env: (sandbox: XeroSandbox) => Record<string, string> = () => ({}),
  sandboxOptions: Omit<XeroSandboxOptions, 'port' | 'timeScale'> = {},
): Promise<ExporterRig> {
  const prefix = uniqueTopicPrefix(label);
  const sandbox = await startXeroSandbox({ ...sandboxOptions, port: 0, timeScale });
  const db = await createTestDatabase(label.replace(/-/g, '_'));
  const pool = new Pool({ connectionString: db.url, max: 2 });
  const service = await startService(xeroExporter, exporterEnv(sandbox, { databaseUrl: db.url, prefix, timeScale }, env(sandbox)));
  const publisher = new EventPublisher(new Kafka({ clientId: `${label}-test`, brokers: kafkaBrokers(), logLevel: logLevel.NOTHING }), prefix);
  const observer = new Observer(prefix);
  await observer.start();
  return {
    sandbox,
    db,
    pool,
    service,
    publisher,
    observer,
    async close() {
      await observer.stop();
      await publisher.close();
      await service.close();
      await pool.end();
      await db.drop();
      await sandbox.close();
    },
  };
}
