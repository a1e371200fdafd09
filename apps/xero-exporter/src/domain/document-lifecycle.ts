// A document's export lifecycle, decided and evolved from its own stream (document-<key>): accepted for
// export (queued), marked for a look-up before a create is sent again, in Xero (its id, number, status),
// failed, and for a credit note its allocation to its invoice. The published events (DocumentExported,
// DocumentExportFailed, CreditNote*) are the stream's as they always were; what is not published (queued,
// marked, cleared, Xero's status, an allocation asked for or re-opened, a previous release's rows adopted)
// is appended beside them without a topic. exporter.documents and exporter.allocations' state are
// projections of this state (store/document-lifecycle-store.ts).
import type {
  AllocationWait,
  CreditNoteAllocated,
  CreditNoteAllocationDeferred,
  CreditNoteLeftUnallocated,
  DocumentExported,
  DocumentExportFailed,
  DocumentType,
  Problem,
} from '@lnbx/contracts';
import type { XeroFacts } from './documents';
import type { DocumentRef } from './events';

/** Who an event of the document speaks for: its envelope's context (the run, and the DocumentMapped that caused it). */
export type EventContext = Pick<DocumentRef, 'connectionId' | 'correlationId' | 'causationId'>;

/** What Xero holds of the document, as last exported. */
export interface InXero {
  xeroTenantId: string;
  xeroId: string;
  number: string;
  /** The LNB revision it holds. */
  revision: string;
  /** Xero's status as it answered (null: not known, e.g. exported by a release that did not record it). */
  status: string | null;
  subTotal: number;
  totalTax: number;
  total: number;
  url: string;
}

/** A credit note's allocation to its invoice. */
export interface AllocationState {
  state: 'waiting' | 'allocated' | 'not_possible';
  /** The last thing said of it (null: nothing yet). */
  message: string | null;
  /** The export it follows: its events go to that run. */
  ref: DocumentRef;
  creditNoteXeroId: string;
  creditNoteNumber: string;
  invoiceNumber: string;
  creditNoteDate: string | null;
  /** When its state last changed (its last event). */
  updatedAt: string;
}

/** What a release before these events left in its rows, taken over once (DocumentAdopted). */
export interface LegacyRows {
  connectionId: string;
  docType: DocumentType;
  needsLookup: boolean;
  inXero: InXero | null;
  allocation: AllocationState | null;
  updatedAt: string;
}

export interface DocumentState {
  /** Events in the stream; a decision is appended expecting exactly this. */
  version: number;
  connectionId: string | null;
  docType: DocumentType | null;
  phase: 'unknown' | 'queued' | 'exported' | 'failed';
  /** The revision last accepted for export. */
  queued: { revision: string; runId: string; number: string } | null;
  /** An answer to a create may have been lost: look the number up in Xero before sending it again. */
  needsLookup: boolean;
  inXero: InXero | null;
  failure: { revision: string; retriable: boolean; attempt: number; codes: string[] } | null;
  allocation: AllocationState | null;
  /** When the last event was recorded (null: no event yet). */
  updatedAt: string | null;
  /** Whether the stream holds any of the lifecycle's own (unpublished) events; false for a previous release's stream. */
  lifecycle: boolean;
  /** A previous release's rows this state was read from, to be adopted by the next decision that appends. */
  unadopted: LegacyRows | null;
}

export const NO_DOCUMENT: DocumentState = {
  version: 0,
  connectionId: null,
  docType: null,
  phase: 'unknown',
  queued: null,
  needsLookup: false,
  inXero: null,
  failure: null,
  allocation: null,
  updatedAt: null,
  lifecycle: false,
  unadopted: null,
};

/** The revision accepted for export, and the number it goes to Xero under. */
export interface QueuedData extends DocumentRef {
  number: string;
}

export interface AllocationRequestedData {
  ref: DocumentRef;
  creditNoteXeroId: string;
  creditNoteNumber: string;
  invoiceNumber: string;
  creditNoteDate: string | null;
}

