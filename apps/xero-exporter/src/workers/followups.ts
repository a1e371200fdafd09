// Work that follows an export, one call or so each: the LNB PDF attached to the Xero document (a
// failure is a warning, never a failed export). A credit note's allocation is a step of its own
// (allocations.ts).
import { backoffDelayMs } from '@lnbx/contracts';
import { JsonLogger } from '@lnbx/platform';
import { Inject, Injectable } from '@nestjs/common';
import type { ClientBase } from 'pg';
import { pdfFileName } from '../domain/documents';
import { idempotencyKey } from '../domain/idempotency';
import { ExporterMetrics } from '../metrics';
import { ExporterStore, type FollowupRow } from '../store/exporter-store';
import { ConnectionLostError, type Loss, XeroCallError } from '../xero/errors';
import { type Tenant, XeroApi } from '../xero/xero-api';

export const FOLLOWUP_OPTIONS = Symbol('FollowupOptions');

export interface FollowupOptions {
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  pdfTimeoutMs: number;
}

const MAX_PDF_BYTES = 10 * 1024 * 1024;
const ATTACH_ATTEMPTS = 3;

/** A problem that ends the follow-up now (no retry can help). */
class Final extends Error {}

@Injectable()
export class FollowupRunner {
  private readonly logger: JsonLogger;

  constructor(
    private readonly store: ExporterStore,
    private readonly xero: XeroApi,
    private readonly metrics: ExporterMetrics,
    @Inject(FOLLOWUP_OPTIONS) private readonly o: FollowupOptions,
    logger: JsonLogger,
  ) {
    this.logger = logger.child({ component: 'exporter' });
  }

  /** Runs one follow-up in `tx`; says why when the connection turned out lost. */
  async run(tx: ClientBase, tenant: Tenant, f: FollowupRow): Promise<{ lost?: Loss }> {
    try {
      await this.attach(tenant, f);
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
      if (err instanceof Final || attempts >= ATTACH_ATTEMPTS) {
        await this.giveUp(tx, tenant, f, message, attempts);
      } else {
        await this.store.retryFollowup(tx, f.id, attempts, backoffDelayMs(attempts, { baseDelayMs: this.o.retryBaseMs, maxDelayMs: this.o.retryMaxMs }));
      }
      return {};
    }
  }

  private async giveUp(tx: ClientBase, tenant: Tenant, f: FollowupRow, message: string, attempts: number): Promise<void> {
    await this.store.deleteFollowup(tx, f.id);
    this.metrics.attachmentsFailed.inc({ connection: tenant.connectionId, type: f.docType });
    this.logger.warn('the LNB PDF could not be attached; the document stays exported without it', {
      documentKey: f.documentKey,
      number: f.number,
      reason: message,
      attempts,
    });
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
      await this.xero.call(tenant, 'PUT /Invoices/{id}/Attachments', (api, t) =>
        api.createInvoiceAttachmentByFileName(t, f.xeroId, name, pdf, true, key, options),
      );
    } else {
      await this.xero.call(tenant, 'PUT /CreditNotes/{id}/Attachments', (api, t) =>
        api.createCreditNoteAttachmentByFileName(t, f.xeroId, name, pdf, true, key, options),
      );
    }
    this.logger.info('LNB PDF attached', { documentKey: f.documentKey, number: f.number, fileName: name, bytes: pdf.length });
  }
}
