// The document's lifecycle with no I/O: given the stream's events, when a command, then the events it
// appends (or why it may not), and the state they leave.
import type { DocumentRef } from './events';
import {
  decideDocument,
  type DocumentCommand,
  type DocumentEvent,
  type DocumentState,
  evolveDocument,
  type LegacyRows,
  NO_DOCUMENT,
  withLegacyRows,
} from './document-lifecycle';

const AT = '2026-03-10T09:30:00.000Z';
const ref = (over: Partial<DocumentRef> = {}): DocumentRef => ({
  documentKey: 'acme:credit_note:CN-7',
  connectionId: 'acme',
  docType: 'credit_note',
  revision: 'r1',
  runId: 'run-1',
  correlationId: 'run-1',
  causationId: 'mapped-1',
  ...over,
});
const facts = {
  xeroTenantId: 't-1',
  xeroId: 'x-7',
  number: 'CN-7',
  status: 'AUTHORISED',
  subTotal: 10,
  totalTax: 2,
  total: 12,
  url: 'https://go.xero.com/x-7',
};

const given = (...events: DocumentEvent[]): DocumentState => events.reduce(evolveDocument, NO_DOCUMENT);
/** The events `command` appends after `history`, or its refusal. */
const when = (command: DocumentCommand, history: DocumentEvent[] = []) => decideDocument(command, given(...history));
/** The events `commands` append one after the other, each decided on the state the previous left. */
function story(...commands: DocumentCommand[]): DocumentEvent[] {
  const events: DocumentEvent[] = [];
  for (const c of commands) {
    const d = decideDocument(c, given(...events));
    if (!d.ok) throw new Error(`refused ${c.type}: ${d.code}`);
    events.push(...d.events);
  }
  return events;
}

const queue = (over: Partial<DocumentRef> = {}): DocumentCommand => ({ type: 'Queue', ref: ref(over), number: 'CN-7', at: AT });
const exported = (over: Partial<DocumentRef> = {}, allocateTo?: { invoiceNumber: string; creditNoteDate?: string }): DocumentCommand => ({
  type: 'RecordExport',
  ref: ref(over),
  facts,
  outcome: 'created',
  allocateTo,
  at: AT,
});
const types = (d: ReturnType<typeof when>) => (d.ok ? d.events.map((e) => e.type) : d.code);

describe('a document queued and exported', () => {
  it('given nothing, queueing is one DocumentQueued (not published) and the document is queued', () => {
    const d = when(queue());
    expect(d).toEqual({ ok: true, events: [{ type: 'DocumentQueued', at: AT, data: { ...ref(), number: 'CN-7' } }] });
    expect(given(...story(queue()))).toMatchObject({
      version: 1,
      phase: 'queued',
      connectionId: 'acme',
      docType: 'credit_note',
      lifecycle: true,
      needsLookup: false,
    });
  });

  it('given this revision in Xero, queueing it again says DocumentExported already_present from what Xero holds, and queues nothing', () => {
    const history = story(queue(), exported());
    const d = when(queue({ runId: 'run-2', correlationId: 'run-2', causationId: 'mapped-2' }), history);
    expect(d).toEqual({
      ok: true,
      events: [
        {
          type: 'DocumentExported',
          at: AT,
          ctx: { connectionId: 'acme', correlationId: 'run-2', causationId: 'mapped-2' },
          data: {
            documentKey: 'acme:credit_note:CN-7',
            documentType: 'credit_note',
            revision: 'r1',
            runId: 'run-2',
            xeroTenantId: 't-1',
            xeroId: 'x-7',
            number: 'CN-7',
            url: 'https://go.xero.com/x-7',
            subTotal: 10,
            totalTax: 2,
            total: 12,
            outcome: 'already_present',
          },
        },
      ],
    });
  });

  it('given an older revision in Xero, a new one is queued (it will be updated, never created)', () => {
    expect(types(when(queue({ revision: 'r2' }), story(queue(), exported())))).toEqual(['DocumentQueued']);
  });

  it("records an export as the published DocumentExported plus Xero's status (not published)", () => {
    const d = when(exported(), story(queue()));
    expect(types(d)).toEqual(['DocumentExported', 'DocumentStatusInXero']);
    const state = given(...story(queue(), exported()));
    expect(state).toMatchObject({ phase: 'exported', needsLookup: false, inXero: { ...facts, revision: 'r1' }, allocation: null });
  });
});