/** Stored and never published (no topic). */
export type InternalEvent =
  | { type: 'DocumentQueued'; data: QueuedData; at: string }
  | { type: 'DocumentMarkedForLookup'; data: { revision: string }; at: string }
  | { type: 'DocumentLookupCleared'; data: { revision: string }; at: string }
  | { type: 'DocumentStatusInXero'; data: { xeroId: string; status: string }; at: string }
  | { type: 'CreditNoteAllocationRequested'; data: AllocationRequestedData; at: string }
  | { type: 'CreditNoteAllocationReopened'; data: Record<string, never>; at: string }
  | { type: 'DocumentAdopted'; data: LegacyRows; at: string };

/** Published on their registry topics, with the payloads they always had. */
export type PublishedEvent =
  | { type: 'DocumentExported'; data: DocumentExported.Value; ctx: EventContext; at: string }
  | { type: 'DocumentExportFailed'; data: DocumentExportFailed.Value; ctx: EventContext; at: string }
  | { type: 'CreditNoteAllocationDeferred'; data: CreditNoteAllocationDeferred.Value; ctx: EventContext; at: string }
  | { type: 'CreditNoteAllocated'; data: CreditNoteAllocated.Value; ctx: EventContext; at: string }
  | { type: 'CreditNoteLeftUnallocated'; data: CreditNoteLeftUnallocated.Value; ctx: EventContext; at: string };

export type DocumentEvent = InternalEvent | PublishedEvent;

export const INTERNAL_EVENT_TYPES: readonly InternalEvent['type'][] = [
  'DocumentQueued',
  'DocumentMarkedForLookup',
  'DocumentLookupCleared',
  'DocumentStatusInXero',
  'CreditNoteAllocationRequested',
  'CreditNoteAllocationReopened',
  'DocumentAdopted',
];
export const isInternal = (e: DocumentEvent): e is InternalEvent => (INTERNAL_EVENT_TYPES as readonly string[]).includes(e.type);

/** What Xero answered for an export (the facts DocumentExported tells, and the status it does not), and where it is. */
export interface ExportFacts extends Pick<XeroFacts, 'xeroId' | 'number' | 'status' | 'subTotal' | 'totalTax' | 'total'> {
  xeroTenantId: string;
  url: string;
}

/** Every command carries when it is decided: the events' time, so a rebuild finds the same. */
export type DocumentCommand =
  /** A DocumentMapped accepted (not a preview): queued, or said exported at once when Xero holds this revision. */
  | { type: 'Queue'; ref: DocumentRef; number: string; at: string }
  /** Committed before a create is sent. */
  | { type: 'MarkForLookup'; revision: string; at: string }
  /** The create's answer was read, or the document was found not in Xero. */
  | { type: 'ClearLookup'; revision: string; at: string }
  | {
      type: 'RecordExport';
      ref: DocumentRef;
      facts: ExportFacts;
      outcome: DocumentExported.Value['outcome'];
      /** A credit note to allocate to this invoice once in Xero. */
      allocateTo?: { invoiceNumber: string; creditNoteDate?: string };
      at: string;
    }
  | { type: 'RecordFailure'; ref: DocumentRef; problems: Problem[]; retriable: boolean; attempt: number; at: string }
  | { type: 'DeferAllocation'; message: string; waitingFor: AllocationWait[]; nextCheckAt: string; at: string }
  | {
      type: 'RecordAllocation';
      message: string;
      invoiceXeroId: string;
      amount: number;
      currency: string;
      remainingCredit: number;
      outcome: CreditNoteAllocated.Value['outcome'];
      at: string;
    }
  | { type: 'LeaveUnallocated'; message: string; code: string; at: string }
  /** "Check allocations now" naming this credit note: looked at again even when it was found not possible. */
  | { type: 'ReopenAllocation'; at: string };

