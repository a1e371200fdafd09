// What projecting one event means beyond the read models: the metric samples it adds and the
// problems worth telling someone about. Computed once per eventId, applied after the commit.
import type { Flow, Problem } from '@lnbx/contracts';
import { flowOfDocumentType, parseDocumentKey } from '@lnbx/contracts';
import type { DocumentView } from './documents';
import type { Known } from './events';
import { runDurationSeconds, type RunView } from './runs';

export type MetricSample =
  | { metric: 'runs_total'; labels: { flow: string; outcome: string } }
  | { metric: 'run_duration_seconds'; labels: { flow: string; outcome: string }; value: number }
  | { metric: 'documents_detected_total'; labels: { type: string } }
  | { metric: 'documents_exported_total'; labels: { type: string; outcome: string } }
  | { metric: 'documents_export_failed_total'; labels: { type: string; code: string } }
  | { metric: 'detected_to_exported_seconds'; labels: { type: string }; value: number }
  /** allocated, already_allocated or not_possible; a waiting allocation is a gauge of the read model, never counted here. */
  | { metric: 'credit_note_allocations_total'; labels: { outcome: string } };

export type Notice =
  | { kind: 'run_failed'; runId: string; flow: Flow; code: string; message: string }
  | { kind: 'rejected'; runId: string; flow: Flow; reference: string; codes: string[] }
  | { kind: 'export_failed'; runId: string; flow: Flow; reference: string; codes: string[] }
  /** News for finance, not a failure: the credit note is in Xero, and stays unallocated. */
  | { kind: 'allocation_not_possible'; runId: string; flow: Flow; reference: string; code: string }
  /**
   * From XeroConnectionLost (`source: 'event'`, every field known), or from the exporter's status
   * polled as a fallback (`source: 'poll'`: only that it is lost).
   */
  | { kind: 'connection_lost'; source: 'event' | 'poll'; tenant: string | null; reason: string; code: string | null; waitingDocuments: number | null }
  | { kind: 'connection_restored'; tenant: string | null; resumedDocuments: number };

/** A notice about one run (the rest are about the Xero connection). */
export type RunNotice = Extract<Notice, { runId: string }>;
export const isRunNotice = (n: Notice): n is RunNotice => 'runId' in n;

export interface Effects {
  metrics: MetricSample[];
  notices: Notice[];
}

export const NO_EFFECTS: Effects = { metrics: [], notices: [] };

const uniq = (xs: string[]): string[] => [...new Set(xs)];

/**
 * @param docBefore the document's current state before this event (for detected-to-exported time)
 * @param runAfter the run after this event, when it is a run event or its run is known
 */
export function effectsOf(e: Known, docBefore: DocumentView | null, runAfter: RunView | null): Effects {
  const metrics: MetricSample[] = [];
  const notices: Notice[] = [];
  const preview = runAfter?.mode === 'preview';
  switch (e.type) {
    case 'RunCompleted':
    case 'RunFailed': {
      const outcome = e.type === 'RunCompleted' ? 'completed' : 'failed';
      const labels = { flow: e.payload.flow, outcome };
      metrics.push({ metric: 'runs_total', labels });
      const duration = runAfter ? runDurationSeconds(runAfter) : null;
      if (duration !== null) metrics.push({ metric: 'run_duration_seconds', labels, value: duration });
      if (e.type === 'RunFailed' && !preview) {
        notices.push({ kind: 'run_failed', runId: e.payload.runId, flow: e.payload.flow, code: e.payload.problem.code, message: e.payload.problem.message });
      }
      break;
    }
    case 'InvoiceDetected':
    case 'CreditNoteDetected': {
      const p = e.payload;
      metrics.push({ metric: 'documents_detected_total', labels: { type: p.documentType } });
      // The export can be projected first (another topic, another service): time it when its detection arrives.
      if (docBefore?.exportedAt && !docBefore.detectedAt && docBefore.revision === p.revision) {
        metrics.push({
          metric: 'detected_to_exported_seconds',
          labels: { type: p.documentType },
          value: Math.max(0, (Date.parse(docBefore.exportedAt) - Date.parse(e.occurredAt)) / 1000),
        });
      }
      break;
    }
    case 'DocumentRejected':
      if (e.payload.mode === 'export') {
        notices.push({
          kind: 'rejected',
          runId: e.payload.runId,
          flow: flowOfDocumentType(e.payload.documentType),
          reference: referenceOf(e.payload.documentKey),
          codes: rejectingCodes(e.payload.problems),
        });
      }
      break;
    case 'DocumentExported': {
      const p = e.payload;
      metrics.push({ metric: 'documents_exported_total', labels: { type: p.documentType, outcome: p.outcome } });
      if (docBefore?.detectedAt && docBefore.revision === p.revision) {
        metrics.push({
          metric: 'detected_to_exported_seconds',
          labels: { type: p.documentType },
          value: Math.max(0, (Date.parse(e.occurredAt) - Date.parse(docBefore.detectedAt)) / 1000),
        });
      }
      break;
    }
    case 'DocumentExportFailed': {
      const p = e.payload;
      const codes = uniq(p.problems.map((x) => x.code));
      metrics.push({ metric: 'documents_export_failed_total', labels: { type: p.documentType, code: codes[0] ?? 'XERO.UNKNOWN' } });
      // A retriable failure is tried again by the exporter: only the final one is news.
      if (!p.retriable)
        notices.push({ kind: 'export_failed', runId: p.runId, flow: flowOfDocumentType(p.documentType), reference: referenceOf(p.documentKey), codes });
      break;
    }
    case 'XeroConnectionLost': {
      const p = e.payload;
      notices.push({
        kind: 'connection_lost',
        source: 'event',
        tenant: p.tenantName ?? p.xeroTenantId,
        reason: p.reason,
        code: p.code,
        waitingDocuments: p.waitingDocuments,
      });
      break;
    }
    case 'XeroConnectionRestored':
      notices.push({ kind: 'connection_restored', tenant: e.payload.tenantName ?? e.payload.xeroTenantId, resumedDocuments: e.payload.resumedDocuments });
      break;
    case 'CreditNoteAllocated':
      metrics.push({ metric: 'credit_note_allocations_total', labels: { outcome: e.payload.outcome } });
      break;
    case 'CreditNoteLeftUnallocated': {
      const p = e.payload;
      metrics.push({ metric: 'credit_note_allocations_total', labels: { outcome: 'not_possible' } });
      notices.push({
        kind: 'allocation_not_possible',
        runId: p.runId || e.correlationId,
        flow: flowOfDocumentType(p.documentType),
        reference: referenceOf(p.documentKey),
        code: p.code,
      });
      break;
    }
    default:
      break;
  }
  return { metrics, notices };
}

/** What rejected a document: its errors, not its warnings (a rejection made only of warnings still names them). */
function rejectingCodes(problems: Problem[]): string[] {
  const errors = problems.filter((p) => p.severity === 'error');
  return uniq((errors.length ? errors : problems).map((p) => p.code));
}

const referenceOf = (documentKey: string): string => parseDocumentKey(documentKey)?.reference ?? documentKey;
