// Test-data builders for the exporter: DocumentMapped events as the mapper emits them, with readable
// defaults (a UK brand invoicing a UK retailer at 20% into the sandbox's Demo Fashion Ltd).
import { createEnvelope, DocumentMapped, type EventEnvelope, type XeroContact, type XeroDocument, type XeroLineItem } from '@lnbx/contracts';
import { randomUUID } from 'node:crypto';

export const aLine = (patch: Partial<XeroLineItem> = {}): XeroLineItem => ({
  description: 'Biker jacket Black M',
  quantity: 2,
  unitAmount: 189,
  accountCode: '200',
  taxType: 'OUTPUT2',
  itemCode: 'JKT-001-BLK-M',
  ...patch,
});

export class MappedBuilder {
  private value: DocumentMapped.Value;
  private connectionId = 'acme';
  private runId = `run-${randomUUID().slice(0, 8)}`;

  constructor(type: 'invoice' | 'credit_note', number: string) {
    const credit = type === 'credit_note';
    const xero: XeroDocument = {
      type: credit ? 'ACCRECCREDIT' : 'ACCREC',
      number,
      date: '2026-03-02',
      currencyCode: 'GBP',
      status: 'AUTHORISED',
      lineAmountTypes: 'Exclusive',
      lineItems: [aLine()],
      expectedTotal: 453.6,
      unitdp: 2,
      ...(credit ? {} : { dueDate: '2026-04-01', reference: 'PO-7781' }),
    };
    this.value = {
      documentKey: `acme:${type}:${number}`,
      documentType: type,
      revision: 'r1',
      runId: this.runId,
      mode: 'export',
      xero,
      contact: { contactNumber: 'RET-0042', name: 'Harbour & Hale Ltd', emailAddress: 'accounts@harbourhale.example' },
      warnings: [],
    };
  }

  inConnection(connectionId: string): this {
    this.connectionId = connectionId;
    this.value.documentKey = this.value.documentKey.replace(/^[^:]+:/, `${connectionId}:`);
    return this;
  }
  inRun(runId: string): this {
    this.runId = runId;
    this.value.runId = runId;
    return this;
  }
  withRevision(revision: string): this {
    this.value.revision = revision;
    return this;
  }
  withContact(contact: Partial<XeroContact>): this {
    this.value.contact = { ...this.value.contact, ...contact };
    return this;
  }
  withLines(...lines: Partial<XeroLineItem>[]): this {
    this.value.xero.lineItems = lines.map((l) => aLine(l));
    return this;
  }
  withXero(patch: Partial<XeroDocument>): this {
    this.value.xero = { ...this.value.xero, ...patch };
    return this;
  }
  withPdf(url: string): this {
    this.value.pdfUrl = url;
    return this;
  }
  allocatingTo(invoiceNumber: string): this {
    this.value.allocateToInvoiceNumber = invoiceNumber;
    return this;
  }
  asPreview(): this {
    this.value.mode = 'preview';
    return this;
  }

  build(): DocumentMapped.Value {
    return structuredClone(this.value);
  }

  envelope(): EventEnvelope<DocumentMapped.Value> {
    return createEnvelope(DocumentMapped.definition, this.build(), {
      producer: 'mapper',
      connectionId: this.connectionId,
      correlationId: this.runId,
      causationId: randomUUID(),
      key: this.value.documentKey,
    });
  }
}

export const aMappedInvoice = (number: string): MappedBuilder => new MappedBuilder('invoice', number);
export const aMappedCreditNote = (number: string): MappedBuilder => new MappedBuilder('credit_note', number);

// What a benchmark or a test takes from an exporter started as a Nest context
// (`NestFactory.createApplicationContext(AppModule.forRoot(config, logger, { startWorkers: false }))`).
export { Intake } from './handlers/intake';
export { SenderWorker } from './workers/sender';
export { UpkeepWorker } from './workers/upkeep';
export { ConnectionService } from './xero/connections';
