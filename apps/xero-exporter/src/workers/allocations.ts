// Credit notes' allocations to their invoices, looked at in small groups per organisation: two look-ups
// (the credit notes by id, the invoices by number) and one call per allocation that is ready. What
// becomes of each is decided in domain/allocation.ts; this carries it out and says so (an event only
// when what is said changes, so a re-check that finds nothing new stays quiet).
import { backoffDelayMs } from '@lnbx/contracts';
import { JsonLogger } from '@lnbx/platform';
import { Inject, Injectable } from '@nestjs/common';
import type { ClientBase } from 'pg';
import { type AllocationDecision, type CreditFacts, decideAllocation, refusal, waiting } from '../domain/allocation';
import type { DocumentCommand, DocumentState } from '../domain/document-lifecycle';
import type { XeroFacts } from '../domain/documents';
import { idempotencyKey } from '../domain/idempotency';
import { DocumentLifecycleStore } from '../store/document-lifecycle-store';
import { type AllocationRow, ExporterStore } from '../store/exporter-store';
import { ConnectionLostError, type Loss, XeroCallError } from '../xero/errors';
import { findByNumbers, findCreditNotes } from '../xero/lookups';
import { type Tenant, XeroApi } from '../xero/xero-api';

export const ALLOCATION_OPTIONS = Symbol('AllocationOptions');

export interface AllocationOptions {
  /** Allocations looked at in one unit (two look-up calls cover up to 25). */
  batchSize: number;
  /** A waiting allocation is looked at again after this, doubling per look up to the maximum. */
  recheckBaseMs: number;
  recheckMaxMs: number;
  /** When Xero did not answer: the exporter's ordinary retry delays. */
  retryBaseMs: number;
  retryMaxMs: number;
}

export interface AllocationReport {
  lost?: Loss;
  /** Calls made to Xero: what the unit took from the organisation's allocation budget. */
  calls: number;
  outcomes: AllocationDecision['kind'][];
}

const today = (): string => new Date().toISOString().slice(0, 10);

@Injectable()
export class AllocationRunner {
  private readonly logger: JsonLogger;

  constructor(
    private readonly store: ExporterStore,
    private readonly lifecycle: DocumentLifecycleStore,
    private readonly xero: XeroApi,
    @Inject(ALLOCATION_OPTIONS) private readonly o: AllocationOptions,
    logger: JsonLogger,
  ) {
    this.logger = logger.child({ component: 'exporter' });
  }

  /**
   * Looks at `rows` (claimed in `tx`) and records what became of each, in `tx`: what is said of it decided on
   * the credit note's stream (held from the start, so nothing else appends meanwhile), its row's state
   * projected from it, and when it is looked at next.
   */
  async run(tx: ClientBase, tenant: Tenant, rows: AllocationRow[]): Promise<AllocationReport> {
    const report: AllocationReport = { calls: 0, outcomes: [] };
    const keys = rows.map((r) => r.documentKey);
    await this.lifecycle.lock(tx, keys);
    const states = await this.lifecycle.load(tx, keys);
    const done = await this.look(tx, tenant, rows, states, report);
    await this.lifecycle.project(tx, states);
    return done;
  }

  private async look(
    tx: ClientBase,
    tenant: Tenant,
    rows: AllocationRow[],
    states: Map<string, DocumentState>,
    report: AllocationReport,
  ): Promise<AllocationReport> {
    let credits: Map<string, CreditFacts>;
    let invoices: Map<string, XeroFacts>;
    try {
      report.calls++;
      credits = await findCreditNotes(
        this.xero,
        tenant,
        rows.map((r) => r.creditNoteXeroId),
      );
      report.calls++;
      invoices = await findByNumbers(
        this.xero,
        tenant,
        'invoice',
        rows.map((r) => r.invoiceNumber),
      );
    } catch (err) {
      return { ...report, ...(await this.unanswered(tx, rows, states, err)) };
    }
    for (const [i, row] of rows.entries()) {
      const decision = decideAllocation(
        { creditNoteNumber: row.creditNoteNumber, invoiceNumber: row.invoiceNumber, date: row.creditNoteDate ?? undefined },
        credits.get(row.creditNoteXeroId.toLowerCase()),
        invoices.get(row.invoiceNumber.toUpperCase()),
        today(),
      );
      try {
        if (decision.kind === 'allocate') report.calls++;
        report.outcomes.push(await this.carryOut(tx, tenant, row, states, decision));
      } catch (err) {
        return { ...report, ...(await this.unanswered(tx, rows.slice(i), states, err)) };
      }
    }
    return report;
  }

