// One unit of sending: a claimed batch of documents of one type for one organisation, taken to an
// outcome each. Never a duplicate: a document with a Xero id is never created again, a document whose
// last create may have landed is looked up by number first (the marker is committed before sending),
// every request carries an Idempotency-Key derived from the revisions it holds, and "Invoice # must be
// unique." links the document that is already there.
import { backoffDelayMs, type DocumentExported, type DocumentType, type ErrorCode, type Problem } from '@lnbx/contracts';
import { JsonLogger } from '@lnbx/platform';
import { Inject, Injectable } from '@nestjs/common';
import type { ClientBase } from 'pg';
import type { CreditNote, Invoice } from 'xero-node';
import { chunk, unitdpOf } from '../domain/batching';
import { type ChangePolicy, decideChange, deepLink, readItem, toXeroItem, type XeroFacts, type XeroItem } from '../domain/documents';
import { batchIdempotencyKey, idempotencyKey } from '../domain/idempotency';
import type { DocumentCommand, DocumentState, InXero } from '../domain/document-lifecycle';
import { problem } from '../domain/events';
import { CODES, isDuplicateNumber, validationProblems } from '../domain/xero-errors';
import { DocumentLifecycleStore, type PendingAppends } from '../store/document-lifecycle-store';
import { ExporterStore, type PendingRow, type Transact, TRANSACT } from '../store/exporter-store';
import { ConnectionLostError, type Loss, XeroCallError } from '../xero/errors';
import { findByIds, findByNumbers } from '../xero/lookups';
import { type Tenant, XeroApi } from '../xero/xero-api';
import { ContactResolver } from './contact-resolver';

export const BATCH_OPTIONS = Symbol('BatchExporterOptions');

export interface BatchExporterOptions {
  batchSize: number;
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  changedAfterExport: ChangePolicy;
  attachPdf: boolean;
}

export interface ActiveTenant extends Tenant {
  shortCode?: string;
}

type Outcome = DocumentExported.Value['outcome'];

type Decision =
  | { kind: 'exported'; facts: XeroFacts; outcome: Outcome }
  | { kind: 'failed'; problems: Problem[]; retriable: boolean }
  /** Try again later; `attempt`: counts against XERO_MAX_ATTEMPTS (a 429 does not). */
  | { kind: 'retry'; code: ErrorCode; reason: string; attempt: boolean; delayMs?: number }
  /** The connection is lost: the document waits, unchanged, for a reconnection. */
  | { kind: 'wait'; reason: string };

/** What a unit did, for the metrics (counted once the transaction committed) and the connection. */
export interface UnitReport {
  lost?: Loss;
  exported: { type: DocumentType; outcome: Outcome }[];
  failed: { type: DocumentType; codes: string[] }[];
}

const json = (v: unknown): number => Buffer.byteLength(JSON.stringify(v));

@Injectable()
export class BatchExporter {
  private readonly logger: JsonLogger;

  constructor(
    private readonly store: ExporterStore,
    private readonly lifecycle: DocumentLifecycleStore,
    /** Not the unit's transaction: the look-first marker must be committed before the create is sent. */
    @Inject(TRANSACT) private readonly transact: Transact,
    private readonly xero: XeroApi,
    private readonly contacts: ContactResolver,
    @Inject(BATCH_OPTIONS) private readonly o: BatchExporterOptions,
    logger: JsonLogger,
  ) {
    this.logger = logger.child({ component: 'exporter' });
  }

  async run(tx: ClientBase, tenant: ActiveTenant, rows: PendingRow[]): Promise<UnitReport> {
    const decisions = new Map<string, Decision>();
    /** Documents known not to be in Xero unless this unit's answer says so: their look-first marker can go. */
    const clearable = new Set<string>();
    let lost: Loss | undefined;
    try {
      await this.decide(tx, tenant, rows, decisions, clearable);
    } catch (err) {
      const undecided = rows.filter((r) => !decisions.has(r.documentKey));
      if (err instanceof ConnectionLostError) {
        lost = { reason: err.reason, code: err.code };
        for (const r of undecided) decisions.set(r.documentKey, { kind: 'wait', reason: err.reason });
      } else if (err instanceof XeroCallError) {
        for (const r of undecided) decisions.set(r.documentKey, this.retryFor(err));
      } else {
        this.logger.error('export unit failed', { err, documents: undecided.length });
        for (const r of undecided) decisions.set(r.documentKey, { kind: 'retry', code: CODES.unavailable, reason: (err as Error).message, attempt: true });
      }
    }
    const report = await this.write(tx, tenant, rows, decisions, clearable);
    return { ...report, lost };
  }

