// A credit note's allocation to its invoice (issue 18): a step of its own after the export, never a
// failure. What the views, the task log, the metrics and the digest make of the three allocation events.
import type { Problem } from '@lnbx/contracts';
import { summarise } from './digest';
import {
  allocationOf,
  evolveDocument,
  evolveRunDocument,
  laterAllocation,
  readStoredView,
  withAllocations,
  type AllocationView,
  type DocumentView,
  type RunDocumentView,
} from './documents';
import { effectsOf } from './effects';
import { isAllocationEvent, isDocumentEvent, type AllocationEvent, type DocumentEvent, type Known } from './events';
import { logLinesFor } from './log-lines';
import { aRun, k, missingEan13 } from './testing';

const depositWarning = (): Problem => ({
  code: 'LNB.DEPOSIT_NOT_EXPORTED',
  severity: 'warning',
  field: 'amount_deposit',
  message:
    'Credit note CN-1 records a deposit of 20.00 EUR in Le New Black. Xero gets the full amount; record the deposit in Xero as a payment against this invoice.',
});

const allocation = (e: Known): AllocationView => allocationOf(e as AllocationEvent);

/** Lifecycle events evolve the document; allocation events only set its allocation (kept aside while there is no document yet, as the read model keeps them). */
function fold(events: Known[]): DocumentView | null {
  let doc: DocumentView | null = null;
  const kept: AllocationView[] = [];
  for (const e of events) {
    if (isAllocationEvent(e)) {
      kept.push(allocationOf(e));
      if (doc) doc = withAllocations(doc, [allocationOf(e)]);
    } else if (isDocumentEvent(e)) {
      const next = evolveDocument(doc, e as DocumentEvent);
      doc = next && !doc ? withAllocations(next, kept) : (next ?? doc);
    }
  }
  return doc;
}

const permutations = <T>(xs: T[]): T[][] =>
  xs.length <= 1 ? [xs] : xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((rest) => [x, ...rest]));

