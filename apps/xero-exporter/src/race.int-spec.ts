// Two exporter processes against one database and one topic prefix, the sandbox answering badly
// (answers lost after storing, 5xx, dropped connections, latency), one process killed mid-run: every
// document ends exported exactly once in Xero, none is lost, and each credit note is allocated once.
import { EventPublisher } from '@lnbx/messaging';
import { createTestDatabase, metricValue, readMetrics, SpawnedService, spawnService, TestDatabase, uniqueTopicPrefix, waitFor } from '@lnbx/testing';
import { startXeroSandbox, type XeroSandbox } from '@lnbx/xero-sandbox';
import { Kafka, logLevel } from 'kafkajs';
import { aMappedCreditNote, aMappedInvoice } from './testing';
import { countByNumber, exporterEnv, Observer } from './testing/harness';

const TIME_SCALE = 60;
const INVOICES = 160;
const CREDIT_NOTES = 20;

describe('two xero-exporter processes racing on the same documents', () => {
  let sandbox: XeroSandbox;
  let db: TestDatabase;
  let a: SpawnedService;
  let b: SpawnedService;
  let publisher: EventPublisher;
  let observer: Observer;
  let tenant: string;
  const prefix = uniqueTopicPrefix('exporter-race');

  beforeAll(async () => {
    sandbox = await startXeroSandbox({ port: 0, timeScale: TIME_SCALE, faultSeed: 7 });
    tenant = sandbox.clients.clientCredentials.tenantId;
    db = await createTestDatabase('exporter_race');
    const env = exporterEnv(
      sandbox,
      { databaseUrl: db.url, prefix, timeScale: TIME_SCALE },
      { LOG_LEVEL: 'info', XERO_BATCH_SIZE: '10', XERO_BATCH_LINGER_MS: '100' },
    );
    [a, b] = await Promise.all([spawnService('xero-exporter', { ...env, INSTANCE_ID: 'a' }), spawnService('xero-exporter', { ...env, INSTANCE_ID: 'b' })]);
    publisher = new EventPublisher(new Kafka({ clientId: 'exporter-race-test', brokers: env.KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING }), prefix);
    observer = new Observer(prefix);
    await observer.start();
  });

  afterAll(async () => {
    await observer?.stop();
    await publisher?.close();
    await Promise.all([a?.stop(), b?.stop()]);
    await db?.drop();
    await sandbox?.close();
  });

  it('creates every document exactly once and loses none, through faults and a killed process', async () => {
    const faults = { tenantId: tenant, method: 'PUT' };
    sandbox.admin.addFault({ kind: 'latency', tenantId: tenant, latencyMs: 40 });
    sandbox.admin.addFault({ ...faults, kind: 'outcomeUnknown', rate: 0.25, times: 8 });
    sandbox.admin.addFault({ ...faults, kind: 'error', status: 503, rate: 0.2, times: 6 });
    sandbox.admin.addFault({ ...faults, kind: 'drop', rate: 0.1, times: 3 });

    const invoices = Array.from({ length: INVOICES }, (_, i) =>
      aMappedInvoice(`RACE-${i}`).withContact({ contactNumber: `RET-${i % 12}`, name: `Retailer ${i % 12} Ltd` }),
    );
    const credits = Array.from({ length: CREDIT_NOTES }, (_, i) =>
      aMappedCreditNote(`RACE-CN-${i}`)
        .allocatingTo(`RACE-${i}`)
        .withLines({ quantity: 1, unitAmount: 20 })
        .withContact({ contactNumber: `RET-${i % 12}`, name: `Retailer ${i % 12} Ltd` }),
    );
    const first = [...invoices, ...credits].map((d) => d.envelope());
    await publisher.publish(first);
    // A retry run re-emits some of the same revisions while the first run is still being sent.
    await publisher.publish(invoices.slice(0, 30).map((d) => d.inRun('run-retry').envelope()));

    await waitFor('a third exported', () => observer.exported.length >= (INVOICES + CREDIT_NOTES) / 3, { timeoutMs: 60_000 });
    await a.stop('SIGKILL');

    const keys = first.map((e) => e.payload.documentKey);
    await waitFor('every document settled', () => keys.every((k) => observer.settled(k)), { timeoutMs: 90_000 });

    const inXero = countByNumber(sandbox.admin.invoices(tenant), 'InvoiceNumber');
    const cnInXero = countByNumber(sandbox.admin.creditNotes(tenant), 'CreditNoteNumber');
    const twice = [...inXero, ...cnInXero].filter(([, n]) => n > 1);
    expect(twice).toEqual([]);
    for (let i = 0; i < INVOICES; i++) expect(inXero.get(`RACE-${i}`)).toBe(1);
    for (let i = 0; i < CREDIT_NOTES; i++) expect(cnInXero.get(`RACE-CN-${i}`)).toBe(1);
    expect(keys.map((k) => observer.settled(k)).filter((o) => o?.type !== 'DocumentExported')).toEqual([]);
    // Each credit note allocated to its invoice exactly once, whatever answers were lost on the way.
    const creditKeys = credits.map((_, i) => `acme:credit_note:RACE-CN-${i}`);
    await waitFor('every credit note allocated', () => creditKeys.every((k) => observer.allocationsOf(k).some((e) => e.type === 'CreditNoteAllocated')), {
      timeoutMs: 90_000,
    });
    const cnRecords = sandbox.admin.creditNotes(tenant).filter((c) => String(c.CreditNoteNumber).startsWith('RACE-CN-'));
    expect(cnRecords.map((c) => (c.Allocations as unknown[]).length)).toEqual(cnRecords.map(() => 1));
    for (let i = 0; i < CREDIT_NOTES; i++) {
      expect(sandbox.admin.invoices(tenant).find((d) => d.InvoiceNumber === `RACE-${i}`)?.AmountCredited).toBe(24);
    }
    expect(creditKeys.flatMap((k) => observer.allocationsOf(k)).filter((e) => e.type === 'CreditNoteLeftUnallocated')).toEqual([]);
    const hit = sandbox.admin.calls({ tenantId: tenant }).stats.rejectedByReason;
    expect([hit['fault:outcomeUnknown'], hit['fault:error']].every((n) => n > 0)).toBe(true);
    const contacts = sandbox.admin.contacts(tenant).filter((c) => String(c.ContactNumber ?? '').startsWith('RET-'));
    expect(contacts).toHaveLength(12);
    // Tokens never reach a log line (the sandbox's access tokens are JWTs: "eyJ...").
    expect(JSON.stringify([...a.logs, ...b.logs])).not.toMatch(/eyJ[\w-]{10,}|Bearer [A-Za-z0-9]/);
    expect([...a.logs, ...b.logs].some((l) => l.msg === 'xero connected')).toBe(true);
    expect(metricValue(await readMetrics(b.url), 'lnbx_xero_calls_total', { endpoint: 'PUT /Invoices', status: '200' })).toBeGreaterThan(0);
  });
});
