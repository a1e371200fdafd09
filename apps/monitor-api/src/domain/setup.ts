// The setup checklist of a connection (issue 13 part 1): what an integrator or a brand's finance team still has to
// do before documents flow, in the order it is done in one sitting: the LNB credentials (checked with LNB when they
// are set), Xero connected, the mapping complete (no document rejected for something the mapping decides), a
// schedule chosen for each flow (on, or deliberately off), and a first preview run looked at. Pure: the facts come
// in, the steps go out (http/setup.controller.ts reads them).
import { type ConnectionSnapshot, type ErrorCode, FLOWS, type Flow } from '@lnbx/contracts';

export type SetupStepId = 'lnb_credentials' | 'xero' | 'mapping' | 'schedule' | 'preview';

export interface SetupStep {
  id: SetupStepId;
  title: string;
  done: boolean;
  /** Plain words: what was done (by whom, when), or what to do next. */
  detail: string;
}

export interface SetupChecklist {
  done: boolean;
  steps: SetupStep[];
}

/**
 * Rejections the mapping decides (a tax rate, an account, a tracking category, the number's prefix): a complete
 * mapping leaves none of them. The rest (a missing EAN13, a retailer without a reference) are fixed in LNB.
 */
export const MAPPING_CODES: readonly ErrorCode[] = [
  'LNB.UNKNOWN_TAX_RATE',
  'MAP.NO_ACCOUNT_FOR_LINE',
  'MAP.NUMBER_TOO_LONG',
  'XERO.UNKNOWN_TAX_TYPE',
  'XERO.TAX_TYPE_NOT_FOR_SALES',
  'XERO.TAX_RATE_MISMATCH',
  'XERO.UNKNOWN_ACCOUNT',
  'XERO.ARCHIVED_ACCOUNT',
  'XERO.UNKNOWN_TRACKING_CATEGORY',
  'XERO.UNKNOWN_TRACKING_OPTION',
];

export interface SetupFacts {
  /** The connection's record; null for one the monitor has no record of (a deployment from before connections). */
  connection: ConnectionSnapshot | null;
  /** The Xero connection as the exporter last told it. */
  xero: { status: string; tenantName: string | null } | null;
  /** Documents mapped (sent or previewed) so far, and those rejected now for a reason the mapping decides, by code. */
  mapped: number;
  rejectedForMapping: Partial<Record<ErrorCode, number>>;
  /** Each flow's schedule as saved (confirmed or pending); null: never saved. */
  schedules: Record<Flow, { enabled: boolean; cron: string | null; timeZone: string | null } | null>;
  /** The last preview run that completed, with what it found. */
  preview: { flow: Flow; endedAt: string; wouldSend: number; wouldReject: number } | null;
}

const day = (iso: string) => iso.slice(0, 10);
const flowName = (flow: Flow) => (flow === 'credit_notes' ? 'credit notes' : flow);
const count = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en-GB')} ${n === 1 ? one : many}`;

export function setupChecklist(f: SetupFacts): SetupChecklist {
  const lnb = f.connection?.lnbCredentials ?? null;
  const xeroName = f.xero?.tenantName ? ` (${f.xero.tenantName})` : '';
  const rejected = Object.entries(f.rejectedForMapping).filter(([, n]) => (n ?? 0) > 0) as [ErrorCode, number][];
  const rejectedTotal = rejected.reduce((sum, [, n]) => sum + n, 0);
  const unsaved = FLOWS.filter((flow) => !f.schedules[flow]);
  const steps: SetupStep[] = [
    {
      id: 'lnb_credentials',
      title: 'LNB credentials',
      done: lnb !== null,
      detail: lnb
        ? `Set by ${lnb.setBy} on ${day(lnb.setAt)} (client id ${lnb.hint}) and accepted by Le New Black.`
        : "Not set: enter the brand's LNB client id and secret; they are checked with Le New Black at once.",
    },
    {
      id: 'xero',
      title: 'Xero connected',
      done: f.xero?.status === 'connected',
      detail:
        f.xero?.status === 'connected'
          ? `Connected to Xero${xeroName}.`
          : f.xero?.status === 'choosing'
            ? 'Xero gave access to several organisations: pick the one for this brand in the Xero panel.'
            : 'Not connected: press "Connect to Xero" and choose the organisation for this brand.',
    },
    {
      id: 'mapping',
      title: 'Mapping complete',
      done: f.mapped > 0 && rejectedTotal === 0,
      detail:
        f.mapped === 0
          ? "Run a preview: the mapping is checked against the brand's own documents."
          : rejectedTotal === 0
            ? `No document rejected for something the mapping decides (${count(f.mapped, 'document')} mapped).`
            : `${count(rejectedTotal, 'document')} rejected for something the mapping decides: ${rejected.map(([code, n]) => `${n} ${code}`).join(', ')}. Change the mapping, then retry them.`,
    },
    {
      id: 'schedule',
      title: 'Schedule chosen',
      done: unsaved.length === 0,
      detail:
        unsaved.length === 0
          ? FLOWS.map((flow) => {
              const s = f.schedules[flow]!;
              // A schedule saved without a zone fires in the connection's (UTC when the monitor has no record of it).
              return `${flowName(flow)}: ${s.enabled ? `"${s.cron}" (${s.timeZone ?? f.connection?.timeZone ?? 'UTC'})` : 'off'}`;
            }).join('; ') + '.'
          : `No schedule saved yet for ${unsaved.map(flowName).join(' and ')}: choose when each runs, or save it off.`,
    },
    {
      id: 'preview',
      title: 'First preview looked at',
      done: f.preview !== null,
      detail: f.preview
        ? `Preview of ${flowName(f.preview.flow)} on ${day(f.preview.endedAt)}: ${count(f.preview.wouldSend, 'document')} would go to Xero, ${f.preview.wouldReject.toLocaleString('en-GB')} would be rejected.`
        : 'Run a preview ("Preview invoices" under Export now): it shows what would go to Xero and what would be rejected, and sends nothing.',
    },
  ];
  return { done: steps.every((s) => s.done), steps };
}
