// Work that follows an export, one call or so each: the LNB PDF attached to the Xero document (a
// failure is a warning, never a failed export) and a credit note allocated to its invoice (a failure
// is reported on its own, after the credit note's DocumentExported, as XERO.ALLOCATION_FAILED).
import type { Outbox } from '@lnbx/messaging';
import type { JsonLogger } from '@lnbx/platform';
import type { ClientBase } from 'pg';
import { retryDelayMs } from '../domain/batching';
import { allocationAmount, factsOf, pdfFileName } from '../domain/documents';
import { idempotencyKey } from '../domain/idempotency';
import { CODES } from '../domain/xero-errors';
import { documentStream, failedEvent, problem } from '../events';
import type { ExporterMetrics } from '../metrics';
import type { ExporterStore, FollowupRow } from '../store/exporter-store';
import { ConnectionLostError, type Loss, XeroCallError } from '../xero/errors';
import type { Tenant, XeroApi } from '../xero/xero-api';
import { findByNumbers } from './lookups';

export interface FollowupOptions {
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  pdfTimeoutMs: number;
  /** Allocation waits this many tries for its invoice to reach Xero (it may be in the same run). */
  allocationWaitAttempts: number;
}

const MAX_PDF_BYTES = 10 * 1024 * 1024;
const ATTACH_ATTEMPTS = 3;

/** A problem that ends the follow-up now (no retry can help). */
class Final extends Error {}
/** Not yet possible (the invoice is not in Xero yet): try again later. */
class NotYet extends Error {}

export class FollowupRunner {
  constructor(
    private readonly store: ExporterStore,
    private readonly outbox: Outbox,
    private readonly xero: XeroApi,
    private readonly metrics: ExporterMetrics,
    private readonly o: FollowupOptions,
    private readonly logger: JsonLogger,
  ) {}

  /** Runs one follow-up in `tx`; says why when the connection turned out lost. */
  async run(tx: ClientBase, tenant: Tenant, f: FollowupRow): Promise<{ lost?: Loss }> {
    const limit = f.kind === 'attach' ? ATTACH_ATTEMPTS : Math.max(this.o.maxAttempts, this.o.allocationWaitAttempts);
    try {
      if (f.kind === 'attach') await this.attach(tenant, f);
      else await this.allocate(tenant, f);
      await this.store.deleteFollowup(tx, f.id);
      return {};
    } catch (err) {
      if (err instanceof ConnectionLostError) return { lost: { reason: err.reason, code: err.code } };
      if (err instanceof XeroCallError && err.kind === 'rate_limited') {
        await this.store.retryFollowup(tx, f.id, f.attempts, err.retryAfterMs ?? 1000);
        return {};
      }
      const attempts = f.attempts + 1;
      const message = (err as Error).message;
      if (err instanceof Final || attempts >= limit) {
        await this.giveUp(tx, f, message, attempts, !(err instanceof Final));
      } else {
        await this.store.retryFollowup(tx, f.id, attempts, retryDelayMs(attempts, this.o.retryBaseMs, this.o.retryMaxMs));
      }
      return {};
    }
  }

  private async giveUp(tx: ClientBase, f: FollowupRow, message: string, attempts: number, retriable: boolean): Promise<void> {
    await this.store.deleteFollowup(tx, f.id);
    if (f.kind === 'attach') {
      this.metrics.attachmentsFailed.inc({ type: f.docType });
      this.logger.warn('the LNB PDF could not be attached; the document stays exported without it', { documentKey: f.documentKey, number: f.number, reason: message });
      return;
    }
    this.metrics.recordFailed(f.docType, [CODES.allocationFailed]);
    this.logger.warn('credit note left unallocated', { documentKey: f.documentKey, number: f.number, reason: message });
    await this.outbox.append(tx, documentStream(f.documentKey), [
      failedEvent(f, [problem(CODES.allocationFailed, `Credit note ${f.number} is in Xero but was not allocated to invoice ${String(f.data.invoiceNumber)}: ${message}`)], retriable, attempts),
    ]);
  }

