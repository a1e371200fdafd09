// The exporter's outgoing events, built once here: a document's keyed by the document, correlated with
// the run, caused by the DocumentMapped that asked for the export; a connection's keyed by the connection.
import {
  type AllocationWait, createEnvelope, CreditNoteAllocated, CreditNoteLeftUnallocated, CreditNoteAllocationDeferred, DocumentExported, DocumentExportFailed, type DocumentType, type EventEnvelope, type Problem, xeroConnectionKey,
  type XeroConnectionChange, XeroConnectionChanged, XeroConnectionLost, XeroConnectionRestored, type XeroGrant,
} from '@lnbx/contracts';

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

export const connectionStream = (connectionId: string): string => `xero-connection-${connectionId}`;

/**
 * A connection's events belong to no run: their correlationId is the connection key, so the monitor's
 * run-less log holds them (and it copies them into the logs of the runs whose documents wait).
 */
const connectionCtx = (connectionId: string) => ({
  producer: 'xero-exporter' as const, connectionId, correlationId: xeroConnectionKey(connectionId), key: xeroConnectionKey(connectionId),
});

export const connectionLostEvent = (connectionId: string, v: XeroConnectionLost.Value): EventEnvelope<XeroConnectionLost.Value> =>
  createEnvelope(XeroConnectionLost.definition, v, connectionCtx(connectionId));

export const connectionRestoredEvent = (connectionId: string, v: XeroConnectionRestored.Value): EventEnvelope<XeroConnectionRestored.Value> =>
  createEnvelope(XeroConnectionRestored.definition, v, connectionCtx(connectionId));

/** What the exporter holds of a connection that the monitor may see: a stored row fits, its sealed tokens are never read. */
export interface ConnectionFacts {
  status: 'connected' | 'disconnected';
  grantType: XeroGrant;
  xeroTenantId: string | null;
  tenantName: string | null;
  reason: string | null;
  connectedAt: Date | null;
}

type ConnectionState = Omit<XeroConnectionChanged.Value, 'change' | 'code'>;

/**
 * The state XeroConnectionChanged tells, field by field from what is stored (so nothing else, a token
 * least of all, can slip in); no row yet is a connection never made, by the deployment's grant.
 */
export function connectionState(c: ConnectionFacts | undefined, grant: XeroGrant): ConnectionState {
  if (!c) return { status: 'disconnected', grant };
  const s: ConnectionState = { status: c.status, grant: c.grantType };
  if (c.xeroTenantId) s.xeroTenantId = c.xeroTenantId;
  if (c.tenantName) s.tenantName = c.tenantName;
  if (c.connectedAt) s.connectedAt = c.connectedAt.toISOString();
  if (c.status !== 'connected' && c.reason) s.reason = c.reason;
  return s;
}

/** Whether a state told earlier is still the state (the start's announcement is skipped then). */
export const sameConnectionState = (told: ConnectionState, now: ConnectionState): boolean =>
  (['status', 'grant', 'xeroTenantId', 'tenantName', 'connectedAt', 'reason'] as const).every((k) => (told[k] ?? null) === (now[k] ?? null));

export const connectionChangedEvent = (connectionId: string, change: XeroConnectionChange, state: ConnectionState, code?: string): EventEnvelope<XeroConnectionChanged.Value> =>
  createEnvelope(XeroConnectionChanged.definition, { ...state, change, ...(code && state.status !== 'connected' ? { code } : {}) }, connectionCtx(connectionId));

export const problem = (code: string, message: string): Problem => ({ code, message, severity: 'error' });

/** The credit note and invoice an allocation event speaks of; its lines go to the run that exported the credit note. */
export interface AllocationRef extends DocumentRef {
  creditNoteXeroId: string;
  creditNoteNumber: string;
  invoiceNumber: string;
}

const allocationSubject = (a: AllocationRef, message: string) => ({
  documentKey: a.documentKey, documentType: a.docType, revision: a.revision, runId: a.runId,
  creditNoteNumber: a.creditNoteNumber, creditNoteXeroId: a.creditNoteXeroId, invoiceNumber: a.invoiceNumber, message,
});

export const allocationDeferredEvent = (a: AllocationRef, d: { message: string; waitingFor: AllocationWait[]; nextCheckAt: Date }): EventEnvelope<CreditNoteAllocationDeferred.Value> =>
  createEnvelope(CreditNoteAllocationDeferred.definition, { ...allocationSubject(a, d.message), waitingFor: d.waitingFor, nextCheckAt: d.nextCheckAt.toISOString() }, ctx(a));

export const allocatedEvent = (
  a: AllocationRef,
  d: { message: string; invoiceXeroId: string; amount: number; currency: string; remainingCredit: number; outcome: CreditNoteAllocated.Value['outcome'] },
): EventEnvelope<CreditNoteAllocated.Value> =>
  createEnvelope(CreditNoteAllocated.definition, {
    ...allocationSubject(a, d.message), invoiceXeroId: d.invoiceXeroId, amount: d.amount, currency: d.currency, remainingCredit: d.remainingCredit, outcome: d.outcome,
  }, ctx(a));

export const leftUnallocatedEvent = (a: AllocationRef, d: { message: string; code: string }): EventEnvelope<CreditNoteLeftUnallocated.Value> =>
  createEnvelope(CreditNoteLeftUnallocated.definition, { ...allocationSubject(a, d.message), code: d.code }, ctx(a));
