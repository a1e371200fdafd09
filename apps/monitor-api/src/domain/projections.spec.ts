import { EVENTS } from '@lnbx/contracts';
import { awaitingOutcome, evolveDocument, evolveRunDocument, type DocumentView, type RunDocumentView } from './documents';
import { isDocumentEvent, isRunEvent, PROJECTED_TYPES, type DocumentEvent, type RunEvent } from './events';
import { deadLetterLine, logLinesFor, renderLogText } from './log-lines';
import { evolveRun, runDurationSeconds, type RunView } from './runs';
import { evolveSettings, latestSelection, withHoldBack, type FlowSettings } from './settings';
import { aRun, k, missingEan13, missingRetailerReference, noSelectionRules, RunEvents, xeroValidation } from './testing';

const foldRun = (events: ReturnType<typeof k>[]): RunView | null =>
  events.filter(isRunEvent).reduce<RunView | null>((r, e) => evolveRun(r, e as RunEvent), null);
const foldDoc = (events: ReturnType<typeof k>[]): DocumentView | null =>
  events.filter(isDocumentEvent).reduce<DocumentView | null>((d, e) => evolveDocument(d, e as DocumentEvent) ?? d, null);
const foldRunDoc = (events: ReturnType<typeof k>[]): RunDocumentView | null =>
  events.filter(isDocumentEvent).reduce<RunDocumentView | null>((d, e) => evolveRunDocument(d, e as DocumentEvent), null);

describe('the projected event types', () => {
  it('are exactly the registry types', () => {
    expect([...PROJECTED_TYPES].sort()).toEqual(EVENTS.map((d) => d.type).sort());
  });
});

describe('runs', () => {
  it('folds a run from request to completion', () => {
    const run = aRun();
    const view = foldRun([run.requested('manual', ['INV-1']), run.started(), run.completed(3)].map(k))!;
    expect(view).toMatchObject({
      status: 'completed',
      flow: 'invoices',
      mode: 'export',
      trigger: 'manual',
      requestedBy: 'test',
      requestedDocuments: ['INV-1'],
    });
    expect(view.counts?.emitted).toBe(3);
    expect(runDurationSeconds(view)).toBeGreaterThan(0);
  });

  it('never goes back to running when the completion arrives before the start (they travel on different topics)', () => {
    const run = aRun();
    const [started, completed] = [run.started(), run.completed()];
    const view = foldRun([completed, started].map(k))!;
    expect(view.status).toBe('completed');
    expect(view.startedAt).toBe(started.payload.startedAt);
    expect(view.mode).toBe('export');
  });

  it('keeps the reason of a failed run', () => {
    const run = aRun();
    expect(foldRun([run.started(), run.failed('LNB.AUTH_REFUSED', 'LNB refused the token')].map(k))).toMatchObject({
      status: 'failed',
      problem: { code: 'LNB.AUTH_REFUSED' },
    });
  });
});

describe('documents', () => {
  it('follows a document from detection to Xero', () => {
    const run = aRun();
    const doc = foldDoc([run.detected('INV-1', { retailer: 'RET-9', invoiceOn: '2026-02-27' }), run.mapped('INV-1'), run.exported('INV-1')].map(k))!;
    expect(doc).toMatchObject({
      state: 'exported',
      reference: 'INV-1',
      retailerReference: 'RET-9',
      documentDate: '2026-02-27',
      xeroId: 'xero-INV-1',
      problems: [],
    });
    expect(doc.detectedAt).not.toBeNull();
  });

  it("lands on the last stage whatever order the three services' events arrive in", () => {
    const run = aRun();
    const [detected, mapped, exported] = [run.detected('INV-1'), run.mapped('INV-1'), run.exported('INV-1')];
    for (const order of [
      [exported, mapped, detected],
      [mapped, exported, detected],
      [detected, exported, mapped],
    ]) {
      const doc = foldDoc(order.map(k))!;
      expect(doc.state).toBe('exported');
      expect(doc.retailerReference).toBe('RET-01');
    }
  });

  it('shows every reason of a rejection, and clears them when a retry goes through', () => {
    const first = aRun().ofCreditNotes();
    const rejected = foldDoc([first.detected('CN-1'), first.rejected('CN-1', [missingEan13('JKT-001-BLK-M'), missingRetailerReference()])].map(k))!;
    expect(rejected.state).toBe('rejected');
    expect(rejected.problems.map((p) => p.code)).toEqual(['LNB.MISSING_EAN13', 'LNB.MISSING_RETAILER_REFERENCE']);
    const retry = new RunEvents(undefined, 'credit_notes', 'export', { startAt: Date.parse('2026-03-03T08:00:00Z') });
    const after = [retry.detected('CN-1'), retry.mapped('CN-1'), retry.exported('CN-1')].reduce<DocumentView>(
      (d, e) => evolveDocument(d, k(e) as DocumentEvent) ?? d,
      rejected,
    );
    expect(after).toMatchObject({ state: 'exported', problems: [], runId: retry.runId });
  });

  it('keeps the exporter retrying: a later success of the same run wins over the failed attempt', () => {
    const run = aRun();
    const doc = foldDoc(
      [run.detected('INV-2'), run.mapped('INV-2'), run.exportFailed('INV-2', [xeroValidation()], { retriable: true }), run.exported('INV-2')].map(k),
    )!;
    expect(doc.state).toBe('exported');
  });

  it('leaves the current state alone in a preview run, but records what the preview would send', () => {
    const preview = aRun().inPreview();
    const events = [preview.detected('INV-3'), preview.mapped('INV-3')].map(k);
    expect(foldDoc(events)).toBeNull();
    const rd = foldRunDoc(events)!;
    expect(rd).toMatchObject({ state: 'mapped', mode: 'preview', reference: 'INV-3' });
    expect(rd.mapped?.xero.number).toBe('INV-3');
    expect(awaitingOutcome(rd)).toBe(false);
  });

  it('counts a mapped document of an export run as still waiting for its outcome', () => {
    const run = aRun();
    expect(awaitingOutcome(foldRunDoc([run.detected('INV-4'), run.mapped('INV-4')].map(k))!)).toBe(true);
    expect(awaitingOutcome(foldRunDoc([run.detected('INV-5'), run.rejected('INV-5', [missingEan13('X')])].map(k))!)).toBe(false);
  });
});