  private async attach(tenant: Tenant, f: FollowupRow): Promise<void> {
    const url = String(f.data.pdfUrl ?? '');
    let pdf: Buffer;
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(this.o.pdfTimeoutMs) });
      if (!res.ok) throw new Error(`the PDF answered ${res.status}`);
      pdf = Buffer.from(await res.arrayBuffer());
    } catch (err) {
      throw new Error(`the LNB PDF could not be fetched (${(err as Error).message})`);
    }
    if (pdf.length === 0) throw new Final('the LNB PDF is empty');
    if (pdf.length > MAX_PDF_BYTES) throw new Final(`the LNB PDF is larger than ${MAX_PDF_BYTES / 1024 / 1024} MB`);
    const name = pdfFileName(f.number);
    const key = idempotencyKey(f.documentKey, f.revision, 'attach');
    const options = { headers: { 'Content-Type': 'application/pdf' } };
    if (f.docType === 'invoice') {
      await this.xero.call(tenant, 'PUT /Invoices/{id}/Attachments', (api, t) => api.createInvoiceAttachmentByFileName(t, f.xeroId, name, pdf, true, key, options));
    } else {
      await this.xero.call(tenant, 'PUT /CreditNotes/{id}/Attachments', (api, t) => api.createCreditNoteAttachmentByFileName(t, f.xeroId, name, pdf, true, key, options));
    }
    this.logger.info('LNB PDF attached', { documentKey: f.documentKey, number: f.number, fileName: name, bytes: pdf.length });
  }

  private async allocate(tenant: Tenant, f: FollowupRow): Promise<void> {
    const invoiceNumber = String(f.data.invoiceNumber);
    const invoice = (await findByNumbers(this.xero, tenant, 'invoice', [invoiceNumber])).get(invoiceNumber.toUpperCase());
    if (!invoice) throw new NotYet(`invoice ${invoiceNumber} is not in Xero`);
    const cnItem = (await this.xero.call(tenant, 'GET /CreditNotes/{id}', (api, t) => api.getCreditNote(t, f.xeroId))).creditNotes?.[0];
    if (!cnItem) throw new Error(`credit note ${f.number} could not be read back from Xero`);
    const credit = factsOf(cnItem);
    if (credit.outstanding <= 0) {
      this.logger.info('credit note already fully allocated', { documentKey: f.documentKey, number: f.number });
      return;
    }
    if (credit.status !== 'AUTHORISED') throw new Final(`the credit note is ${credit.status} in Xero; only an approved credit note can be allocated`);
    if (invoice.status === 'PAID' || (invoice.status === 'AUTHORISED' && invoice.outstanding <= 0)) throw new Final(`invoice ${invoiceNumber} has already been paid off; the credit is left on the customer's account`);
    if (invoice.status !== 'AUTHORISED') throw new Final(`invoice ${invoiceNumber} is ${invoice.status} in Xero; only an approved invoice can take an allocation`);
    if (credit.contactId && invoice.contactId && credit.contactId !== invoice.contactId) throw new Final(`invoice ${invoiceNumber} belongs to another contact`);
    const amount = allocationAmount(credit.outstanding, invoice.outstanding);
    const cnDate = typeof f.data.date === 'string' ? f.data.date : undefined;
    // Dated when the credit was issued, but never before the invoice it pays.
    const date = [cnDate, invoice.date].filter((d): d is string => !!d).sort().pop() ?? new Date().toISOString().slice(0, 10);
    const key = idempotencyKey(f.documentKey, `${f.revision}:${invoice.xeroId}:${amount}`, 'allocate');
    const body = await this.xero.call(tenant, 'PUT /CreditNotes/{id}/Allocations', (api, t) =>
      api.createCreditNoteAllocation(t, f.xeroId, { allocations: [{ invoice: { invoiceID: invoice.xeroId }, amount, date }] }, false, key));
    const item = body.allocations?.[0];
    const errors = (item?.validationErrors ?? []).map((v) => v.message ?? '').filter(Boolean);
    if (!item || item.statusAttributeString === 'ERROR' || errors.length) throw new Final(errors.join(' ') || 'Xero refused the allocation');
    this.logger.info('credit note allocated', { documentKey: f.documentKey, number: f.number, invoiceNumber, amount });
  }
}