  private retryFor(err: XeroCallError): Decision {
    switch (err.kind) {
      case 'rate_limited':
        return { kind: 'retry', code: CODES.rateLimited, reason: err.message, attempt: false, delayMs: err.retryAfterMs };
      case 'forbidden':
        return {
          kind: 'failed',
          retriable: false,
          problems: [problem(CODES.forbidden, `Xero refused the request: the app lacks a permission for this organisation (${err.message}).`)],
        };
      default:
        return { kind: 'retry', code: CODES.unavailable, reason: err.message, attempt: true };
    }
  }

  private async decide(tx: ClientBase, tenant: ActiveTenant, rows: PendingRow[], decisions: Map<string, Decision>, clearable: Set<string>): Promise<void> {
    const type = rows[0].docType;
    // Read without the documents' lock: their pending rows, held by this unit, keep every other export of them out.
    const docs = await this.lifecycle.load(
      tx,
      rows.map((r) => r.documentKey),
    );
    const stateOf = (r: PendingRow): DocumentState => docs.get(r.documentKey)!;
    for (const r of rows) if (!stateOf(r).needsLookup) clearable.add(r.documentKey);
    let creates: PendingRow[] = [];
    const updates: PendingRow[] = [];
    for (const r of rows) {
      const x = stateOf(r).inXero;
      if (x && x.revision === r.revision) decisions.set(r.documentKey, { kind: 'exported', facts: storedFacts(x), outcome: 'already_present' });
      else if (x) updates.push(r);
      else creates.push(r);
    }

    // Layer 3: a create whose answer was lost (or a crash mid-send) may have landed: look first.
    const unsure = creates.filter((r) => stateOf(r).needsLookup);
    if (unsure.length) {
      const found = await findByNumbers(
        this.xero,
        tenant,
        type,
        unsure.map((r) => r.value.xero.number),
      );
      for (const r of unsure) {
        const hit = found.get(r.value.xero.number.toUpperCase());
        if (hit) decisions.set(r.documentKey, this.linked(hit));
        else clearable.add(r.documentKey);
      }
      creates = creates.filter((r) => !decisions.has(r.documentKey));
    }

    const needContacts = [...creates, ...updates];
    const contactIds = new Map<string, string>();
    if (needContacts.length) {
      const resolved = await this.contacts.resolve(
        tenant,
        needContacts.map((r) => r.value.contact),
      );
      for (const r of needContacts) {
        const c = resolved.get(r.value.contact.contactNumber);
        if (c && 'contactId' in c) contactIds.set(r.documentKey, c.contactId);
        else
          decisions.set(r.documentKey, {
            kind: 'failed',
            retriable: false,
            problems: c?.problems ?? [problem(CODES.contact, 'The Xero contact could not be found or created.')],
          });
      }
    }
    const ready = (list: PendingRow[]) => list.filter((r) => !decisions.has(r.documentKey));

    if (ready(updates).length) await this.sendUpdates(tenant, type, ready(updates), docs, contactIds, decisions);
    const toCreate = ready(creates);
    if (toCreate.length) {
      await this.markForLookup(toCreate.filter((r) => !stateOf(r).needsLookup));
      for (const r of toCreate) clearable.delete(r.documentKey);
      for (const part of chunk(toCreate, this.o.batchSize, (r) => json(r.value.xero))) {
        await this.create(tenant, type, part, contactIds, decisions, clearable);
      }
    }
  }