/** Never a message for a finance person: a refusal is a worker asking for what the lifecycle forbids. */
export type DocumentRefusal = {
  ok: false;
  code: 'EXPORTER.ALREADY_IN_XERO' | 'EXPORTER.NO_ALLOCATION';
  message: string;
};
export type DocumentDecision = { ok: true; events: DocumentEvent[] } | DocumentRefusal;

/**
 * What a command makes happen to the document: the events to append (none when nothing changes), or
 * why it may not. A state read from a previous release's rows is adopted (DocumentAdopted) by the first
 * decision that appends anything, so the stream tells the whole story from then on.
 */
export function decideDocument(command: DocumentCommand, state: DocumentState): DocumentDecision {
  const decision = decide(command, state);
  if (!decision.ok || !decision.events.length || !state.unadopted) return decision;
  return { ok: true, events: [{ type: 'DocumentAdopted', data: state.unadopted, at: command.at }, ...decision.events] };
}

function decide(command: DocumentCommand, state: DocumentState): DocumentDecision {
  const { at } = command;
  switch (command.type) {
    case 'Queue': {
      const { ref } = command;
      const x = state.inXero;
      if (x && x.revision === ref.revision) {
        // The same revision again (a retry run): it is in Xero already; said without a call.
        return accept(exported(ref, at, { ...x, number: x.number || command.number }, 'already_present'));
      }
      return accept({
        type: 'DocumentQueued',
        at,
        data: {
          documentKey: ref.documentKey,
          connectionId: ref.connectionId,
          docType: ref.docType,
          revision: ref.revision,
          runId: ref.runId,
          correlationId: ref.correlationId,
          causationId: ref.causationId,
          number: command.number,
        },
      });
    }
    case 'MarkForLookup':
      // Never twice: a document Xero holds is updated, never created again.
      if (state.inXero) return refuse('EXPORTER.ALREADY_IN_XERO', `the document is in Xero as ${state.inXero.xeroId}: it is never created again`);
      return state.needsLookup ? accept() : accept({ type: 'DocumentMarkedForLookup', data: { revision: command.revision }, at });
    case 'ClearLookup':
      return state.needsLookup ? accept({ type: 'DocumentLookupCleared', data: { revision: command.revision }, at }) : accept();
    case 'RecordExport': {
      const { ref, facts } = command;
      const events: DocumentEvent[] = [exported(ref, at, facts, command.outcome)];
      if (facts.status) events.push({ type: 'DocumentStatusInXero', data: { xeroId: facts.xeroId, status: facts.status }, at });
      // A new revision's allocation starts over, unless the credit note is allocated already.
      if (ref.docType === 'credit_note' && command.allocateTo && state.allocation?.state !== 'allocated') {
        events.push({
          type: 'CreditNoteAllocationRequested',
          at,
          data: {
            ref,
            creditNoteXeroId: facts.xeroId,
            creditNoteNumber: facts.number,
            invoiceNumber: command.allocateTo.invoiceNumber,
            creditNoteDate: command.allocateTo.creditNoteDate ?? null,
          },
        });
      }
      return { ok: true, events };
    }
    case 'RecordFailure': {
      const { ref } = command;
      return accept({
        type: 'DocumentExportFailed',
        ctx: contextOf(ref),
        at,
        data: {
          documentKey: ref.documentKey,
          documentType: ref.docType,
          revision: ref.revision,
          runId: ref.runId,
          problems: command.problems,
          retriable: command.retriable,
          attempt: Math.max(1, command.attempt),
        },
      });
    }
    case 'DeferAllocation': {
      const a = state.allocation;
      if (!a) return noAllocation();
      // An event only when what is said changes: a re-check that finds nothing new stays quiet.
      if (a.state === 'waiting' && a.message === command.message) return accept();
      return accept({
        type: 'CreditNoteAllocationDeferred',
        ctx: contextOf(a.ref),
        at,
        data: {
          ...allocationSubject(a, command.message),
          waitingFor: command.waitingFor,
          nextCheckAt: command.nextCheckAt,
        },
      });
    }
    case 'RecordAllocation': {
      const a = state.allocation;
      if (!a) return noAllocation();
      return accept({
        type: 'CreditNoteAllocated',
        ctx: contextOf(a.ref),
        at,
        data: {
          ...allocationSubject(a, command.message),
          invoiceXeroId: command.invoiceXeroId,
          amount: command.amount,
          currency: command.currency,
          remainingCredit: command.remainingCredit,
          outcome: command.outcome,
        },
      });
    }
    case 'LeaveUnallocated': {
      const a = state.allocation;
      if (!a) return noAllocation();
      return accept({ type: 'CreditNoteLeftUnallocated', ctx: contextOf(a.ref), at, data: { ...allocationSubject(a, command.message), code: command.code } });
    }
    case 'ReopenAllocation': {
      const a = state.allocation;
      if (!a) return noAllocation();
      return a.state === 'not_possible' ? accept({ type: 'CreditNoteAllocationReopened', data: {}, at }) : accept();
    }
    default:
      return assertNever(command);
  }
}