describe('the look-first marker', () => {
  it('is appended once before a create, and refused for a document Xero holds: never created twice', () => {
    const mark: DocumentCommand = { type: 'MarkForLookup', revision: 'r1', at: AT };
    expect(types(when(mark, story(queue())))).toEqual(['DocumentMarkedForLookup']);
    expect(types(when(mark, story(queue(), mark)))).toEqual([]);
    expect(when(mark, story(queue(), exported()))).toEqual({ ok: false, code: 'EXPORTER.ALREADY_IN_XERO', message: expect.stringContaining('x-7') });
  });

  it('is cleared when an answer was read, and by the export itself', () => {
    const mark: DocumentCommand = { type: 'MarkForLookup', revision: 'r1', at: AT };
    const clear: DocumentCommand = { type: 'ClearLookup', revision: 'r1', at: AT };
    expect(given(...story(queue(), mark)).needsLookup).toBe(true);
    expect(types(when(clear, story(queue(), mark)))).toEqual(['DocumentLookupCleared']);
    expect(types(when(clear, story(queue())))).toEqual([]);
    expect(given(...story(queue(), mark, exported())).needsLookup).toBe(false);
  });
});

describe('a failure', () => {
  it('is the published DocumentExportFailed, retriable or not, with its attempt (at least 1)', () => {
    const problems = [{ code: 'XERO.UNAVAILABLE', message: 'Xero answered 503', severity: 'error' as const }];
    const d = when({ type: 'RecordFailure', ref: ref(), problems, retriable: true, attempt: 0, at: AT }, story(queue()));
    expect(d).toMatchObject({ ok: true, events: [{ type: 'DocumentExportFailed', data: { problems, retriable: true, attempt: 1, revision: 'r1' } }] });
    const state = given(...story(queue()), ...(d.ok ? d.events : []));
    expect(state).toMatchObject({ phase: 'failed', failure: { revision: 'r1', retriable: true, attempt: 1, codes: ['XERO.UNAVAILABLE'] } });
  });
});

describe("a credit note's allocation", () => {
  const toInvoice = { invoiceNumber: 'INV-9', creditNoteDate: '2026-03-05' };
  const allocating = (...then: DocumentCommand[]) => story(queue(), exported({}, toInvoice), ...then);
  const defer = (message: string): DocumentCommand => ({
    type: 'DeferAllocation',
    message,
    waitingFor: ['invoice_in_xero'],
    nextCheckAt: '2026-03-10T09:32:00.000Z',
    at: AT,
  });
  const allocated: DocumentCommand = {
    type: 'RecordAllocation',
    message: 'Allocated 12.00 GBP',
    invoiceXeroId: 'i-9',
    amount: 12,
    currency: 'GBP',
    remainingCredit: 0,
    outcome: 'allocated',
    at: AT,
  };
  const unallocated: DocumentCommand = {
    type: 'LeaveUnallocated',
    message: 'Invoice INV-9 has already been paid',
    code: 'XERO.ALLOCATION_INVOICE_PAID',
    at: AT,
  };

  it('is asked for by the export (not published), waiting, with nothing said yet', () => {
    expect(allocating().map((e) => e.type)).toEqual(['DocumentQueued', 'DocumentExported', 'DocumentStatusInXero', 'CreditNoteAllocationRequested']);
    expect(given(...allocating()).allocation).toMatchObject({
      state: 'waiting',
      message: null,
      invoiceNumber: 'INV-9',
      creditNoteDate: '2026-03-05',
      creditNoteXeroId: 'x-7',
      creditNoteNumber: 'CN-7',
      ref: ref(),
    });
  });

  it('says a wait once: the same message again appends nothing, a new one is said', () => {
    const first = when(defer('waits for INV-9'), allocating());
    expect(first).toMatchObject({
      ok: true,
      events: [
        {
          type: 'CreditNoteAllocationDeferred',
          ctx: { correlationId: 'run-1', causationId: 'mapped-1' },
          data: {
            documentKey: 'acme:credit_note:CN-7',
            creditNoteNumber: 'CN-7',
            invoiceNumber: 'INV-9',
            message: 'waits for INV-9',
            waitingFor: ['invoice_in_xero'],
          },
        },
      ],
    });
    const waited = allocating(defer('waits for INV-9'));
    expect(types(when(defer('waits for INV-9'), waited))).toEqual([]);
    expect(types(when(defer('waits for approval'), waited))).toEqual(['CreditNoteAllocationDeferred']);
  });

  it('is allocated or left unallocated, each said once by its published event', () => {
    expect(types(when(allocated, allocating()))).toEqual(['CreditNoteAllocated']);
    expect(given(...allocating(allocated)).allocation).toMatchObject({ state: 'allocated', message: 'Allocated 12.00 GBP' });
    expect(given(...allocating(unallocated)).allocation).toMatchObject({ state: 'not_possible', message: 'Invoice INV-9 has already been paid' });
    expect(when(unallocated, allocating())).toMatchObject({
      ok: true,
      events: [{ type: 'CreditNoteLeftUnallocated', data: { code: 'XERO.ALLOCATION_INVOICE_PAID' } }],
    });
  });

  it('re-opens only what was found not possible, and a new revision starts over unless it is allocated already', () => {
    const reopen: DocumentCommand = { type: 'ReopenAllocation', at: AT };
    const notPossible = allocating(unallocated);
    expect(types(when(reopen, notPossible))).toEqual(['CreditNoteAllocationReopened']);
    expect(given(...allocating(unallocated, reopen)).allocation).toMatchObject({ state: 'waiting', message: 'Invoice INV-9 has already been paid' });
    expect(types(when(reopen, allocating()))).toEqual([]);
    expect(types(when(reopen, allocating(allocated)))).toEqual([]);
    expect(types(when(exported({ revision: 'r2' }, toInvoice), notPossible))).toEqual([
      'DocumentExported',
      'DocumentStatusInXero',
      'CreditNoteAllocationRequested',
    ]);
    expect(types(when(exported({ revision: 'r2' }, toInvoice), allocating(allocated)))).toEqual(['DocumentExported', 'DocumentStatusInXero']);
  });

  it('refuses what is said of an allocation that was never asked for', () => {
    for (const command of [defer('x'), allocated, unallocated, { type: 'ReopenAllocation', at: AT } as DocumentCommand]) {
      expect(when(command, story(queue(), exported()))).toEqual({
        ok: false,
        code: 'EXPORTER.NO_ALLOCATION',
        message: 'the document has no allocation to its invoice',
      });
    }
  });
});