  /**
   * The look-first marker, committed on its own before the create is sent: after a lost answer, a timeout
   * or a crash, the number is looked up before anything is sent again. The lifecycle refuses it for a
   * document Xero holds (never created twice): then nothing is sent, and the unit is tried again.
   */
  private async markForLookup(rows: PendingRow[]): Promise<void> {
    if (!rows.length) return;
    const keys = rows.map((r) => r.documentKey);
    await this.transact(async (mtx) => {
      await this.lifecycle.lock(mtx, keys);
      const states = await this.lifecycle.load(mtx, keys);
      const at = new Date().toISOString();
      for (const r of rows) {
        const { state, refusal } = await this.lifecycle.decide(mtx, r.documentKey, states.get(r.documentKey)!, {
          type: 'MarkForLookup',
          revision: r.revision,
          at,
        });
        if (refusal) throw new Error(`${r.documentKey}: ${refusal.code}: ${refusal.message}`);
        states.set(r.documentKey, state);
      }
      await this.lifecycle.project(mtx, states);
    });
  }

  private linked(f: XeroFacts): Decision {
    if (f.status === 'VOIDED') {
      return {
        kind: 'failed',
        retriable: false,
        problems: [problem(CODES.duplicateNumber, `${f.number} is already in Xero, VOIDED: it was not created again.`)],
      };
    }
    return { kind: 'exported', facts: f, outcome: 'already_present' };
  }

  private async create(
    tenant: ActiveTenant,
    type: DocumentType,
    rows: PendingRow[],
    contactIds: Map<string, string>,
    decisions: Map<string, Decision>,
    clearable: Set<string>,
  ): Promise<void> {
    const items = rows.map((r) => toXeroItem(r.value.xero, contactIds.get(r.documentKey)!));
    const key = batchIdempotencyKey(rows.map((r) => idempotencyKey(r.documentKey, r.revision)));
    const unitdp = unitdpOf(rows.map((r) => r.value.xero));
    let answer: XeroItem[];
    try {
      answer =
        type === 'invoice'
          ? ((await this.xero.call(tenant, 'PUT /Invoices', (api, t) => api.createInvoices(t, { invoices: items as Invoice[] }, false, unitdp, key)))
              .invoices ?? [])
          : ((
              await this.xero.call(tenant, 'PUT /CreditNotes', (api, t) => api.createCreditNotes(t, { creditNotes: items as CreditNote[] }, false, unitdp, key))
            ).creditNotes ?? []);
    } catch (err) {
      if (err instanceof XeroCallError && (err.kind === 'rejected' || err.kind === 'rate_limited')) {
        // Refused whole: nothing of it was stored.
        for (const r of rows) clearable.add(r.documentKey);
      }
      if (err instanceof XeroCallError && err.kind === 'rejected') {
        if (rows.length > 1) {
          // Xero refused the request as a whole (no item answers): halve it until the culprit stands alone.
          const mid = Math.ceil(rows.length / 2);
          await this.create(tenant, type, rows.slice(0, mid), contactIds, decisions, clearable);
          await this.create(tenant, type, rows.slice(mid), contactIds, decisions, clearable);
          return;
        }
        decisions.set(rows[0].documentKey, { kind: 'failed', retriable: false, problems: validationProblems([err.message]) });
        return;
      }
      throw err;
    }
    // Every item answered for itself: each document is now either in Xero (and linked) or refused.
    for (const r of rows) clearable.add(r.documentKey);
    const byNumber = new Map(answer.map((item) => [numberOf(item).toUpperCase(), item]));
    const duplicates: PendingRow[] = [];
    rows.forEach((r, i) => {
      const wanted = r.value.xero.number.toUpperCase();
      const item = numberOf(answer[i]).toUpperCase() === wanted ? answer[i] : byNumber.get(wanted);
      const outcome = readItem(item);
      if (outcome.ok) decisions.set(r.documentKey, { kind: 'exported', facts: outcome.facts, outcome: 'created' });
      else if (outcome.messages.some(isDuplicateNumber)) duplicates.push(r);
      else decisions.set(r.documentKey, { kind: 'failed', retriable: false, problems: validationProblems(outcome.messages) });
    });
    if (duplicates.length) {
      const found = await findByNumbers(
        this.xero,
        tenant,
        type,
        duplicates.map((r) => r.value.xero.number),
      );
      for (const r of duplicates) {
        const hit = found.get(r.value.xero.number.toUpperCase());
        decisions.set(
          r.documentKey,
          hit
            ? this.linked(hit)
            : {
                kind: 'failed',
                retriable: false,
                problems: [problem(CODES.duplicateNumber, `Xero says ${r.value.xero.number} is already used, but no such document could be found to link.`)],
              },
        );
      }
    }
  }

