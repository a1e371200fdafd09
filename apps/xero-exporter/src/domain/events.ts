// The exporter's outgoing events, built once here: a document's keyed by the document, correlated with
// the run, caused by the DocumentMapped that asked for the export; a connection's keyed by the connection.
import {
  createEnvelope,
  CreditNoteAllocated,
  CreditNoteLeftUnallocated,
  CreditNoteAllocationDeferred,
  DocumentExported,
  DocumentExportFailed,
  type DocumentType,
  type EventEnvelope,
  type Problem,
  xeroConnectionKey,
  type XeroConnectionChange,
  XeroConnectionChanged,
  XeroConnectionLost,
  XeroConnectionRestored,
  type XeroGrant,
} from '@lnbx/contracts';
import type { PublishedEvent } from './document-lifecycle';
import type { Candidate } from './organisation-choice';

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

/**
 * A published lifecycle event (domain/document-lifecycle.ts) as its envelope: keyed by the document,
 * correlated with the run, caused by the DocumentMapped that asked for the export; occurredAt is the time
 * the lifecycle's state carries, so a rebuild finds the same.
 */
export function documentEnvelope(event: PublishedEvent): EventEnvelope {
  const ctx = {
    producer: 'xero-exporter' as const,
    connectionId: event.ctx.connectionId,
    correlationId: event.ctx.correlationId,
    causationId: event.ctx.causationId,
    key: event.data.documentKey,
    occurredAt: new Date(event.at),
  };
  switch (event.type) {
    case 'DocumentExported':
      return createEnvelope(DocumentExported.definition, event.data, ctx);
    case 'DocumentExportFailed':
      return createEnvelope(DocumentExportFailed.definition, event.data, ctx);
    case 'CreditNoteAllocationDeferred':
      return createEnvelope(CreditNoteAllocationDeferred.definition, event.data, ctx);
    case 'CreditNoteAllocated':
      return createEnvelope(CreditNoteAllocated.definition, event.data, ctx);
    case 'CreditNoteLeftUnallocated':
      return createEnvelope(CreditNoteLeftUnallocated.definition, event.data, ctx);
    default: {
      const never: never = event;
      throw new Error(`unhandled: ${JSON.stringify(never)}`);
    }
  }
}

/** A published lifecycle event read back from its envelope (decoded and validated by the caller). */
export function documentEventOf(env: EventEnvelope): PublishedEvent | undefined {
  const common = { ctx: { connectionId: env.connectionId, correlationId: env.correlationId, causationId: env.causationId ?? '' }, at: env.occurredAt };
  switch (env.type) {
    case DocumentExported.definition.type:
      return { type: 'DocumentExported', data: env.payload as DocumentExported.Value, ...common };
    case DocumentExportFailed.definition.type:
      return { type: 'DocumentExportFailed', data: env.payload as DocumentExportFailed.Value, ...common };
    case CreditNoteAllocationDeferred.definition.type:
      return { type: 'CreditNoteAllocationDeferred', data: env.payload as CreditNoteAllocationDeferred.Value, ...common };
    case CreditNoteAllocated.definition.type:
      return { type: 'CreditNoteAllocated', data: env.payload as CreditNoteAllocated.Value, ...common };
    case CreditNoteLeftUnallocated.definition.type:
      return { type: 'CreditNoteLeftUnallocated', data: env.payload as CreditNoteLeftUnallocated.Value, ...common };
    default:
      return undefined;
  }
}

export const connectionStream = (connectionId: string): string => `xero-connection-${connectionId}`;

/**
 * A connection's events belong to no run: their correlationId is the connection key, so the monitor's
 * run-less log holds them (and it copies them into the logs of the runs whose documents wait).
 */
const connectionCtx = (connectionId: string) => ({
  producer: 'xero-exporter' as const,
  connectionId,
  correlationId: xeroConnectionKey(connectionId),
  key: xeroConnectionKey(connectionId),
});

export const connectionLostEvent = (connectionId: string, v: XeroConnectionLost.Value): EventEnvelope<XeroConnectionLost.Value> =>
  createEnvelope(XeroConnectionLost.definition, v, connectionCtx(connectionId));

export const connectionRestoredEvent = (connectionId: string, v: XeroConnectionRestored.Value): EventEnvelope<XeroConnectionRestored.Value> =>
  createEnvelope(XeroConnectionRestored.definition, v, connectionCtx(connectionId));

/** What the exporter holds of a connection that the monitor may see: a stored row fits, its sealed tokens are never read. */
export interface ConnectionFacts {
  status: 'connected' | 'disconnected' | 'choosing';
  grantType: XeroGrant;
  xeroTenantId: string | null;
  tenantName: string | null;
  reason: string | null;
  connectedAt: Date | null;
  shortCode?: string | null;
  /** Absent on a row read before it was stored (0006): nobody disconnected it then. */
  disconnectedBy?: string | null;
  /** While choosing: the organisations offered (their /connections ids stay here, never told). */
  candidates?: Candidate[] | null;
  /** Who picked the organisation among those a consent gave; null when the consent gave one. */
  chosenBy?: string | null;
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
  if (c.shortCode) s.shortCode = c.shortCode;
  if (c.connectedAt) s.connectedAt = c.connectedAt.toISOString();
  if (c.status !== 'connected' && c.reason) s.reason = c.reason;
  // A mark left while connected or choosing is a "Disconnect" under way, not yet what happened.
  if (c.status === 'disconnected' && c.disconnectedBy) s.by = c.disconnectedBy;
  if (c.status === 'connected' && c.chosenBy) s.by = c.chosenBy;
  if (c.status === 'choosing' && c.candidates?.length) s.organisations = c.candidates.map(({ tenantId, tenantName }) => ({ tenantId, tenantName }));
  return s;
}

/** Whether a state told earlier is still the state (the start's announcement is skipped then). */
export const sameConnectionState = (told: ConnectionState, now: ConnectionState): boolean =>
  (['status', 'grant', 'xeroTenantId', 'tenantName', 'connectedAt', 'reason', 'by', 'shortCode'] as const).every(
    (k) => (told[k] ?? null) === (now[k] ?? null),
  ) && JSON.stringify(told.organisations ?? null) === JSON.stringify(now.organisations ?? null);

export const connectionChangedEvent = (
  connectionId: string,
  change: XeroConnectionChange,
  state: ConnectionState,
  code?: string,
): EventEnvelope<XeroConnectionChanged.Value> =>
  createEnvelope(
    XeroConnectionChanged.definition,
    { ...state, change, ...(code && state.status !== 'connected' ? { code } : {}) },
    connectionCtx(connectionId),
  );

export const problem = (code: string, message: string): Problem => ({ code, message, severity: 'error' });
