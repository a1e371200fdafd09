// Test-data builders: the events of one run, as the poller, mapper and exporter would emit them, with
// a clock that moves one second per event so their order is explicit.
//   const run = aRun().ofCreditNotes(); run.detected('CN-1'); run.rejected('CN-1', [missingEan13('JKT-001-BLK-M')]);
import {
  AllocationCheckRequested,
  allocationChecksKey,
  CreditNoteAllocated,
  CreditNoteLeftUnallocated,
  CreditNoteAllocationDeferred,
  CreditNoteDetected,
  createEnvelope,
  documentKey,
  DocumentExported,
  DocumentExportFailed,
  DocumentMapped,
  DocumentRejected,
  documentTypeOfFlow,
  EventDefinition,
  EventEnvelope,
  flowKey,
  InvoiceDetected,
  Problem,
  RunCompleted,
  RunFailed,
  RunRequested,
  RunStarted,
  ScheduleChanged,
  SelectionChanged,
  SelectionRules,
  ServiceName,
  type Flow,
  type RunMode,
  type RunTrigger,
  xeroConnectionKey,
  XeroConnectionChanged,
  XeroConnectionLost,
  XeroConnectionRestored,
} from '@lnbx/contracts';
import { randomUUID } from 'node:crypto';
import { known, type Known } from './events';

export const missingEan13 = (sku: string): Problem => ({ code: 'LNB.MISSING_EAN13', message: `Missing EAN13 for SKU ${sku}`, severity: 'error', field: sku });
export const missingRetailerReference = (): Problem => ({
  code: 'LNB.MISSING_RETAILER_REFERENCE',
  message: 'The retailer has no reference in LNB',
  severity: 'error',
});
export const xeroValidation = (message = 'Account code 200 is archived'): Problem => ({ code: 'XERO.VALIDATION', message, severity: 'error' });

export const noSelectionRules = (over: Partial<SelectionRules> = {}): SelectionRules => ({
  statuses: ['final'],
  includeRetailers: [],
  excludeRetailers: [],
  currencies: [],
  onlyReferences: [],
  holdBack: [],
  ...over,
});

export class RunEvents {
  private clock: number;
  readonly connectionId: string;
  constructor(
    readonly runId: string = randomUUID(),
    readonly flow: Flow = 'invoices',
    readonly mode: RunMode = 'export',
    { connectionId = 'acme', startAt = Date.parse('2026-03-02T08:00:00.000Z') }: { connectionId?: string; startAt?: number } = {},
  ) {
    this.connectionId = connectionId;
    this.clock = startAt;
  }

  ofCreditNotes(): RunEvents {
    return new RunEvents(this.runId, 'credit_notes', this.mode, { connectionId: this.connectionId, startAt: this.clock });
  }
  inPreview(): RunEvents {
    return new RunEvents(this.runId, this.flow, 'preview', { connectionId: this.connectionId, startAt: this.clock });
  }

  get type() {
    return documentTypeOfFlow(this.flow);
  }
  keyOf(reference: string): string {
    return documentKey(this.connectionId, this.type, reference);
  }
  now(): Date {
    return new Date(this.clock);
  }

  private env<V extends object>(def: EventDefinition<V>, payload: V, producer: ServiceName, key: string, correlationId = this.runId): EventEnvelope<V> {
    this.clock += 1000;
    return createEnvelope(def, payload, { producer, connectionId: this.connectionId, correlationId, key, occurredAt: new Date(this.clock) });
  }

  requested(trigger: RunTrigger = 'manual', documents?: string[]): EventEnvelope<RunRequested.Value> {
    return this.env(
      RunRequested.definition,
      { runId: this.runId, flow: this.flow, mode: this.mode, trigger, documents, requestedBy: 'test' },
      'monitor-api',
      flowKey(this.connectionId, this.flow),
    );
  }
  started(trigger: RunTrigger = 'manual'): EventEnvelope<RunStarted.Value> {
    return this.env(
      RunStarted.definition,
      { runId: this.runId, flow: this.flow, mode: this.mode, trigger, requestedBy: 'test', startedAt: new Date(this.clock + 1000).toISOString() },
      'lnb-poller',
      flowKey(this.connectionId, this.flow),
    );
  }
  completed(emitted = 1): EventEnvelope<RunCompleted.Value> {
    const counts = { seen: emitted, selected: emitted, emitted, unchanged: 0, excludedBySelection: 0, heldBack: 0 };
    return this.env(
      RunCompleted.definition,
      { runId: this.runId, flow: this.flow, counts, completedAt: new Date(this.clock + 1000).toISOString() },
      'lnb-poller',
      flowKey(this.connectionId, this.flow),
    );
  }
  failed(code = 'LNB.UNAVAILABLE', message = 'Le New Black did not answer'): EventEnvelope<RunFailed.Value> {
    return this.env(
      RunFailed.definition,
      { runId: this.runId, flow: this.flow, problem: { code, message, severity: 'error' }, failedAt: new Date(this.clock + 1000).toISOString() },
      'lnb-poller',
      flowKey(this.connectionId, this.flow),
    );
  }

