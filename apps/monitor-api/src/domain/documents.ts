// A document's current state (export runs only: a preview changes nothing) and its state within one
// run. Its events come from three services on six topics, so the monitor may see them out of order:
// within one run and revision the later stage wins; across runs the later event wins.
// A credit note's allocation to its invoice is a step of its own after the export, on three more
// topics: it never moves the lifecycle state (a credit note in Xero stays exported, whatever its allocation).
import {
  assertNever,
  flowOfDocumentType,
  parseDocumentKey,
  type AllocationWait,
  type DocumentExported,
  type DocumentType,
  type Flow,
  type Problem,
  type RunMode,
  type XeroContact,
  type XeroDocument,
} from '@lnbx/contracts';
import type { AllocationEvent, DocumentEvent } from './events';

export const DOCUMENT_STATES = ['detected', 'mapped', 'rejected', 'exported', 'failed'] as const;
export type DocumentState = (typeof DOCUMENT_STATES)[number];
/** What the API filters on: the lifecycle states, plus held (on the flow's hold-back list). */
export const DOCUMENT_FILTER_STATES = [...DOCUMENT_STATES, 'held'] as const;
export type DocumentFilterState = (typeof DOCUMENT_FILTER_STATES)[number];

const STAGE: Record<DocumentState, number> = { detected: 1, mapped: 2, rejected: 2, exported: 3, failed: 3 };

export const ALLOCATION_STATES = ['waiting', 'allocated', 'not_possible'] as const;
export type AllocationState = (typeof ALLOCATION_STATES)[number];

/** Where a credit note's allocation to its invoice stands, as the exporter last said. Waiting is not failing. */
export interface AllocationView {
  state: AllocationState;
  /** The exporter's sentence for a finance person ("Allocation of CN-000002 to INV-000007 waits until ..."). */
  message: string;
  invoiceNumber: string;
  /** What a waiting allocation waits for; empty once it is decided. */
  waitingFor: AllocationWait[];
  /** When the exporter looks again (waiting only). */
  nextCheckAt: string | null;
  /** What was allocated, in `currency` (allocated only). */
  amount: number | null;
  currency: string | null;
  /** Credit left on the credit note, on the customer's account (allocated only). */
  remainingCredit: number | null;
  /** Why it cannot be made, e.g. XERO.ALLOCATION_INVOICE_PAID (not_possible only). */
  code: string | null;
  /** When the exporter said so (the event's occurredAt). */
  at: string;
}

interface Position {
  runId: string;
  revision: string;
  state: DocumentState;
  lastEventAt: string;
}

/** Whether an event (its run, revision, state, time) replaces what `current` shows. */
export function supersedes(current: Position | null, next: Position): boolean {
  if (!current) return true;
  if (current.runId === next.runId && current.revision === next.revision) {
    const a = STAGE[current.state];
    const b = STAGE[next.state];
    return b > a || (b === a && next.lastEventAt >= current.lastEventAt);
  }
  return next.lastEventAt >= current.lastEventAt;
}

export interface DocumentView extends Position {
  documentKey: string;
  connectionId: string;
  type: DocumentType;
  flow: Flow;
  reference: string;
  retailerReference: string | null;
  retailerName: string | null;
  /** The LNB document date (invoice_on), YYYY-MM-DD. */
  documentDate: string | null;
  currency: string | null;
  total: number | null;
  xeroId: string | null;
  xeroNumber: string | null;
  xeroUrl: string | null;
  /** The reasons of the last rejection or failed export; empty once it went through. */
  problems: Problem[];
  /** When the current revision was detected (for detected-to-exported time). */
  detectedAt: string | null;
  exportedAt: string | null;
  /** A credit note's allocation to its invoice; null for invoices and before the exporter says anything of it. */
  allocation: AllocationView | null;
}

export interface RunDocumentView extends Position {
  documentKey: string;
  type: DocumentType;
  reference: string;
  mode: RunMode | null;
  /** What the mapper produced: what was (or, in a preview, would be) sent to Xero. */
  mapped: { xero: XeroDocument; contact: XeroContact; warnings: Problem[]; allocateToInvoiceNumber: string | null } | null;
  problems: Problem[];
  xeroNumber: string | null;
  xeroUrl: string | null;
  /** The allocation as the events of this run's export tell it. */
  allocation: AllocationView | null;
}