describe('a stream a previous release wrote (no lifecycle events)', () => {
  const legacy: LegacyRows = {
    connectionId: 'acme',
    docType: 'credit_note',
    needsLookup: true,
    inXero: null,
    allocation: null,
    updatedAt: '2026-03-01T08:00:00.000Z',
  };

  it('takes what its rows say (a look-up pending), and the first decision that appends adopts them into the stream', () => {
    const state = withLegacyRows(NO_DOCUMENT, legacy);
    expect(state).toMatchObject({ needsLookup: true, connectionId: 'acme', lifecycle: false, unadopted: legacy });
    const d = decideDocument({ type: 'MarkForLookup', revision: 'r1', at: AT }, state);
    expect(d).toEqual({ ok: true, events: [] });
    const queued = decideDocument(queue(), state);
    expect(types(queued)).toEqual(['DocumentAdopted', 'DocumentQueued']);
    // Read back from the stream alone, the look-up survives.
    expect(given(...(queued.ok ? queued.events : []))).toMatchObject({ needsLookup: true, phase: 'queued', lifecycle: true, unadopted: null });
  });

  it('learns an allocation from its published events when no row says more', () => {
    const deferred: DocumentEvent = {
      type: 'CreditNoteAllocationDeferred',
      at: AT,
      ctx: { connectionId: 'acme', correlationId: 'run-1', causationId: 'mapped-1' },
      data: {
        documentKey: 'acme:credit_note:CN-7',
        documentType: 'credit_note',
        revision: 'r1',
        runId: 'run-1',
        creditNoteNumber: 'CN-7',
        creditNoteXeroId: 'x-7',
        invoiceNumber: 'INV-9',
        message: 'waits',
        waitingFor: ['invoice_in_xero'],
        nextCheckAt: AT,
      },
    };
    expect(given(deferred).allocation).toEqual({
      state: 'waiting',
      message: 'waits',
      ref: ref(),
      creditNoteXeroId: 'x-7',
      creditNoteNumber: 'CN-7',
      invoiceNumber: 'INV-9',
      creditNoteDate: null,
      updatedAt: AT,
    });
    expect(withLegacyRows(given(...story(queue())), legacy).needsLookup).toBe(false);
  });
});