  detected(
    reference: string,
    { revision = `rev-${reference}-1`, retailer = 'RET-01', invoiceOn = '2026-03-01', total = 120 } = {},
  ): EventEnvelope<InvoiceDetected.Value> {
    const def = this.type === 'invoice' ? InvoiceDetected.definition : CreditNoteDetected.definition;
    return this.env(
      def,
      {
        documentKey: this.keyOf(reference),
        documentType: this.type,
        revision,
        runId: this.runId,
        mode: this.mode,
        document: {
          reference_number: reference,
          status: 'final',
          invoice_on: invoiceOn,
          currency_code: 'EUR',
          amount_total_tax_inclusive: total,
          retailer_reference: retailer,
          retailer_name: `Retailer ${retailer}`,
          items: [],
        },
        retailer: { reference: retailer, name: `Retailer ${retailer}` },
      },
      'lnb-poller',
      this.keyOf(reference),
    );
  }
  mapped(reference: string, { revision = `rev-${reference}-1`, warnings = [] as Problem[] } = {}): EventEnvelope<DocumentMapped.Value> {
    return this.env(
      DocumentMapped.definition,
      {
        documentKey: this.keyOf(reference),
        documentType: this.type,
        revision,
        runId: this.runId,
        mode: this.mode,
        warnings,
        xero: {
          type: this.type === 'invoice' ? 'ACCREC' : 'ACCRECCREDIT',
          number: reference,
          date: '2026-03-01',
          currencyCode: 'EUR',
          status: 'AUTHORISED',
          lineAmountTypes: 'Exclusive',
          expectedTotal: 120,
          unitdp: 2,
          lineItems: [{ description: 'Biker jacket Black', quantity: 1, unitAmount: 100, accountCode: '200', taxType: 'OUTPUT2' }],
        },
        contact: { contactNumber: 'RET-01', name: 'Retailer RET-01' },
      },
      'mapper',
      this.keyOf(reference),
    );
  }
  rejected(reference: string, problems: Problem[], { revision = `rev-${reference}-1` } = {}): EventEnvelope<DocumentRejected.Value> {
    return this.env(
      DocumentRejected.definition,
      { documentKey: this.keyOf(reference), documentType: this.type, revision, runId: this.runId, mode: this.mode, problems },
      'mapper',
      this.keyOf(reference),
    );
  }
  exported(
    reference: string,
    { revision = `rev-${reference}-1`, outcome = 'created' as DocumentExported.Value['outcome'] } = {},
  ): EventEnvelope<DocumentExported.Value> {
    return this.env(
      DocumentExported.definition,
      {
        documentKey: this.keyOf(reference),
        documentType: this.type,
        revision,
        runId: this.runId,
        xeroTenantId: 'tenant-1',
        xeroId: `xero-${reference}`,
        number: reference,
        url: `https://go.xero.com/app/invoicing/view/xero-${reference}`,
        subTotal: 100,
        totalTax: 20,
        total: 120,
        outcome,
      },
      'xero-exporter',
      this.keyOf(reference),
    );
  }
  exportFailed(
    reference: string,
    problems: Problem[],
    { revision = `rev-${reference}-1`, retriable = false, attempt = 1 } = {},
  ): EventEnvelope<DocumentExportFailed.Value> {
    return this.env(
      DocumentExportFailed.definition,
      { documentKey: this.keyOf(reference), documentType: this.type, revision, runId: this.runId, problems, retriable, attempt },
      'xero-exporter',
      this.keyOf(reference),
    );
  }
  /** The exporter's word on a credit note's allocation to its invoice (after its DocumentExported; correlated with the exporting run). */
  allocationWaiting(reference: string, over: Partial<CreditNoteAllocationDeferred.Value> = {}): EventEnvelope<CreditNoteAllocationDeferred.Value> {
    const invoice = over.invoiceNumber ?? 'INV-000007';
    return this.env(
      CreditNoteAllocationDeferred.definition,
      {
        ...this.allocationSubject(reference, invoice),
        waitingFor: ['credit_note_approval', 'invoice_approval'],
        nextCheckAt: new Date(this.clock + 300_000).toISOString(),
        message: `Allocation of ${reference} to ${invoice} waits until ${reference} and ${invoice} are approved in Xero`,
        ...over,
      },
      'xero-exporter',
      this.keyOf(reference),
    );
  }
  allocated(reference: string, over: Partial<CreditNoteAllocated.Value> = {}): EventEnvelope<CreditNoteAllocated.Value> {
    const invoice = over.invoiceNumber ?? 'INV-000007';
    return this.env(
      CreditNoteAllocated.definition,
      {
        ...this.allocationSubject(reference, invoice),
        invoiceXeroId: `xero-${invoice}`,
        amount: 96,
        currency: 'GBP',
        remainingCredit: 24,
        outcome: 'allocated',
        message: `Allocated 96.00 GBP of credit note ${reference} to invoice ${invoice}; 24.00 GBP of credit stays on the customer's account (the invoice owed only 96.00 GBP)`,
        ...over,
      },
      'xero-exporter',
      this.keyOf(reference),
    );
  }
  allocationNotPossible(reference: string, over: Partial<CreditNoteLeftUnallocated.Value> = {}): EventEnvelope<CreditNoteLeftUnallocated.Value> {
    const invoice = over.invoiceNumber ?? 'INV-000007';
    return this.env(
      CreditNoteLeftUnallocated.definition,
      {
        ...this.allocationSubject(reference, invoice),
        code: 'XERO.ALLOCATION_INVOICE_PAID',
        message: `Credit note ${reference} stays in Xero unallocated: invoice ${invoice} is already paid`,
        ...over,
      },
      'xero-exporter',
      this.keyOf(reference),
    );
  }
  private allocationSubject(reference: string, invoiceNumber: string) {
    return {
      documentKey: this.keyOf(reference),
      documentType: this.type,
      revision: `rev-${reference}-1`,
      runId: this.runId,
      creditNoteNumber: reference,
      creditNoteXeroId: `xero-${reference}`,
      invoiceNumber,
      message: '',
    };
  }
  /** "Check allocations now": belongs to no run (the connection's allocation-checks key). */
  allocationCheckRequested(documents?: string[], requestedBy = 'test'): EventEnvelope<AllocationCheckRequested.Value> {
    const key = allocationChecksKey(this.connectionId);
    return this.env(AllocationCheckRequested.definition, { requestedBy, documents }, 'monitor-api', key, key);
  }
  /** The exporter's loss of the connection (it belongs to no run: correlated with the connection, as the exporter does). */
  connectionLost(over: Partial<XeroConnectionLost.Value> = {}): EventEnvelope<XeroConnectionLost.Value> {
    const key = xeroConnectionKey(this.connectionId);
    return this.env(
      XeroConnectionLost.definition,
      {
        xeroTenantId: 'tenant-1',
        tenantName: 'Demo Fashion Ltd',
        code: 'XERO.INVALID_GRANT',
        reason: 'Xero refused the refresh token (invalid_grant): the connection must be authorised again',
        waitingDocuments: 12,
        ...over,
      },
      'xero-exporter',
      key,
      key,
    );
  }
  connectionRestored(over: Partial<XeroConnectionRestored.Value> = {}): EventEnvelope<XeroConnectionRestored.Value> {
    const key = xeroConnectionKey(this.connectionId);
    return this.env(
      XeroConnectionRestored.definition,
      { xeroTenantId: 'tenant-1', tenantName: 'Demo Fashion Ltd', resumedDocuments: 12, ...over },
      'xero-exporter',
      key,
      key,
    );
  }
  /** The connection told whole by the exporter; connected to Demo Fashion Ltd unless told otherwise. */
  connectionChanged(over: Partial<XeroConnectionChanged.Value> = {}): EventEnvelope<XeroConnectionChanged.Value> {
    const key = xeroConnectionKey(this.connectionId);
    return this.env(
      XeroConnectionChanged.definition,
      {
        status: 'connected',
        change: 'connected',
        grant: 'authorization_code',
        xeroTenantId: 'tenant-1',
        tenantName: 'Demo Fashion Ltd',
        connectedAt: '2026-03-01T09:00:00.000Z',
        ...over,
      },
      'xero-exporter',
      key,
      key,
    );
  }
  scheduleChanged(cron: string | null, timeZone: string | null = 'Europe/Paris'): EventEnvelope<ScheduleChanged.Value> {
    return this.env(
      ScheduleChanged.definition,
      { flow: this.flow, enabled: cron !== null, cron, timeZone, requestedBy: 'test' },
      'lnb-poller',
      flowKey(this.connectionId, this.flow),
    );
  }
  selectionChanged(rules: SelectionRules = noSelectionRules()): EventEnvelope<SelectionChanged.Value> {
    return this.env(SelectionChanged.definition, { flow: this.flow, rules, requestedBy: 'test' }, 'lnb-poller', flowKey(this.connectionId, this.flow));
  }
}

export const aRun = (runId?: string): RunEvents => new RunEvents(runId);

/** The builders' envelopes as the projections take them. */
export const k = (env: EventEnvelope): Known => known(env as EventEnvelope);
