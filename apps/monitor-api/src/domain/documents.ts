// A document's current state (export runs only: a preview changes nothing) and its state within one
// run. Its events come from three services on six topics, so the monitor may see them out of order:
// within one run and revision the later stage wins; across runs the later event wins.
import { flowOfDocumentType, parseDocumentKey, type DocumentExported, type DocumentType, type Flow, type Problem, type RunMode, type XeroContact, type XeroDocument } from '@lnbx/contracts';
import { assertNever, type DocumentEvent } from './events';

export const DOCUMENT_STATES = ['detected', 'mapped', 'rejected', 'exported', 'failed'] as const;
export type DocumentState = (typeof DOCUMENT_STATES)[number];
/** What the API filters on: the lifecycle states, plus held (on the flow's hold-back list). */
export const DOCUMENT_FILTER_STATES = [...DOCUMENT_STATES, 'held'] as const;
export type DocumentFilterState = (typeof DOCUMENT_FILTER_STATES)[number];

const STAGE: Record<DocumentState, number> = { detected: 1, mapped: 2, rejected: 2, exported: 3, failed: 3 };

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

const positionOf = (e: DocumentEvent): Position => ({ runId: e.payload.runId || e.correlationId, revision: e.payload.revision, state: stateOf(e), lastEventAt: e.occurredAt });

/** The document's new current state, or null when the event does not touch it (a preview run's). */
export function evolveDocument(doc: DocumentView | null, e: DocumentEvent): DocumentView | null {
  if (modeOf(e) === 'preview') return null;
  const p = e.payload;
  const reference = parseDocumentKey(p.documentKey)?.reference ?? p.documentKey;
  const base: DocumentView = doc ?? {
    documentKey: p.documentKey, connectionId: e.connectionId, type: p.documentType, flow: flowOfDocumentType(p.documentType), reference,
    runId: '', revision: '', state: 'detected', lastEventAt: '', retailerReference: null, retailerName: null, documentDate: null,
    currency: null, total: null, xeroId: null, xeroNumber: null, xeroUrl: null, problems: [], detectedAt: null, exportedAt: null,
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
  return exported ? { ...next, xeroId: exported.xeroId, xeroNumber: exported.number, xeroUrl: exported.url, exportedAt: e.occurredAt, total: next.total ?? exported.total } : next;
}

/** The document within one run (preview runs included): what the run did with it. */
export function evolveRunDocument(rd: RunDocumentView | null, e: DocumentEvent): RunDocumentView {
  const p = e.payload;
  const base: RunDocumentView = rd ?? {
    documentKey: p.documentKey, type: p.documentType, reference: parseDocumentKey(p.documentKey)?.reference ?? p.documentKey,
    runId: p.runId || e.correlationId, revision: p.revision, state: 'detected', lastEventAt: '', mode: null, mapped: null, problems: [], xeroNumber: null, xeroUrl: null,
  };
  const withMode = { ...base, mode: base.mode ?? modeOf(e) };
  // The mapped payload is kept whatever the order: it is what the preview shows.
  const mapped = e.type === 'DocumentMapped'
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
