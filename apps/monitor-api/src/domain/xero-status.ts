// The Xero connection as the exporter's events tell it, and nothing else (the monitor never asks the
// exporter over HTTP): its state told whole (XeroConnectionChanged), its losses and restorations
// (XeroConnectionLost / Restored), and the words the log, the digest and the panel use.
import { assertNever, type XeroConnectionChange, type XeroGrant } from '@lnbx/contracts';
import type { XeroConnectionEvent, XeroConnectionStateEvent } from './events';

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
  const base = {
    connectionId: e.connectionId,
    xeroTenantId: e.payload.xeroTenantId,
    tenantName: e.payload.tenantName ?? view?.tenantName ?? null,
    lastEventAt: e.occurredAt,
  };
  switch (e.type) {
    case 'XeroConnectionLost':
      return {
        ...base,
        status: 'lost',
        reason: e.payload.reason,
        code: e.payload.code,
        waitingDocuments: e.payload.waitingDocuments,
        resumedDocuments: null,
        lostAt: e.occurredAt,
        restoredAt: view?.restoredAt ?? null,
      };
    case 'XeroConnectionRestored':
      return {
        ...base,
        status: 'connected',
        reason: view?.reason ?? null,
        code: view?.code ?? null,
        waitingDocuments: 0,
        resumedDocuments: e.payload.resumedDocuments,
        lostAt: view?.lostAt ?? null,
        restoredAt: e.occurredAt,
      };
    default:
      return assertNever(e);
  }
}

const documents = (n: number, one: string, many: string): string => `${n} ${n === 1 ? `document ${one}` : `documents ${many}`}`;
const organisation = (tenant: string | null): string => (tenant ? ` to ${tenant}` : '');

/** One sentence for the task log, the digest and the panel: what was lost, why, what waits, what to do. */
export function lostSentence(l: { tenant: string | null; reason: string; waitingDocuments: number | null; code?: string | null }): string {
  const then =
    l.waitingDocuments === null
      ? 'Reconnect in the Integration Center.'
      : `${documents(l.waitingDocuments, 'waits', 'wait')}; reconnect in the Integration Center.`;
  return `The Xero connection${organisation(l.tenant)} was lost: ${l.reason.replace(/[.\s]+$/, '')}${l.code ? ` (${l.code})` : ''}. ${then}`;
}

/** What a mapped document shows while its connection is lost: it waits, it did not fail. */
export function waitingForXero(state: string | null, c: XeroConnectionView | undefined): { for: 'xero_connection'; message: string } | null {
  if (state !== 'mapped' || c?.status !== 'lost') return null;
  return {
    for: 'xero_connection',
    message: `Waiting for the Xero connection${organisation(c.tenantName ?? c.xeroTenantId)}: reconnect in the Integration Center.`,
  };
}

export const restoredSentence = (r: { tenant: string | null; resumedDocuments: number }): string =>
  `The Xero connection${organisation(r.tenant)} was restored; ${documents(r.resumedDocuments, 'resumes', 'resume')}.`;

/** The Xero connection as the exporter last told it whole (XeroConnectionChanged). */
export interface XeroConnectionState {
  connectionId: string;
  /**
   * `lost`: not connected after an organisation was; `disconnected`: someone pressed "Disconnect" (`by`);
   * `not_connected`: none ever was; `choosing`: a consent gave several organisations (`organisations`) and an
   * operator picks the one for this brand, nothing is sent to Xero meanwhile.
   */
  status: 'connected' | 'lost' | 'disconnected' | 'not_connected' | 'choosing';
  grant: XeroGrant;
  xeroTenantId: string | null;
  tenantName: string | null;
  /** The organisation's short code in Xero, once the exporter read it. */
  shortCode: string | null;
  /** When it last connected. */
  connectedAt: string | null;
  /** When the current status began; null when the first state told was already this one (it began before). */
  since: string | null;
  /** Why it is not connected, and the stable code when one is known; null while connected. */
  reason: string | null;
  code: string | null;
  /** Who disconnected it in the Integration Center, while `disconnected`; who picked its organisation, while `connected` (null: the consent gave one). */
  by: string | null;
  /** The organisations to pick from, while `choosing`; null otherwise. */
  organisations: { tenantId: string; tenantName: string }[] | null;
  /** Why the exporter told it last, and when. */
  change: XeroConnectionChange;
  at: string;
}

/**
 * The state told replaces the one before (it is whole); one Kafka key keeps them in order, and the time
 * check only guards a replayed old one. `since` and a loss's code carry over while the status stays.
 */