/** The state after one more of the stream's events. */
export function evolveDocument(state: DocumentState, event: DocumentEvent): DocumentState {
  const next: DocumentState = { ...state, version: state.version + 1, updatedAt: event.at, lifecycle: state.lifecycle || isInternal(event) };
  switch (event.type) {
    case 'DocumentQueued': {
      const q = event.data;
      return { ...next, connectionId: q.connectionId, docType: q.docType, phase: 'queued', queued: { revision: q.revision, runId: q.runId, number: q.number } };
    }
    case 'DocumentMarkedForLookup':
      return { ...next, needsLookup: true };
    case 'DocumentLookupCleared':
      return { ...next, needsLookup: false };
    case 'DocumentExported': {
      const v = event.data;
      // Xero's status follows in its own event; a re-announcement of the same document keeps it.
      const status = state.inXero?.xeroId === v.xeroId ? state.inXero.status : null;
      return {
        ...known(next, event.ctx.connectionId, v.documentType),
        phase: 'exported',
        needsLookup: false,
        failure: null,
        inXero: {
          xeroTenantId: v.xeroTenantId,
          xeroId: v.xeroId,
          number: v.number,
          revision: v.revision,
          status,
          subTotal: v.subTotal,
          totalTax: v.totalTax,
          total: v.total,
          url: v.url,
        },
      };
    }
    case 'DocumentStatusInXero':
      return state.inXero?.xeroId === event.data.xeroId ? { ...next, inXero: { ...state.inXero, status: event.data.status } } : next;
    case 'DocumentExportFailed': {
      const v = event.data;
      return {
        ...known(next, event.ctx.connectionId, v.documentType),
        phase: 'failed',
        failure: { revision: v.revision, retriable: v.retriable, attempt: v.attempt, codes: v.problems.map((p) => p.code) },
      };
    }
    case 'CreditNoteAllocationRequested': {
      const r = event.data;
      return {
        ...next,
        allocation: {
          state: 'waiting',
          message: null,
          ref: r.ref,
          creditNoteXeroId: r.creditNoteXeroId,
          creditNoteNumber: r.creditNoteNumber,
          invoiceNumber: r.invoiceNumber,
          creditNoteDate: r.creditNoteDate,
          updatedAt: event.at,
        },
      };
    }
    case 'CreditNoteAllocationDeferred':
      return allocationSaid(next, event, 'waiting');
    case 'CreditNoteAllocated':
      return allocationSaid(next, event, 'allocated');
    case 'CreditNoteLeftUnallocated':
      return allocationSaid(next, event, 'not_possible');
    case 'CreditNoteAllocationReopened':
      return state.allocation ? { ...next, allocation: { ...state.allocation, state: 'waiting', updatedAt: event.at } } : next;
    case 'DocumentAdopted':
      return { ...adopt(next, event.data), unadopted: null };
    default:
      return assertNever(event);
  }
}