/** A view as stored: those written before allocations existed have no `allocation` field, and read as null. */
export function readStoredView<T extends { allocation: AllocationView | null }>(stored: Omit<T, 'allocation'> & { allocation?: AllocationView | null }): T {
  return { ...stored, allocation: stored.allocation ?? null } as T;
}

function stateOf(e: DocumentEvent): DocumentState {
  switch (e.type) {
    case 'InvoiceDetected':
    case 'CreditNoteDetected':
      return 'detected';
    case 'DocumentMapped':
      return 'mapped';
    case 'DocumentRejected':
      return 'rejected';
    case 'DocumentExported':
      return 'exported';
    case 'DocumentExportFailed':
      return 'failed';
    default:
      return assertNever(e);
  }
}

/** What an event says of the outcome: the reasons it failed (none once it went through) and, when exported, where to. */
function outcomeOf(e: DocumentEvent): { problems: Problem[]; exported: DocumentExported.Value | null } {
  switch (e.type) {
    case 'InvoiceDetected':
    case 'CreditNoteDetected':
    case 'DocumentMapped':
      return { problems: [], exported: null };
    case 'DocumentRejected':
    case 'DocumentExportFailed':
      return { problems: e.payload.problems, exported: null };
    case 'DocumentExported':
      return { problems: [], exported: e.payload };
    default:
      return assertNever(e);
  }
}

/** The run mode an event states; the exporter's events carry none (it only ever acts on export runs). */
export const modeOf = (e: DocumentEvent): RunMode | null => ('mode' in e.payload ? e.payload.mode : null);

const positionOf = (e: DocumentEvent): Position => ({
  runId: e.payload.runId || e.correlationId,
  revision: e.payload.revision,
  state: stateOf(e),
  lastEventAt: e.occurredAt,
});

/** The document's new current state, or null when the event does not touch it (a preview run's). */
export function evolveDocument(doc: DocumentView | null, e: DocumentEvent): DocumentView | null {
  if (modeOf(e) === 'preview') return null;
  const p = e.payload;
  const reference = parseDocumentKey(p.documentKey)?.reference ?? p.documentKey;
  const base: DocumentView = doc
    ? readStoredView<DocumentView>(doc)
    : {
        documentKey: p.documentKey,
        connectionId: e.connectionId,
        type: p.documentType,
        flow: flowOfDocumentType(p.documentType),
        reference,
        runId: '',
        revision: '',
        state: 'detected',
        lastEventAt: '',
        retailerReference: null,
        retailerName: null,
        documentDate: null,
        currency: null,
        total: null,
        xeroId: null,
        xeroNumber: null,
        xeroUrl: null,
        problems: [],
        detectedAt: null,
        exportedAt: null,
        allocation: null,
      };
  const pos = positionOf(e);
  const sameRevision = !doc || doc.revision === p.revision;
  let next: DocumentView = base;
  // A late detected event of the current revision still brings what only it knows (retailer, date, totals).
  if ((e.type === 'InvoiceDetected' || e.type === 'CreditNoteDetected') && (sameRevision || supersedes(doc, pos))) {
    const d = e.payload.document;
    next = {
      ...next,
      retailerReference: e.payload.retailer.reference ?? d.retailer_reference ?? null,
      retailerName: e.payload.retailer.name ?? d.retailer_name ?? null,
      documentDate: d.invoice_on && /^\d{4}-\d{2}-\d{2}/.test(d.invoice_on) ? d.invoice_on.slice(0, 10) : null,
      currency: d.currency_code ?? null,
      total: d.amount_total_tax_inclusive ?? null,
      detectedAt: sameRevision && next.detectedAt && next.detectedAt < e.occurredAt ? next.detectedAt : e.occurredAt,
    };
  }
  if (!supersedes(doc, pos)) return next;
  const { problems, exported } = outcomeOf(e);
  next = { ...next, ...pos, problems };
  return exported
    ? { ...next, xeroId: exported.xeroId, xeroNumber: exported.number, xeroUrl: exported.url, exportedAt: e.occurredAt, total: next.total ?? exported.total }
    : next;
}