describe("a credit note's allocation", () => {
  it('says what each event says: waiting for what and until when, how much was allocated, or why it cannot be', () => {
    const run = aRun().ofCreditNotes();
    const waiting = run.allocationWaiting('CN-000002');
    expect(allocation(k(waiting))).toEqual({
      state: 'waiting',
      message: 'Allocation of CN-000002 to INV-000007 waits until CN-000002 and INV-000007 are approved in Xero',
      invoiceNumber: 'INV-000007',
      waitingFor: ['credit_note_approval', 'invoice_approval'],
      nextCheckAt: waiting.payload.nextCheckAt,
      amount: null,
      currency: null,
      remainingCredit: null,
      code: null,
      at: waiting.occurredAt,
    });
    expect(allocation(k(run.allocated('CN-000002')))).toMatchObject({
      state: 'allocated',
      amount: 96,
      currency: 'GBP',
      remainingCredit: 24,
      code: null,
      waitingFor: [],
      nextCheckAt: null,
    });
    expect(allocation(k(run.allocationNotPossible('CN-000002', { code: 'XERO.ALLOCATION_CURRENCY_MISMATCH' })))).toMatchObject({
      state: 'not_possible',
      code: 'XERO.ALLOCATION_CURRENCY_MISMATCH',
      amount: null,
    });
  });

  it('never moves the lifecycle: a credit note in Xero stays exported, with the same position, whatever its allocation', () => {
    const run = aRun().ofCreditNotes();
    const exported = fold([run.detected('CN-1'), run.mapped('CN-1'), run.exported('CN-1')].map(k))!;
    for (const e of [run.allocationWaiting('CN-1'), run.allocationNotPossible('CN-1'), run.allocated('CN-1')]) {
      const after = withAllocations(exported, [allocation(k(e))]);
      expect({ ...after, allocation: null }).toEqual(exported);
      expect(after.state).toBe('exported');
      expect(after.problems).toEqual([]);
    }
  });

  it('shows the allocation said last, whatever order the three topics deliver it in', () => {
    const run = aRun().ofCreditNotes();
    const [waiting, allocated] = [run.allocationWaiting('CN-1'), run.allocated('CN-1')];
    for (const order of [
      [waiting, allocated],
      [allocated, waiting],
    ])
      expect(fold([run.exported('CN-1'), ...order].map(k))?.allocation?.state).toBe('allocated');
    // A later word wins, even a waiting one (say the allocation was removed in Xero and the exporter looks again).
    const later = run.allocationWaiting('CN-1', { waitingFor: ['xero_answer'] });
    expect(fold([run.exported('CN-1'), allocated, later].map(k))?.allocation).toMatchObject({ state: 'waiting', waitingFor: ['xero_answer'] });
  });

  it('on a tie in time, lets the outcome beat waiting, and never depends on the arrival order', () => {
    const run = aRun().ofCreditNotes();
    const at = '2026-03-02T09:00:00.000Z';
    const waiting = { ...allocation(k(run.allocationWaiting('CN-1'))), at };
    const allocated = { ...allocation(k(run.allocated('CN-1'))), at };
    const notPossible = { ...allocation(k(run.allocationNotPossible('CN-1'))), at };
    expect(laterAllocation(allocated, waiting)).toBe(allocated);
    expect(laterAllocation(waiting, notPossible)).toBe(notPossible);
    const results = permutations([waiting, allocated, notPossible]).map((order) => order.reduce<AllocationView | null>(laterAllocation, null));
    expect(new Set(results.map((r) => JSON.stringify(r))).size).toBe(1);
  });

  it('keeps an allocation that arrives before anything else of the document, through every event that follows', () => {
    const run = aRun().ofCreditNotes();
    const [detected, mapped, exported] = [run.detected('CN-1'), run.mapped('CN-1'), run.exported('CN-1')];
    const waiting = run.allocationWaiting('CN-1');
    for (const order of [
      [waiting, detected, mapped, exported],
      [waiting, exported, mapped, detected],
      [detected, waiting, exported, mapped],
    ]) {
      const doc = fold(order.map(k))!;
      expect(doc).toMatchObject({ state: 'exported', xeroId: 'xero-CN-1', allocation: { state: 'waiting', invoiceNumber: 'INV-000007' } });
    }
    // A preview writes no document: the allocation waits for the export run's events.
    const preview = aRun().ofCreditNotes().inPreview();
    expect(fold([waiting, preview.detected('CN-1')].map(k))).toBeNull();
    expect(fold([waiting, preview.detected('CN-1'), run.exported('CN-1')].map(k))?.allocation?.state).toBe('waiting');
  });

  it("is kept in the run's view of the document too, through late lifecycle events", () => {
    const run = aRun().ofCreditNotes();
    const rd = [run.detected('CN-1'), run.mapped('CN-1'), run.exported('CN-1')].reduce<RunDocumentView | null>(
      (v, e) => evolveRunDocument(v, k(e) as DocumentEvent),
      null,
    )!;
    const withWaiting = withAllocations(rd, [allocation(k(run.allocationWaiting('CN-1')))]);
    const late = evolveRunDocument(withWaiting, k(run.mapped('CN-1')) as DocumentEvent);
    expect(late).toMatchObject({ state: 'exported', allocation: { state: 'waiting' } });
  });

  it('reads views stored before allocations existed as having none, and gives them one', () => {
    const run = aRun().ofCreditNotes();
    const current = fold([run.detected('CN-1'), run.exported('CN-1')].map(k))!;
    const { allocation: _dropped, ...old } = current;
    const stored = JSON.parse(JSON.stringify(old)) as DocumentView;
    expect('allocation' in stored).toBe(false);
    expect(readStoredView<DocumentView>(stored).allocation).toBeNull();
    expect(evolveDocument(stored, k(run.mapped('CN-1')) as DocumentEvent)?.allocation).toBeNull();
    expect(withAllocations(stored, [allocation(k(run.allocated('CN-1')))]).allocation?.state).toBe('allocated');
    const { allocation: _none, ...oldRun } = evolveRunDocument(null, k(run.exported('CN-1')) as DocumentEvent);
    expect(evolveRunDocument(oldRun as RunDocumentView, k(run.mapped('CN-1')) as DocumentEvent).allocation).toBeNull();
  });
});