/**
 * The state of a stream a previous release wrote (none of the lifecycle's own events), completed from the
 * rows it kept beside: what they say that its published events never did (a pending look-up, Xero's
 * status, an allocation not yet looked at, the credit note's date). Adopted by the next decision.
 */
export function withLegacyRows(state: DocumentState, rows: LegacyRows | undefined): DocumentState {
  if (state.lifecycle || !rows) return state;
  return { ...adopt(state, rows), updatedAt: state.updatedAt ?? rows.updatedAt, unadopted: rows };
}

function adopt(state: DocumentState, rows: LegacyRows): DocumentState {
  return {
    ...known(state, rows.connectionId, rows.docType),
    needsLookup: rows.needsLookup,
    inXero: rows.inXero ?? state.inXero,
    allocation: rows.allocation ?? state.allocation,
  };
}

const known = (state: DocumentState, connectionId: string, docType: DocumentType): DocumentState => ({
  ...state,
  connectionId: state.connectionId ?? connectionId,
  docType: state.docType ?? docType,
});

type AllocationEvent = Extract<PublishedEvent, { type: 'CreditNoteAllocationDeferred' | 'CreditNoteAllocated' | 'CreditNoteLeftUnallocated' }>;

/** An allocation event; a stream from before CreditNoteAllocationRequested learns the allocation from it (no credit note date). */
function allocationSaid(state: DocumentState, event: AllocationEvent, to: AllocationState['state']): DocumentState {
  const v = event.data;
  const before = state.allocation;
  const ref: DocumentRef = before?.ref ?? {
    documentKey: v.documentKey,
    docType: v.documentType,
    revision: v.revision,
    runId: v.runId,
    ...event.ctx,
  };
  return {
    ...known(state, event.ctx.connectionId, v.documentType),
    allocation: {
      state: to,
      message: v.message,
      ref,
      creditNoteXeroId: v.creditNoteXeroId,
      creditNoteNumber: v.creditNoteNumber,
      invoiceNumber: v.invoiceNumber,
      creditNoteDate: before?.creditNoteDate ?? null,
      updatedAt: event.at,
    },
  };
}

const allocationSubject = (a: AllocationState, message: string) => ({
  documentKey: a.ref.documentKey,
  documentType: a.ref.docType,
  revision: a.ref.revision,
  runId: a.ref.runId,
  creditNoteNumber: a.creditNoteNumber,
  creditNoteXeroId: a.creditNoteXeroId,
  invoiceNumber: a.invoiceNumber,
  message,
});

const contextOf = (r: EventContext): EventContext => ({ connectionId: r.connectionId, correlationId: r.correlationId, causationId: r.causationId });

const accept = (...events: DocumentEvent[]): DocumentDecision => ({ ok: true, events });

const refuse = (code: DocumentRefusal['code'], message: string): DocumentRefusal => ({ ok: false, code, message });

/** DocumentExported for `ref` with what Xero holds: a new export's answer, or a revision Xero had already. */
function exported(
  ref: DocumentRef,
  at: string,
  x: Pick<InXero, 'xeroTenantId' | 'xeroId' | 'number' | 'url' | 'subTotal' | 'totalTax' | 'total'>,
  outcome: DocumentExported.Value['outcome'],
): DocumentEvent {
  const { xeroTenantId, xeroId, number, url, subTotal, totalTax, total } = x;
  const data = {
    documentKey: ref.documentKey,
    documentType: ref.docType,
    revision: ref.revision,
    runId: ref.runId,
    xeroTenantId,
    xeroId,
    number,
    url,
    subTotal,
    totalTax,
    total,
    outcome,
  };
  return { type: 'DocumentExported', ctx: contextOf(ref), at, data };
}

const noAllocation = (): DocumentRefusal => refuse('EXPORTER.NO_ALLOCATION', 'the document has no allocation to its invoice');

/** The end of an exhaustive switch: a case left out does not compile. (Local until libs/contracts has one.) */
function assertNever(value: never): never {
  throw new Error(`unhandled: ${JSON.stringify(value)}`);
}
