// The mapper as its own process over the project's Kafka: LNB documents in, DocumentMapped or
// DocumentRejected out; redeliveries, malformed messages, mapping changes, reference data and a restart.
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createEnvelope,
  deadLetterTopic,
  DocumentMapped,
  DocumentRejected,
  EventEnvelope,
  InvoiceDetected,
  MappingChanged,
  MappingChangeRequested,
  OrgReferenceDataPublished,
  topicName,
} from '@lnbx/contracts';
import { EventPublisher, startService } from '@lnbx/messaging';
import { ConfigError } from '@lnbx/platform';
import {
  createTestDatabase,
  http,
  kafkaBrokers,
  metricValue,
  SpawnedService,
  spawnService,
  TestDatabase,
  testKafkaEnv,
  uniqueTopicPrefix,
  waitFor,
} from '@lnbx/testing';
import { Kafka, logLevel } from 'kafkajs';
import { anLnbCreditNote, anLnbInvoice, anOrgReference } from './domain/testing';
import { mapper as mapperService } from './service';
import { aDocumentDetected, ReadMessage, TopicReader } from './testing';

const MAPPED = DocumentMapped.definition.topic;
const REJECTED = DocumentRejected.definition.topic;
const CHANGED = MappingChanged.definition.topic;
const INVOICES = InvoiceDetected.definition.topic;
const CHANGES = MappingChangeRequested.definition.topic;

