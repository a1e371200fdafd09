// Reads the exporter's GET /connections/status answer, whatever of the likely shapes it takes, as
// connected or not, so the monitor can tell when the Xero connection is lost; and the connection as
// the exporter's events tell it (the projection, and the words the log, the digest and the panel use).
import { assertNever, type XeroConnectionEvent } from './events';

/** true/false when the answer says; null when it says nothing we recognise. */
export function isConnected(body: unknown): boolean | null {
  if (typeof body !== 'object' || body === null) return null;
  const o = body as Record<string, unknown>;
  if (typeof o.connected === 'boolean') return o.connected;
  if (typeof o.status === 'string') return o.status.toLowerCase() === 'connected';
  const list = Array.isArray(body) ? body : Array.isArray(o.connections) ? o.connections : null;
  if (list) {
    const states = list.map(isConnected).filter((x): x is boolean => x !== null);
    return states.length ? states.some(Boolean) : list.length === 0 ? false : null;
  }
  return null;
}

/** A connection-lost notice is due on the change from connected to not connected only. */
export const connectionLost = (before: boolean | null, now: boolean | null): boolean => before === true && now === false;

/** The Xero connection as the exporter's XeroConnectionLost / XeroConnectionRestored events tell it. */
export interface XeroConnectionView {
  connectionId: string;
  status: 'connected' | 'lost';
  xeroTenantId: string;
  tenantName: string | null;
  /** Of the last loss (kept after a restoration, so the panel can say what happened last). */
  reason: string | null;
  code: string | null;
  waitingDocuments: number;
  resumedDocuments: number | null;
  lostAt: string | null;
  restoredAt: string | null;
  lastEventAt: string;
}

/** Both events share one Kafka key, so they arrive in order; the time check only guards a replayed old one. */
export function evolveXeroConnection(view: XeroConnectionView | null, e: XeroConnectionEvent): XeroConnectionView {
  if (view && e.occurredAt < view.lastEventAt) return view;
  const base = { connectionId: e.connectionId, xeroTenantId: e.payload.xeroTenantId, tenantName: e.payload.tenantName ?? view?.tenantName ?? null, lastEventAt: e.occurredAt };
  switch (e.type) {
    case 'XeroConnectionLost':
      return {
        ...base, status: 'lost', reason: e.payload.reason, code: e.payload.code, waitingDocuments: e.payload.waitingDocuments,
        resumedDocuments: null, lostAt: e.occurredAt, restoredAt: view?.restoredAt ?? null,
      };
    case 'XeroConnectionRestored':
      return {
        ...base, status: 'connected', reason: view?.reason ?? null, code: view?.code ?? null, waitingDocuments: 0,
        resumedDocuments: e.payload.resumedDocuments, lostAt: view?.lostAt ?? null, restoredAt: e.occurredAt,
      };
    default:
      return assertNever(e);
  }
}

const documents = (n: number, one: string, many: string): string => `${n} ${n === 1 ? `document ${one}` : `documents ${many}`}`;
const organisation = (tenant: string | null): string => (tenant ? ` to ${tenant}` : '');

/** One sentence for the task log, the digest and the panel: what was lost, why, what waits, what to do. */
export function lostSentence(l: { tenant: string | null; reason: string; waitingDocuments: number | null; code?: string | null }): string {
  const then = l.waitingDocuments === null
    ? 'Reconnect in the Integration Center.'
    : `${documents(l.waitingDocuments, 'waits', 'wait')}; reconnect in the Integration Center.`;
  return `The Xero connection${organisation(l.tenant)} was lost: ${l.reason.replace(/[.\s]+$/, '')}${l.code ? ` (${l.code})` : ''}. ${then}`;
}

/** What a mapped document shows while its connection is lost: it waits, it did not fail. */
export function waitingForXero(state: string | null, c: XeroConnectionView | undefined): { for: 'xero_connection'; message: string } | null {
  if (state !== 'mapped' || c?.status !== 'lost') return null;
  return { for: 'xero_connection', message: `Waiting for the Xero connection${organisation(c.tenantName ?? c.xeroTenantId)}: reconnect in the Integration Center.` };
}

export const restoredSentence = (r: { tenant: string | null; resumedDocuments: number }): string =>
  `The Xero connection${organisation(r.tenant)} was restored; ${documents(r.resumedDocuments, 'resumes', 'resume')}.`;

/** What GET /api/xero/status answers (the Xero connection panel shows `message`). */
export interface XeroStatus {
  reachable: boolean;
  connected: boolean | null;
  message: string;
  /** The exporter's own answer, secrets removed. */
  exporter?: unknown;
  /** The connection as the exporter's events told it; null before any loss was ever reported. */
  projected: XeroConnectionView | null;
}

const tenantOf = (v: XeroConnectionView): string => v.tenantName ?? v.xeroTenantId;
const projectedMessage = (v: XeroConnectionView): string =>
  v.status === 'lost' ? lostSentence({ tenant: tenantOf(v), reason: v.reason ?? 'no reason given', waitingDocuments: v.waitingDocuments }) : `Connected to Xero (${tenantOf(v)}).`;

/**
 * The exporter's live answer decides whether it is connected now; the projection adds what it knows
 * (which organisation, why it was lost, how many documents wait), and stands alone when the exporter is silent.
 */
export function describeXero(live: Omit<XeroStatus, 'projected'>, projected: XeroConnectionView | null): XeroStatus {
  if (!projected) return { ...live, projected };
  if (!live.reachable) return { ...live, connected: projected.status === 'connected', message: `${live.message} As last reported: ${projectedMessage(projected)}`, projected };
  if (live.connected === false && projected.status === 'lost') return { ...live, message: projectedMessage(projected), projected };
  if (live.connected === true) return { ...live, message: `Connected to Xero (${tenantOf(projected)}).`, projected };
  return { ...live, projected };
}