describe('task log lines', () => {
  it('says in plain words what happened, with the stable code', () => {
    const run = aRun();
    const lines = [
      run.detected('INV-1001', { revision: 'abc1234567890' }),
      run.rejected('INV-1001', [missingEan13('JKT-001-BLK-M'), missingRetailerReference()]),
      run.exported('INV-1001'),
    ].flatMap((e) => logLinesFor(k(e)));
    expect(lines.map((l) => [l.level, l.code, l.message])).toEqual([
      ['info', null, 'Invoice INV-1001 detected (revision abc12345)'],
      ['error', 'LNB.MISSING_EAN13', 'Rejected: Missing EAN13 for SKU JKT-001-BLK-M'],
      ['error', 'LNB.MISSING_RETAILER_REFERENCE', 'Rejected: The retailer has no reference in LNB'],
      ['info', null, 'Exported to Xero as INV-1001'],
    ]);
    expect(lines.every((l) => l.runId === run.runId && l.reference === 'INV-1001')).toBe(true);
  });

  it('marks a failure the exporter will retry as a warning, a final one as an error', () => {
    const run = aRun();
    const [retrying] = logLinesFor(k(run.exportFailed('INV-9', [xeroValidation('Xero is busy')], { retriable: true, attempt: 2 })));
    const [final] = logLinesFor(k(run.exportFailed('INV-9', [xeroValidation()])));
    expect(retrying).toMatchObject({ level: 'warn', code: 'XERO.VALIDATION', message: 'Export to Xero failed: Xero is busy (attempt 2, will retry)' });
    expect(final.level).toBe('error');
  });

  it("says a Xero connection's loss and restoration in plain words, belonging to no run", () => {
    const run = aRun();
    const [lost] = logLinesFor(k(run.connectionLost({ reason: 'Xero refused the refresh token (invalid_grant).' })));
    expect(lost).toMatchObject({
      runId: 'acme:xero-connection',
      level: 'error',
      code: 'XERO.INVALID_GRANT',
      documentKey: null,
      eventType: 'XeroConnectionLost',
      message:
        'The Xero connection to Demo Fashion Ltd was lost: Xero refused the refresh token (invalid_grant). 12 documents wait; reconnect in the Integration Center.',
    });
    const [restored] = logLinesFor(k(run.connectionRestored({ tenantName: undefined, resumedDocuments: 1 })));
    expect(restored).toMatchObject({ level: 'info', code: null, message: 'The Xero connection to tenant-1 was restored; 1 document resumes.' });
  });

  it('writes a dead letter as an error line in its run, or in none', () => {
    const line = deadLetterLine({
      id: 'x/0/5/g',
      topic: 'lnb.invoice.detected.v1',
      code: 'CONTRACT.BAD_PAYLOAD',
      reasons: ['payload.revision: should not be empty'],
      consumerGroup: 'mapper',
      failedAt: '2026-03-02T08:00:00.000Z',
      correlationId: 'run-1',
      eventType: 'InvoiceDetected',
      key: 'acme:invoice:INV-7',
    });
    expect(line).toMatchObject({ runId: 'run-1', level: 'error', code: 'CONTRACT.BAD_PAYLOAD', reference: 'INV-7' });
    expect(line.message).toBe('InvoiceDetected on lnb.invoice.detected.v1 was refused by mapper and set aside: payload.revision: should not be empty');
  });

  it('renders a text file, one line each', () => {
    const text = renderLogText([
      { at: '2026-03-02T08:00:00.000Z', level: 'error', code: 'LNB.MISSING_EAN13', reference: 'INV-1', message: 'Rejected:\nMissing EAN13' },
    ]);
    expect(text).toBe('2026-03-02T08:00:00.000Z  ERROR  LNB.MISSING_EAN13  INV-1  Rejected: Missing EAN13\n');
  });
});

describe('flow settings', () => {
  it('shows a requested change as pending until the poller confirms it', () => {
    const run = aRun();
    const requested = k({ ...run.selectionChanged(noSelectionRules({ holdBack: ['INV-1'] })), type: 'SelectionChangeRequested' });
    let s: FlowSettings = evolveSettings(null, requested as never);
    expect(s.pendingSelection?.value.holdBack).toEqual(['INV-1']);
    expect(latestSelection(s)?.holdBack).toEqual(['INV-1']);
    s = evolveSettings(s, k(run.selectionChanged(noSelectionRules({ holdBack: ['INV-1'] }))) as never);
    expect(s.pendingSelection).toBeNull();
    expect(s.selection?.value.holdBack).toEqual(['INV-1']);
  });

  it('holds back and releases one reference, leaving the rest of the rules as they are', () => {
    const rules = noSelectionRules({ holdBack: ['A'], currencies: ['EUR'] });
    expect(withHoldBack(rules, 'B', true)).toEqual({ ...rules, holdBack: ['A', 'B'] });
    expect(withHoldBack(rules, 'A', false)).toEqual({ ...rules, holdBack: [] });
    expect(withHoldBack(rules, 'A', true).holdBack).toEqual(['A']);
  });
});