  private async carryOut(
    tx: ClientBase,
    tenant: Tenant,
    row: AllocationRow,
    states: Map<string, DocumentState>,
    decision: AllocationDecision,
  ): Promise<AllocationDecision['kind']> {
    const subject = { creditNoteNumber: row.creditNoteNumber, invoiceNumber: row.invoiceNumber };
    const at = new Date().toISOString();
    const checked = (delayMs: number) => this.store.scheduleAllocation(tx, row.documentKey, row.checks + 1, delayMs);
    switch (decision.kind) {
      case 'allocate': {
        const refused = await this.allocate(tenant, row, decision);
        if (refused) return this.carryOut(tx, tenant, row, states, refusal(subject, refused));
        await this.say(tx, row, states, {
          type: 'RecordAllocation',
          message: decision.message,
          invoiceXeroId: decision.invoice.xeroId,
          amount: decision.amount,
          currency: currencyOf(decision.currency, decision.invoice),
          remainingCredit: decision.remainingCredit,
          outcome: 'allocated',
          at,
        });
        await checked(0);
        this.logger.info('credit note allocated', {
          documentKey: row.documentKey,
          number: row.creditNoteNumber,
          invoiceNumber: row.invoiceNumber,
          amount: decision.amount,
        });
        return decision.kind;
      }
      case 'done':
        await this.say(tx, row, states, {
          type: 'RecordAllocation',
          message: decision.message,
          invoiceXeroId: decision.invoice.xeroId,
          amount: decision.amount,
          currency: currencyOf(decision.currency, decision.invoice),
          remainingCredit: decision.remainingCredit,
          outcome: 'already_allocated',
          at,
        });
        await checked(0);
        return decision.kind;
      case 'wait':
        await this.wait(tx, row, states, decision, backoffDelayMs(row.checks + 1, { baseDelayMs: this.o.recheckBaseMs, maxDelayMs: this.o.recheckMaxMs }));
        return decision.kind;
      case 'not_possible':
        await this.say(tx, row, states, { type: 'LeaveUnallocated', message: decision.message, code: decision.code, at });
        await checked(0);
        this.logger.warn('credit note left unallocated', { documentKey: row.documentKey, number: row.creditNoteNumber, code: decision.code });
        return decision.kind;
      default: {
        const never: never = decision;
        throw new Error(`unhandled allocation decision ${JSON.stringify(never)}`);
      }
    }
  }

  /** Sends the allocation; returns Xero's words when it refused it. */
  private async allocate(tenant: Tenant, row: AllocationRow, d: Extract<AllocationDecision, { kind: 'allocate' }>): Promise<string | undefined> {
    // The same allocation asked twice (a lost answer) replays Xero's first answer rather than allocating twice.
    const key = idempotencyKey(row.documentKey, `${row.revision}:${d.invoice.xeroId}:${d.amount}`, 'allocate');
    let body;
    try {
      body = await this.xero.call(tenant, 'PUT /CreditNotes/{id}/Allocations', (api, t) =>
        api.createCreditNoteAllocation(
          t,
          row.creditNoteXeroId,
          { allocations: [{ invoice: { invoiceID: d.invoice.xeroId }, amount: d.amount, date: d.date }] },
          false,
          key,
        ),
      );
    } catch (err) {
      if (err instanceof XeroCallError && err.kind === 'rejected') return err.message;
      throw err;
    }
    const item = body.allocations?.[0];
    const errors = (item?.validationErrors ?? []).map((v) => v.message ?? '').filter(Boolean);
    if (!item || item.statusAttributeString === 'ERROR' || errors.length) return errors.join(' ') || 'no reason given';
    return undefined;
  }

  /** Waits; said (CreditNoteAllocationDeferred) only when what is said of it changes, which its stream decides. */
  private async wait(
    tx: ClientBase,
    row: AllocationRow,
    states: Map<string, DocumentState>,
    d: Extract<AllocationDecision, { kind: 'wait' }>,
    delayMs: number,
  ): Promise<void> {
    await this.say(tx, row, states, {
      type: 'DeferAllocation',
      message: d.message,
      waitingFor: d.waitingFor,
      nextCheckAt: new Date(Date.now() + delayMs).toISOString(),
      at: new Date().toISOString(),
    });
    await this.store.scheduleAllocation(tx, row.documentKey, row.checks + 1, delayMs);
  }

  /** Decides `command` on the credit note's stream and appends it; its row is projected when the unit ends. */
  private async say(tx: ClientBase, row: AllocationRow, states: Map<string, DocumentState>, command: DocumentCommand): Promise<void> {
    const { state, refusal } = await this.lifecycle.decide(tx, row.documentKey, states.get(row.documentKey)!, command);
    if (refusal) throw new Error(`${row.documentKey}: ${refusal.code}: ${refusal.message}`);
    states.set(row.documentKey, state);
  }

  /**
   * Xero did not answer (or asked us to slow down, or the connection is gone): the allocations wait. The
   * first time one has anything said of it, that is said; after that a missed answer stays quiet.
   */
  private async unanswered(tx: ClientBase, rows: AllocationRow[], states: Map<string, DocumentState>, err: unknown): Promise<{ lost?: Loss }> {
    if (err instanceof ConnectionLostError) return { lost: { reason: err.reason, code: err.code } };
    if (!(err instanceof XeroCallError)) throw err;
    if (err.kind === 'rate_limited') {
      await this.store.postponeAllocations(
        tx,
        rows.map((r) => r.documentKey),
        err.retryAfterMs ?? 1000,
      );
      return {};
    }
    this.logger.warn('allocation check got no answer from Xero; will look again', { reason: err.message, allocations: rows.length });
    for (const row of rows) {
      const delayMs = backoffDelayMs(row.checks + 1, { baseDelayMs: this.o.retryBaseMs, maxDelayMs: this.o.retryMaxMs });
      if (states.get(row.documentKey)?.allocation?.message === null) {
        await this.wait(tx, row, states, waiting(row, ['xero_answer']), delayMs);
      } else {
        await this.store.scheduleAllocation(tx, row.documentKey, row.checks + 1, delayMs);
      }
    }
    return {};
  }
}

/** Xero always names a document's currency; "XXX" (no currency) only if neither answer did. */
const currencyOf = (credit: string, invoice: XeroFacts): string => credit || invoice.currency || 'XXX';