describe('mapper service', () => {
  const prefix = uniqueTopicPrefix('mapper');
  const kafka = new Kafka({ clientId: 'mapper-test', brokers: kafkaBrokers(), logLevel: logLevel.NOTHING });
  const publisher = new EventPublisher(kafka, prefix);
  const reader = new TopicReader(kafka, prefix, [MAPPED, REJECTED, CHANGED, deadLetterTopic(INVOICES), deadLetterTopic(CHANGES)]);
  let db: TestDatabase;
  let env: Record<string, string>;
  let mapper: SpawnedService;

  /** Waits for the mapper's answers about one document (in the order it gave them) until there are `count`. */
  const answers = (key: string, count = 1): Promise<ReadMessage[]> =>
    waitFor(`${count} answer(s) about ${key}`, () => {
      const got = reader.messages.filter((m) => (m.topic === MAPPED || m.topic === REJECTED) && m.key === key);
      return got.length >= count ? got : undefined;
    });
  const payloadOf = <V>(m: ReadMessage) => (m.envelope as EventEnvelope<V>).payload;
  const metrics = async (): Promise<string> => (await fetch(`${mapper.url}/metrics`)).text();
  /** How many reference-data snapshots the mapper has taken in. */
  const handledReferences = async (): Promise<number> =>
    Number(
      /lnbx_messages_consumed_total\{topic="xero.org.reference-data-published.v1",outcome="handled",service="mapper"\} (\d+)/.exec(await metrics())?.[1] ?? 0,
    );

  beforeAll(async () => {
    db = await createTestDatabase('mapper');
    env = { DATABASE_URL: db.url, ...testKafkaEnv(), KAFKA_TOPIC_PREFIX: prefix };
    mapper = await spawnService('mapper', env);
    await reader.start();
  });

  afterAll(async () => {
    await reader.stop().catch(() => undefined);
    await publisher.close();
    await mapper?.stop();
    await db?.drop();
  });

  it('is ready: the broker and the database answer', async () => {
    const ready = await http<{ checks: { name: string; status: string }[] }>('GET', `${mapper.url}/health/ready`);
    expect(ready.status).toBe(200);
    expect(ready.body.checks.map((c) => c.status)).toEqual(['up', 'up']);
  });

  it("maps a good invoice to an ACCREC whose contact is the retailer and whose total is LNB's", async () => {
    const input = anLnbInvoice().withReference('INV-GOOD-1').input();
    const detected = aDocumentDetected(input, { runId: 'run-1', mode: 'preview', revision: 'rev-7' });
    await publisher.publish([detected]);

    const [answer] = await answers(input.documentKey);
    expect(answer.topic).toBe(MAPPED);
    const mapped = payloadOf<DocumentMapped.Value>(answer);
    expect(mapped.xero.type).toBe('ACCREC');
    expect(mapped.xero.number).toBe('INV-GOOD-1');
    expect(mapped.contact.contactNumber).toBe('RET-0042');
    expect(mapped.xero.expectedTotal).toBe(input.document.amount_total_tax_inclusive);
    expect(mapped).toMatchObject({ documentKey: input.documentKey, documentType: 'invoice', runId: 'run-1', mode: 'preview', revision: 'rev-7' });
    expect(answer.envelope).toMatchObject({
      producer: 'mapper',
      connectionId: 'acme',
      correlationId: 'run-1',
      causationId: detected.eventId,
      key: input.documentKey,
    });
  });

  it('maps a credit note, carrying the PDF and what the poller found of the credited invoice', async () => {
    const input = anLnbCreditNote().withReference('CN-1').with({ invoice_found: false, pdf_url: 'https://lnb.example/cn-1.pdf' }).input();
    await publisher.publish([aDocumentDetected(input)]);

    const [answer] = await answers(input.documentKey);
    const mapped = payloadOf<DocumentMapped.Value>(answer);
    expect(mapped.xero.type).toBe('ACCRECCREDIT');
    expect(mapped.pdfUrl).toBe('https://lnb.example/cn-1.pdf');
    expect(mapped.allocateToInvoiceNumber).toBeUndefined();
    expect(mapped.warnings.map((w) => w.code)).toEqual(['LNB.CREDIT_NOTE_WITHOUT_INVOICE']);
  });

  it('rejects an invoice with a missing EAN13 naming the SKU, and reports its other defect at once', async () => {
    const input = anLnbInvoice().withReference('INV-BAD-1').withoutEan13('JKT-001-BLK-M').withZeroQuantityLine().input();
    await publisher.publish([aDocumentDetected(input)]);

    const [answer] = await answers(input.documentKey);
    expect(answer.topic).toBe(REJECTED);
    const { problems } = payloadOf<DocumentRejected.Value>(answer);
    expect(problems.map((p) => p.code)).toEqual(expect.arrayContaining(['LNB.MISSING_EAN13', 'LNB.ZERO_QUANTITY_LINE']));
    expect(problems.find((p) => p.code === 'LNB.MISSING_EAN13')?.message).toMatch(/JKT-001-BLK-M/);
    const rejected = (code: string) => ({ connection: 'acme', type: 'invoice', code, service: 'mapper' });
    await waitFor('the rejection counted', async () => metricValue(await metrics(), 'lnbx_documents_rejected_total', rejected('LNB.MISSING_EAN13')) === 1);
    expect(metricValue(await metrics(), 'lnbx_documents_rejected_total', rejected('LNB.ZERO_QUANTITY_LINE'))).toBe(1);
  });

  it('maps a redelivered InvoiceDetected (same eventId) once', async () => {
    const first = anLnbInvoice().withReference('INV-TWICE').input();
    const detected = aDocumentDetected(first, { revision: 'r1' });
    // Same key, so the same partition, in this order: once the later revision is answered, a second
    // answer to the duplicate would already have arrived before it.
    const later = aDocumentDetected(anLnbInvoice().withReference('INV-TWICE').withShipping(20).input(), { revision: 'r2' });
    await publisher.publish([detected]);
    await publisher.publish([detected]);
    await publisher.publish([later]);

    const got = await answers(first.documentKey, 2);
    expect(reader.messages.filter((m) => m.key === first.documentKey).map((m) => payloadOf<DocumentMapped.Value>(m).revision)).toEqual(['r1', 'r2']);
    expect(got.map((m) => m.envelope?.causationId)).toEqual([detected.eventId, later.eventId]);
  });

  it('dead-letters a malformed message with the reason and goes on with the next one', async () => {
    const input = anLnbInvoice().withReference('INV-AFTER-JUNK').input();
    await publisher.sendRaw(topicName(prefix, INVOICES), [{ key: input.documentKey, value: '{"not": "an envelope"' }]);
    await publisher.publish([aDocumentDetected(input)]);

    const dead = await waitFor('the dead letter', () => reader.of(deadLetterTopic(INVOICES), input.documentKey)[0]);
    expect(dead.headers['x-dlq-code']).toBe('CONTRACT.NOT_JSON');
    const [answer] = await answers(input.documentKey);
    expect(answer.topic).toBe(MAPPED);
  });

  it('dead-letters a bad mapping change naming each bad field, and keeps the configuration', async () => {
    const bad = aChange({ type: 'SetAccount', lineKind: 'freight', accountCode: '' });
    await publisher.publish([bad]);
    const dead = await waitFor('the dead letter', () => reader.of(deadLetterTopic(CHANGES)).find((m) => m.headers['x-dlq-code'] === 'MAP.INVALID_CHANGE'));
    const reasons = JSON.parse(dead.headers['x-dlq-reasons']) as string[];
    expect(reasons.join(' ')).toMatch(/change\.lineKind/);
    expect(reasons.join(' ')).toMatch(/change\.accountCode/);
    expect(reader.of(CHANGED)).toEqual([]);
  });

  it('applies a mapping change to later documents and announces it', async () => {
    await publisher.publish([aChange({ type: 'SetOptions', options: { numbering: { invoicePrefix: 'LNB-' } } })]);
    const changed = await waitFor('MappingChanged', () => reader.of(CHANGED)[0]);
    expect(payloadOf<MappingChanged.Value>(changed).config).toMatchObject({ numbering: { invoicePrefix: 'LNB-', creditNotePrefix: '' } });

    const input = anLnbInvoice().withReference('INV-PREFIXED').input();
    await publisher.publish([aDocumentDetected(input)]);
    const [answer] = await answers(input.documentKey);
    expect(payloadOf<DocumentMapped.Value>(answer).xero.number).toBe('LNB-INV-PREFIXED');
  });

  it('checks later documents against published reference data that lacks an account', async () => {
    await publisher.publish([
      createEnvelope(OrgReferenceDataPublished.definition, anOrgReference().withoutAccount('260').build(), {
        producer: 'xero-exporter',
        connectionId: 'acme',
        correlationId: 'ref-1',
        key: 'acme:org-reference',
      }),
    ]);
    await waitFor('the reference data taken in', async () =>
      /lnbx_messages_consumed_total\{topic="xero.org.reference-data-published.v1",outcome="handled",service="mapper"\} 1/.test(await metrics()),
    );

    const input = anLnbInvoice().withReference('INV-NO-260').withShipping(12).input();
    await publisher.publish([aDocumentDetected(input)]);
    const [answer] = await answers(input.documentKey);
    expect(answer.topic).toBe(REJECTED);
    const unknown = payloadOf<DocumentRejected.Value>(answer).problems.find((p) => p.code === 'XERO.UNKNOWN_ACCOUNT');
    expect(unknown?.message).toMatch(/260/);
  });

  it('serves two connections side by side, each with its own mapping and reference data', async () => {
    // Two brands on one mapper: the British one keeps the file's 20% -> OUTPUT2 and numbers its invoices
    // UK-; the Dutch one maps 21% to its own tax type. Neither touches the other, nor acme's (changed above).
    const [uk, nl] = ['brand-uk', 'brand-nl'];
    const ofBrands = () => reader.of(CHANGED).filter((m) => [uk, nl].includes(m.envelope?.connectionId ?? ''));
    await publisher.publish([
      aChange({ type: 'SetOptions', options: { numbering: { invoicePrefix: 'UK-' } } }, uk),
      aChange({ type: 'SetTaxType', rate: 21, taxType: 'OUTPUTNL21' }, nl),
    ]);
    await waitFor('both changes announced', () => (ofBrands().length === 2 ? true : undefined));
    const configOf = (conn: string) => {
      const [m] = ofBrands().filter((c) => c.envelope?.connectionId === conn);
      return payloadOf<MappingChanged.Value>(m).config as { taxTypes: { rate: number; taxType: string }[]; numbering: { invoicePrefix: string } };
    };
    expect(configOf(uk).numbering.invoicePrefix).toBe('UK-');
    expect(configOf(uk).taxTypes.map((t) => t.rate)).not.toContain(21);
    expect(configOf(nl).numbering.invoicePrefix).toBe('');
    expect(configOf(nl).taxTypes).toContainEqual(expect.objectContaining({ rate: 21, taxType: 'OUTPUTNL21' }));

    // Reference data: the Dutch organisation has OUTPUTNL21 and no account 260; the British one has 260.
    const published = (conn: string, ref: OrgReferenceDataPublished.Value) =>
      createEnvelope(OrgReferenceDataPublished.definition, ref, {
        producer: 'xero-exporter',
        connectionId: conn,
        correlationId: `ref-${conn}`,
        key: `${conn}:org-reference`,
      });
    const before = await handledReferences();
    await publisher.publish([
      published(uk, anOrgReference().build()),
      published(nl, anOrgReference().withTaxType('OUTPUTNL21', 21).withoutAccount('260').build()),
    ]);
    await waitFor('both reference data taken in', async () => ((await handledReferences()) === before + 2 ? true : undefined));

    const ukShipped = anLnbInvoice().forConnection(uk).withReference('INV-UK-1').withShipping(12).input();
    const nlPlain = anLnbInvoice().forConnection(nl).withReference('INV-NL-1').withTaxRate(21).withShipping(0).input();
    const nlShipped = anLnbInvoice().forConnection(nl).withReference('INV-NL-2').withTaxRate(21).withShipping(12).input();
    const acmePlain = anLnbInvoice().withReference('INV-ACME-BESIDE-BRANDS').withShipping(0).input();
    await publisher.publish([ukShipped, nlPlain, nlShipped, acmePlain].map((input) => aDocumentDetected(input)));

    const [ukAnswer] = await answers(ukShipped.documentKey);
    expect(ukAnswer.topic).toBe(MAPPED);
    expect(ukAnswer.envelope?.connectionId).toBe(uk);
    const ukMapped = payloadOf<DocumentMapped.Value>(ukAnswer);
    expect(ukMapped.xero.number).toBe('UK-INV-UK-1');
    expect(new Set(ukMapped.xero.lineItems.map((l) => l.taxType))).toEqual(new Set(['OUTPUT2']));

    const [nlAnswer] = await answers(nlPlain.documentKey);
    expect(nlAnswer.topic).toBe(MAPPED);
    expect(nlAnswer.envelope?.connectionId).toBe(nl);
    const nlMapped = payloadOf<DocumentMapped.Value>(nlAnswer);
    expect(nlMapped.xero.number).toBe('INV-NL-1');
    expect(new Set(nlMapped.xero.lineItems.map((l) => l.taxType))).toEqual(new Set(['OUTPUTNL21']));

    // Checked against its own organisation, which has no account 260 (the British one has it).
    const [nlRejected] = await answers(nlShipped.documentKey);
    expect(nlRejected.topic).toBe(REJECTED);
    const nlProblems = payloadOf<DocumentRejected.Value>(nlRejected).problems;
    expect(nlProblems.map((p) => p.code)).toEqual(['XERO.UNKNOWN_ACCOUNT']);
    expect(nlProblems[0].message).toMatch(/260/);

    const [acmeAnswer] = await answers(acmePlain.documentKey);
    const acmeMapped = payloadOf<DocumentMapped.Value>(acmeAnswer);
    expect(acmeMapped.xero.number).toBe('LNB-INV-ACME-BESIDE-BRANDS');
    expect(new Set(acmeMapped.xero.lineItems.map((l) => l.taxType))).toEqual(new Set(['OUTPUT2']));
  });

  it('after a restart, still uses the changed mapping and the reference data', async () => {
    await mapper.stop();
    mapper = await spawnService('mapper', env);
    expect(mapper.logs.find((l) => l.msg === 'mapping configuration loaded')).toMatchObject({ changedAtRuntime: { acme: 'mapping-config-acme v1' } });

    expect(mapper.logs.find((l) => l.msg === 'mapping configuration loaded')).toMatchObject({
      changedAtRuntime: { 'brand-uk': 'mapping-config-brand-uk v1', 'brand-nl': 'mapping-config-brand-nl v1' },
    });
    const plain = anLnbInvoice().withReference('INV-RESTARTED').withShipping(0).input();
    const shipped = anLnbInvoice().withReference('INV-RESTARTED-SHIPPED').withShipping(12).input();
    await publisher.publish([aDocumentDetected(plain), aDocumentDetected(shipped)]);
    const [mapped] = await answers(plain.documentKey);
    expect(payloadOf<DocumentMapped.Value>(mapped).xero.number).toBe('LNB-INV-RESTARTED');
    const [answer] = await answers(shipped.documentKey);
    const { problems } = payloadOf<DocumentRejected.Value>(answer);
    expect(problems.map((p) => p.code)).toContain('XERO.UNKNOWN_ACCOUNT');
    expect(problems.find((p) => p.code === 'XERO.UNKNOWN_ACCOUNT')?.message).toMatch(/260/);

    // And each brand its own: the Dutch mapping and organisation, the British prefix.
    const nl = anLnbInvoice().forConnection('brand-nl').withReference('INV-NL-RESTARTED').withTaxRate(21).withShipping(12).input();
    const uk = anLnbInvoice().forConnection('brand-uk').withReference('INV-UK-RESTARTED').withShipping(12).input();
    await publisher.publish([aDocumentDetected(nl), aDocumentDetected(uk)]);
    const [nlAnswer] = await answers(nl.documentKey);
    expect(payloadOf<DocumentRejected.Value>(nlAnswer).problems.map((p) => p.code)).toEqual(['XERO.UNKNOWN_ACCOUNT']);
    const [ukAnswer] = await answers(uk.documentKey);
    expect(payloadOf<DocumentMapped.Value>(ukAnswer).xero.number).toBe('UK-INV-UK-RESTARTED');
  });

  it('refuses to start on a bad mapping file, naming each bad field', async () => {
    const file = join(tmpdir(), `mapping-${prefix}json`);
    writeFileSync(file, JSON.stringify({ taxTypes: [{ rate: 20 }], accounts: { goods: '200' }, status: 'PAID' }));
    // In this process: the file is refused before anything connects (runService then prints it and exits 1).
    try {
      const started = startService(mapperService, { ...env, MAPPING_CONFIG_FILE: file });
      await expect(started).rejects.toBeInstanceOf(ConfigError);
      await expect(started).rejects.toThrow(/MAPPING_CONFIG_FILE=.*taxTypes\[0\]\.taxType[\s\S]*MAPPING_CONFIG_FILE=.*status/);
    } finally {
      rmSync(file, { force: true });
    }
  });
});

function aChange(change: Record<string, unknown>, connectionId = 'acme'): EventEnvelope<MappingChangeRequested.Value> {
  return createEnvelope(
    MappingChangeRequested.definition,
    { change, requestedBy: 'finance@acme.example' },
    {
      producer: 'monitor-api',
      connectionId,
      correlationId: `change-${Object.keys(change).join('-')}`,
      key: `${connectionId}:mapping`,
    },
  );
}