  private async sendUpdates(
    tenant: ActiveTenant,
    type: DocumentType,
    rows: PendingRow[],
    docs: Map<string, DocumentState>,
    contactIds: Map<string, string>,
    decisions: Map<string, Decision>,
  ): Promise<void> {
    const changed = (r: PendingRow, reason: string): void => {
      decisions.set(r.documentKey, { kind: 'failed', retriable: false, problems: [problem(CODES.changedAfterExport, reason)] });
    };
    if (this.o.changedAfterExport === 'report') {
      for (const r of rows) {
        const d = decideChange('report', { status: docs.get(r.documentKey)?.inXero?.status ?? '', settled: 0, number: r.value.xero.number });
        if (!d.send) changed(r, d.reason);
      }
      return;
    }
    const xeroIdOf = (r: PendingRow): string => docs.get(r.documentKey)!.inXero!.xeroId;
    const current = await findByIds(this.xero, tenant, type, rows.map(xeroIdOf));
    const send: PendingRow[] = [];
    for (const r of rows) {
      const facts = current.get(xeroIdOf(r).toLowerCase());
      if (!facts) {
        changed(r, `${r.value.xero.number} changed in Le New Black after export, but it is no longer in Xero.`);
        continue;
      }
      const d = decideChange('update', facts);
      if (d.send) send.push(r);
      else changed(r, d.reason);
    }
    if (!send.length) return;
    const items = send.map((r) => toXeroItem(r.value.xero, contactIds.get(r.documentKey)!, xeroIdOf(r)));
    const key = batchIdempotencyKey(send.map((r) => idempotencyKey(r.documentKey, r.revision, 'update')));
    const unitdp = unitdpOf(send.map((r) => r.value.xero));
    const answer: XeroItem[] =
      type === 'invoice'
        ? ((await this.xero.call(tenant, 'POST /Invoices', (api, t) => api.updateOrCreateInvoices(t, { invoices: items as Invoice[] }, false, unitdp, key)))
            .invoices ?? [])
        : ((
            await this.xero.call(tenant, 'POST /CreditNotes', (api, t) =>
              api.updateOrCreateCreditNotes(t, { creditNotes: items as CreditNote[] }, false, unitdp, key),
            )
          ).creditNotes ?? []);
    send.forEach((r, i) => {
      const outcome = readItem(answer[i]);
      decisions.set(
        r.documentKey,
        outcome.ok
          ? { kind: 'exported', facts: outcome.facts, outcome: 'updated' }
          : { kind: 'failed', retriable: false, problems: validationProblems(outcome.messages) },
      );
    });
  }