export function evolveXeroConnectionState(before: XeroConnectionState | null, e: XeroConnectionStateEvent): XeroConnectionState {
  if (before && e.occurredAt < before.at) return before;
  const p = e.payload;
  const status = p.status === 'connected' || p.status === 'choosing' ? p.status : p.by ? 'disconnected' : p.xeroTenantId ? 'lost' : 'not_connected';
  const reason = status === 'connected' ? null : (p.reason ?? null);
  const same = before?.status === status;
  let since: string | null;
  if (status === 'connected') since = p.connectedAt ?? e.occurredAt;
  else if (same) since = before.since;
  // It changed now (or is a loss, a disconnection or a choice); a first state told that is already "not connected" began at an unknown time.
  else since = before || p.change === 'lost' || p.change === 'disconnected' || p.change === 'choose' ? e.occurredAt : null;
  return {
    connectionId: e.connectionId,
    status,
    grant: p.grant,
    xeroTenantId: p.xeroTenantId ?? null,
    tenantName: p.tenantName ?? null,
    shortCode: p.shortCode ?? null,
    connectedAt: p.connectedAt ?? null,
    since,
    reason,
    code: status === 'connected' ? null : (p.code ?? (same && before.reason === reason ? before.code : null)),
    by: status === 'disconnected' || status === 'connected' ? (p.by ?? null) : null,
    organisations: status === 'choosing' ? (p.organisations ?? []).map(({ tenantId, tenantName }) => ({ tenantId, tenantName })) : null,
    change: p.change,
    at: e.occurredAt,
  };
}

/** What GET /api/xero/status answers (the Xero connection panel shows `message`, coloured by `connected`). */
export interface XeroStatus {
  /** Whether the exporter is connected to Xero, as its events last told it; null before it told anything. */
  connected: boolean | null;
  message: string;
  /** The connection as the exporter last told it whole; null until it did (an exporter older than XeroConnectionChanged). */
  state: XeroConnectionState | null;
  /** Its last loss and restoration; null before any loss was ever reported. */
  projected: XeroConnectionView | null;
}

const tenantOf = (v: { tenantName: string | null; xeroTenantId: string | null }): string | null => v.tenantName ?? v.xeroTenantId;
const projectedMessage = (v: XeroConnectionView): string =>
  v.status === 'lost'
    ? lostSentence({ tenant: tenantOf(v), reason: v.reason ?? 'no reason given', waitingDocuments: v.waitingDocuments })
    : `Connected to Xero${inBrackets(tenantOf(v))}.`;
const inBrackets = (tenant: string | null): string => (tenant ? ` (${tenant})` : '');

/** What the panel says while a consent's organisations wait for a pick. */
export const choosingSentence = (organisations: number): string => `Xero gave access to ${organisations} organisations: pick the one for this brand.`;

function stateMessage(s: XeroConnectionState, history: XeroConnectionView | null): string {
  switch (s.status) {
    case 'connected':
      return `Connected to Xero${inBrackets(tenantOf(s))}${s.by ? `, picked by ${s.by}` : ''}.`;
    case 'choosing':
      return choosingSentence(s.organisations?.length ?? 0);
    case 'lost': {
      // The loss's own event counted the documents that wait; the state does not.
      const told = history?.status === 'lost' ? history : null;
      return lostSentence({ tenant: tenantOf(s), reason: s.reason ?? told?.reason ?? 'no reason given', waitingDocuments: told?.waitingDocuments ?? null });
    }
    case 'disconnected':
      return `Disconnected from Xero${inBrackets(tenantOf(s))} in the Integration Center by ${s.by}: documents wait until someone connects again.`;
    case 'not_connected': {
      const why = s.reason ? `: ${s.reason.replace(/[.\s]+$/, '')}` : '';
      return s.grant === 'client_credentials'
        ? `Not connected to Xero${why}. The exporter tries again by itself (a Xero custom connection).`
        : `Not connected to Xero${why}. Connect to start exporting.`;
    }
    default:
      return assertNever(s.status);
  }
}

/** The panel's answer: the state told decides; an exporter that never told one is read from its losses and restorations. */
export function describeXero(state: XeroConnectionState | null, history: XeroConnectionView | null): XeroStatus {
  if (state) return { connected: state.status === 'connected', message: stateMessage(state, history), state, projected: history };
  if (history) return { connected: history.status === 'connected', message: projectedMessage(history), state, projected: history };
  return { connected: null, message: 'The Xero exporter has not told the state of its Xero connection yet.', state, projected: history };
}
