// The exporter's outgoing events, built once here: keyed by the document, correlated with the run,
// caused by the DocumentMapped that asked for the export.
import { createEnvelope, DocumentExported, DocumentExportFailed, type DocumentType, type EventEnvelope, type Problem } from '@lnbx/contracts';

export interface DocumentRef {
  documentKey: string;
  connectionId: string;
  docType: DocumentType;
  revision: string;
  runId: string;
  correlationId: string;
  causationId: string;
}

export const documentStream = (documentKey: string): string => `document-${documentKey}`;

const ctx = (r: DocumentRef) => ({
  producer: 'xero-exporter' as const,
  connectionId: r.connectionId,
  correlationId: r.correlationId,
  causationId: r.causationId,
  key: r.documentKey,
});

export function exportedEvent(
  r: DocumentRef,
  d: { xeroTenantId: string; xeroId: string; number: string; url: string; subTotal: number; totalTax: number; total: number; outcome: DocumentExported.Value['outcome'] },
): EventEnvelope<DocumentExported.Value> {
  return createEnvelope(DocumentExported.definition, {
    documentKey: r.documentKey, documentType: r.docType, revision: r.revision, runId: r.runId,
    xeroTenantId: d.xeroTenantId, xeroId: d.xeroId, number: d.number, url: d.url,
    subTotal: d.subTotal, totalTax: d.totalTax, total: d.total, outcome: d.outcome,
  }, ctx(r));
}

export function failedEvent(r: DocumentRef, problems: Problem[], retriable: boolean, attempt: number): EventEnvelope<DocumentExportFailed.Value> {
  return createEnvelope(DocumentExportFailed.definition, {
    documentKey: r.documentKey, documentType: r.docType, revision: r.revision, runId: r.runId,
    problems, retriable, attempt: Math.max(1, attempt),
  }, ctx(r));
}

export const problem = (code: string, message: string): Problem => ({ code, message, severity: 'error' });