  /**
   * The unit's outcomes, each decided on the document's stream as it is now (held until commit) and
   * appended there; the documents' rows projected from the states after them; all in the unit's transaction.
   */
  private async write(
    tx: ClientBase,
    tenant: ActiveTenant,
    rows: PendingRow[],
    decisions: Map<string, Decision>,
    clearable: Set<string>,
  ): Promise<Omit<UnitReport, 'lost'>> {
    const report: Omit<UnitReport, 'lost'> = { exported: [], failed: [] };
    const settled: string[] = [];
    const keys = rows.map((r) => r.documentKey);
    await this.lifecycle.lock(tx, keys);
    const states = await this.lifecycle.load(tx, keys);
    const changed = new Map<string, DocumentState>();
    // The unit's decisions, appended together once all are taken.
    const later: PendingAppends = new Map();
    const at = new Date().toISOString();
    const decide = async (r: PendingRow, command: DocumentCommand): Promise<DocumentState> => {
      const { state, refusal } = this.lifecycle.decideLater(later, r.documentKey, changed.get(r.documentKey) ?? states.get(r.documentKey)!, command);
      if (refusal) throw new Error(`${r.documentKey}: ${refusal.code}: ${refusal.message}`);
      changed.set(r.documentKey, state);
      return state;
    };
    const fail = async (r: PendingRow, problems: Problem[], retriable: boolean, attempt: number) => {
      settled.push(r.documentKey);
      await decide(r, { type: 'RecordFailure', ref: r, problems, retriable, attempt, at });
      report.failed.push({ type: r.docType, codes: problems.map((p) => p.code) });
    };
    const allocateAfresh: string[] = [];
    for (const r of rows) {
      const d: Decision = decisions.get(r.documentKey) ?? { kind: 'retry', code: CODES.unavailable, reason: 'no outcome', attempt: true };
      if (clearable.has(r.documentKey) && d.kind !== 'exported') await decide(r, { type: 'ClearLookup', revision: r.revision, at });
      switch (d.kind) {
        case 'exported': {
          const number = d.facts.number || r.value.xero.number;
          const allocateTo =
            r.docType === 'credit_note' && r.value.allocateToInvoiceNumber
              ? { invoiceNumber: r.value.allocateToInvoiceNumber, creditNoteDate: r.value.xero.date }
              : undefined;
          const state = await decide(r, {
            type: 'RecordExport',
            ref: r,
            outcome: d.outcome,
            allocateTo,
            at,
            facts: {
              xeroTenantId: tenant.xeroTenantId,
              xeroId: d.facts.xeroId,
              number,
              status: d.facts.status,
              url: deepLink(r.docType, d.facts.xeroId, tenant.shortCode),
              subTotal: d.facts.subTotal,
              totalTax: d.facts.totalTax,
              total: d.facts.total,
            },
          });
          if (allocateTo && state.allocation?.state === 'waiting') allocateAfresh.push(r.documentKey);
          settled.push(r.documentKey);
          await this.followups(tx, r, d.facts.xeroId, number);
          report.exported.push({ type: r.docType, outcome: d.outcome });
          break;
        }
        case 'failed':
          // A contact Xero refused (archived or deleted since we cached it) is looked up afresh next time.
          if (d.problems.some((p) => p.code === CODES.contact)) await this.store.forgetContacts(tx, tenant.xeroTenantId, [r.value.contact.contactNumber]);
          await fail(r, d.problems, d.retriable, r.attempts + 1);
          break;
        case 'retry': {
          const attempts = d.attempt ? r.attempts + 1 : r.attempts;
          if (d.attempt && attempts >= this.o.maxAttempts) {
            await fail(r, [problem(d.code, `${d.reason} (gave up after ${attempts} attempts; a retry of the document is safe)`)], true, attempts);
          } else {
            const delay = d.delayMs ?? backoffDelayMs(Math.max(1, attempts), { baseDelayMs: this.o.retryBaseMs, maxDelayMs: this.o.retryMaxMs });
            await this.store.reschedule(tx, r.documentKey, attempts, delay, `${d.code}: ${d.reason}`);
          }
          break;
        }
        case 'wait':
          await this.store.reschedule(tx, r.documentKey, r.attempts, 0, `${CODES.connectionLost}: ${d.reason}`);
          break;
        default: {
          const never: never = d;
          throw new Error(`unhandled decision ${JSON.stringify(never)}`);
        }
      }
    }
    await this.lifecycle.appendAll(tx, later);
    await this.lifecycle.project(tx, changed);
    // A credit note's allocation asked for afresh is looked at at once (its row now exists, projected).
    for (const key of allocateAfresh) await this.store.allocationDueAfresh(tx, key);
    await this.store.deletePending(tx, settled);
    return report;
  }

  private async followups(tx: ClientBase, r: PendingRow, xeroId: string, number: string): Promise<void> {
    if (this.o.attachPdf && r.value.pdfUrl) {
      await this.store.addFollowup(tx, {
        documentKey: r.documentKey,
        connectionId: r.connectionId,
        docType: r.docType,
        revision: r.revision,
        runId: r.runId,
        correlationId: r.correlationId,
        causationId: r.causationId,
        xeroId,
        number,
        kind: 'attach',
        data: { pdfUrl: r.value.pdfUrl },
      });
    }
    // A credit note waiting for this invoice to reach Xero looks again now rather than at its next check.
    if (r.docType === 'invoice') await this.store.allocationsForInvoiceDue(tx, r.connectionId, [number]);
  }
}

const numberOf = (item: XeroItem | undefined): string =>
  (item as Invoice | undefined)?.invoiceNumber ?? (item as CreditNote | undefined)?.creditNoteNumber ?? '';

function storedFacts(x: InXero): XeroFacts {
  return { xeroId: x.xeroId, number: x.number, status: x.status ?? '', subTotal: x.subTotal, totalTax: x.totalTax, total: x.total, outstanding: 0, settled: 0 };
}