describe('task log lines of allocations', () => {
  it("writes them into the exporting run's log, on the credit note, as info while waiting or allocated, as a warning with its code when not possible", () => {
    const run = aRun().ofCreditNotes();
    const lines = [run.allocationWaiting('CN-000002'), run.allocated('CN-000002'), run.allocationNotPossible('CN-000002')].flatMap((e) => logLinesFor(k(e)));
    expect(lines.map((l) => [l.level, l.code, l.message])).toEqual([
      ['info', null, 'Allocation of CN-000002 to INV-000007 waits until CN-000002 and INV-000007 are approved in Xero'],
      [
        'info',
        null,
        "Allocated 96.00 GBP of credit note CN-000002 to invoice INV-000007; 24.00 GBP of credit stays on the customer's account (the invoice owed only 96.00 GBP)",
      ],
      ['warn', 'XERO.ALLOCATION_INVOICE_PAID', 'Credit note CN-000002 stays in Xero unallocated: invoice INV-000007 is already paid'],
    ]);
    for (const l of lines)
      expect(l).toMatchObject({ runId: run.runId, documentKey: run.keyOf('CN-000002'), reference: 'CN-000002', revision: 'rev-CN-000002-1' });
  });

  it('says who asked for an allocation check, belonging to no run', () => {
    const run = aRun();
    expect(logLinesFor(k(run.allocationCheckRequested(undefined, 'ops')))).toEqual([
      expect.objectContaining({
        runId: 'acme:allocations',
        level: 'info',
        code: null,
        documentKey: null,
        eventType: 'AllocationCheckRequested',
        message: 'Allocation check requested by ops',
      }),
    ]);
    expect(logLinesFor(k(run.allocationCheckRequested(['CN-1', 'CN-2'], 'ops')))[0].message).toBe('Allocation check requested by ops for CN-1, CN-2');
  });

  it("keeps a warning a warning on a rejected document: only an error says 'Rejected'", () => {
    const run = aRun().ofCreditNotes();
    const lines = logLinesFor(k(run.rejected('CN-1', [missingEan13('JKT-001-BLK-M'), depositWarning()])));
    expect(lines.map((l) => [l.level, l.code, l.message])).toEqual([
      ['error', 'LNB.MISSING_EAN13', 'Rejected: Missing EAN13 for SKU JKT-001-BLK-M'],
      ['warn', 'LNB.DEPOSIT_NOT_EXPORTED', `Warning: ${depositWarning().message}`],
    ]);
  });
});

describe('allocations in the metrics and the digest', () => {
  it('counts decided allocations by outcome; a waiting one is neither counted nor told', () => {
    const run = aRun().ofCreditNotes();
    expect(effectsOf(k(run.allocationWaiting('CN-1')), null, null)).toEqual({ metrics: [], notices: [] });
    expect(effectsOf(k(run.allocated('CN-1')), null, null)).toEqual({
      metrics: [{ metric: 'credit_note_allocations_total', labels: { outcome: 'allocated' } }],
      notices: [],
    });
    expect(effectsOf(k(run.allocated('CN-1', { outcome: 'already_allocated' })), null, null).metrics).toEqual([
      { metric: 'credit_note_allocations_total', labels: { outcome: 'already_allocated' } },
    ]);
    expect(effectsOf(k(run.allocationNotPossible('CN-1')), null, null)).toEqual({
      metrics: [{ metric: 'credit_note_allocations_total', labels: { outcome: 'not_possible' } }],
      notices: [{ kind: 'allocation_not_possible', runId: run.runId, flow: 'credit_notes', reference: 'CN-1', code: 'XERO.ALLOCATION_INVOICE_PAID' }],
    });
    expect(summarise(effectsOf(k(run.allocationWaiting('CN-1')), null, null).notices)).toBeNull();
  });

  it('tells credit notes left unallocated on a line of their own per run, counted by code, not as failures', () => {
    const run = aRun('run-cn').ofCreditNotes();
    const notices = [
      run.allocationNotPossible('CN-1'),
      run.allocationNotPossible('CN-2', { code: 'XERO.ALLOCATION_CONTACT_MISMATCH' }),
      run.allocationNotPossible('CN-3'),
      run.allocationWaiting('CN-4'),
      run.allocated('CN-5'),
    ].flatMap((e) => effectsOf(k(e), null, null).notices);
    expect(summarise(notices, new Map([['run-cn', 12]]))?.text).toBe(
      'Run 12 of credit notes: 3 credit notes left unallocated in Xero (2 x XERO.ALLOCATION_INVOICE_PAID, 1 x XERO.ALLOCATION_CONTACT_MISMATCH)',
    );
  });

  it('counts rejected documents by the codes that rejected them, never by their warnings', () => {
    const run = aRun('run-r').ofCreditNotes();
    const notices = [run.rejected('CN-1', [missingEan13('A'), depositWarning()]), run.rejected('CN-2', [depositWarning(), missingEan13('B')])].flatMap(
      (e) => effectsOf(k(e), null, null).notices,
    );
    expect(notices.map((n) => 'codes' in n && n.codes)).toEqual([['LNB.MISSING_EAN13'], ['LNB.MISSING_EAN13']]);
    expect(summarise(notices, new Map([['run-r', 3]]))?.text).toBe('Run 3 of credit notes: 2 documents rejected (2 x LNB.MISSING_EAN13)');
    // A rejection the mapper made of warnings alone still names what it gave.
    const odd = effectsOf(k(run.rejected('CN-3', [depositWarning()])), null, null).notices;
    expect(summarise(odd, new Map([['run-r', 3]]))?.text).toBe('Run 3 of credit notes: 1 document rejected (1 x LNB.DEPOSIT_NOT_EXPORTED)');
  });
});