/** The document within one run (preview runs included): what the run did with it. */
export function evolveRunDocument(rd: RunDocumentView | null, e: DocumentEvent): RunDocumentView {
  const p = e.payload;
  const base: RunDocumentView = rd
    ? readStoredView<RunDocumentView>(rd)
    : {
        documentKey: p.documentKey,
        type: p.documentType,
        reference: parseDocumentKey(p.documentKey)?.reference ?? p.documentKey,
        runId: p.runId || e.correlationId,
        revision: p.revision,
        state: 'detected',
        lastEventAt: '',
        mode: null,
        mapped: null,
        problems: [],
        xeroNumber: null,
        xeroUrl: null,
        allocation: null,
      };
  const withMode = { ...base, mode: base.mode ?? modeOf(e) };
  // The mapped payload is kept whatever the order: it is what the preview shows.
  const mapped =
    e.type === 'DocumentMapped'
      ? { xero: e.payload.xero, contact: e.payload.contact, warnings: e.payload.warnings, allocateToInvoiceNumber: e.payload.allocateToInvoiceNumber ?? null }
      : withMode.mapped;
  const pos = positionOf(e);
  if (!supersedes(rd && rd.lastEventAt ? rd : null, pos)) return { ...withMode, mapped };
  const { problems, exported } = outcomeOf(e);
  const next = { ...withMode, ...pos, mapped, problems };
  return exported ? { ...next, xeroNumber: exported.number, xeroUrl: exported.url } : next;
}

/** Whether a document of a run still waits for an outcome (exported, failed or rejected; mapped ends a preview). */
export function awaitingOutcome(rd: Pick<RunDocumentView, 'state' | 'mode'>): boolean {
  if (rd.state === 'detected') return true;
  return rd.state === 'mapped' && rd.mode !== 'preview';
}

/** Documents that a retry may send again: those that ended without reaching Xero. */
export const RETRYABLE_STATES: readonly DocumentState[] = ['rejected', 'failed'];

// ---- allocations ----

/** What one allocation event says, as the document shows it. */
export function allocationOf(e: AllocationEvent): AllocationView {
  const p = e.payload;
  const said = { message: p.message, invoiceNumber: p.invoiceNumber, at: e.occurredAt };
  const none = { waitingFor: [], nextCheckAt: null, amount: null, currency: null, remainingCredit: null, code: null };
  switch (e.type) {
    case 'CreditNoteAllocationDeferred':
      return { ...none, ...said, state: 'waiting', waitingFor: e.payload.waitingFor, nextCheckAt: e.payload.nextCheckAt };
    case 'CreditNoteAllocated':
      return { ...none, ...said, state: 'allocated', amount: e.payload.amount, currency: e.payload.currency, remainingCredit: e.payload.remainingCredit };
    case 'CreditNoteLeftUnallocated':
      return { ...none, ...said, state: 'not_possible', code: e.payload.code };
    default:
      return assertNever(e);
  }
}

/** On a tie in time an outcome beats waiting: the check that decided it and the one that re-scheduled it can share a millisecond. */
const ALLOCATION_RANK: Record<AllocationState, number> = { waiting: 0, not_possible: 1, allocated: 2 };

/**
 * Which of two allocation states stands: the one said later; on a tie, the outcome over waiting. A total
 * order (the content breaks a full tie), so the result never depends on the order the events arrived in
 * (three topics) and a rebuild lands on what the live projection showed.
 */
export function laterAllocation(current: AllocationView | null, next: AllocationView): AllocationView {
  if (!current) return next;
  const [a, b] = [Date.parse(current.at), Date.parse(next.at)];
  if (a !== b) return b > a ? next : current;
  const [ra, rb] = [ALLOCATION_RANK[current.state], ALLOCATION_RANK[next.state]];
  if (ra !== rb) return rb > ra ? next : current;
  return JSON.stringify(next) > JSON.stringify(current) ? next : current;
}

/** The view (current, or within a run) with allocations applied; its lifecycle state and position stay as they are. */
export function withAllocations<T extends { allocation: AllocationView | null }>(view: T, allocations: readonly AllocationView[]): T {
  const allocation = allocations.reduce<AllocationView | null>(laterAllocation, view.allocation ?? null);
  return { ...view, allocation };
}
