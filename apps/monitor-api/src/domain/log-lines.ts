// A run's task log in words a finance person reads: one line per event (one per problem when an event
// carries several, so each line has its own stable code to filter on).
import {
  assertNever,
  CONNECTION_ID_PATTERN,
  parseDocumentKey,
  type DocumentType,
  type Problem,
  type RunCompleted,
  type RunStarted,
  type ScheduleValue,
  type SelectionRules,
} from '@lnbx/contracts';
import { visible } from '@lnbx/http-input';
import type { Known } from './events';
import { SCOPE_LABEL } from './runs';
import { choosingSentence, lostSentence, restoredSentence } from './xero-status';

export type LogLevel = 'info' | 'warn' | 'error';
export const LOG_LEVELS: readonly LogLevel[] = ['info', 'warn', 'error'];

export interface LogLine {
  /** The run (the envelope's correlationId); null for what belongs to no run (an unreadable dead letter). */
  runId: string | null;
  at: string;
  level: LogLevel;
  documentKey: string | null;
  /** The LNB reference number, when the line is about a document. */
  reference: string | null;
  code: string | null;
  message: string;
  eventType: string;
  /** The eventId, or the dead letter's id. */
  sourceId: string;
  revision: string | null;
}

const LABEL: Record<DocumentType, string> = { invoice: 'Invoice', credit_note: 'Credit note' };
const FLOW_LABEL: Record<string, string> = { invoices: 'invoices', credit_notes: 'credit notes' };

export const documentLabel = (documentKey: string, type: DocumentType): string => `${LABEL[type]} ${parseDocumentKey(documentKey)?.reference ?? documentKey}`;
export const shortRevision = (revision: string): string => revision.slice(0, 8);
export const flowLabel = (flow: string): string => FLOW_LABEL[flow] ?? flow;

const problemLevel = (p: Problem): LogLevel => (p.severity === 'warning' ? 'warn' : 'error');

function describeSchedule(s: ScheduleValue): string {
  if (!s.enabled) return `off`;
  return `"${s.cron ?? ''}"${s.timeZone ? ` (${s.timeZone})` : ''}`;
}

function describeSelection(r: SelectionRules): string {
  const parts: string[] = [];
  parts.push(r.statuses.length ? `statuses ${r.statuses.join(', ')}` : 'any status');
  if (r.dateFrom || r.dateTo) parts.push(`dated ${r.dateFrom ?? '...'} to ${r.dateTo ?? '...'}`);
  if (r.includeRetailers.length) parts.push(`only retailers ${r.includeRetailers.join(', ')}`);
  if (r.excludeRetailers.length) parts.push(`not retailers ${r.excludeRetailers.join(', ')}`);
  if (r.currencies.length) parts.push(`currencies ${r.currencies.join(', ')}`);
  if (r.onlyReferences.length) parts.push(`only ${r.onlyReferences.length} named document(s)`);
  if (r.holdBack.length) parts.push(`${r.holdBack.length} held back (${r.holdBack.join(', ')})`);
  return parts.join('; ');
}

const money = (amount: number, currency: string): string => `${amount.toFixed(2)} ${currency}`;
const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** What the run reads from LNB and why; nothing from a poller older than incremental runs. */
function scopeSentence(p: RunStarted.Value): string {
  if (!p.scope) return '';
  return `. ${SCOPE_LABEL[p.scope]}${p.scopeReason ? `: ${p.scopeReason}` : ''}`;
}

/** What the run cost in LNB: requests, documents read with their order, orders changed; nothing from an older poller. */
function costSentence(p: RunCompleted.Value): string {
  const parts: string[] = [];
  if (p.lnbRequests !== undefined) parts.push(plural(p.lnbRequests, 'LNB request'));
  const read = p.counts.enriched;
  if (read !== undefined) parts.push(`${plural(read, 'document')} read with ${read === 1 ? 'its' : 'their'} order`);
  if (p.changedOrders !== undefined) parts.push(`${plural(p.changedOrders, 'order')} changed in LNB`);
  if (!parts.length) return '';
  return `. ${p.scope ? `${SCOPE_LABEL[p.scope]}: ` : ''}${parts.join(', ')}`;
}

/** The task log lines of one event. */
export function logLinesFor(e: Known): LogLine[] {
  const base = {
    runId: e.correlationId,
    at: e.occurredAt,
    eventType: e.type,
    sourceId: e.eventId,
    documentKey: null,
    reference: null,
    revision: null,
    code: null,
  };
  const line = (level: LogLevel, message: string, extra: Partial<LogLine> = {}): LogLine => ({ ...base, level, message, ...extra });
  const doc = (documentKey: string, revision: string) => ({ documentKey, reference: parseDocumentKey(documentKey)?.reference ?? null, revision });

  switch (e.type) {
    case 'RunRequested': {
      const p = e.payload;
      const which = p.documents?.length ? ` for ${p.documents.join(', ')}` : '';
      const what = p.mode === 'preview' ? 'Preview' : p.fullRecheck ? 'Full re-check' : 'Run';
      return [line('info', `${what} of ${flowLabel(p.flow)} requested by ${p.requestedBy} (${p.trigger})${which}`)];
    }
    case 'RunStarted':
      return [line('info', `Run started (${e.payload.mode}, ${e.payload.trigger}, requested by ${e.payload.requestedBy})${scopeSentence(e.payload)}`)];
    case 'RunCompleted': {
      const c = e.payload.counts;
      return [
        line(
          'info',
          `Run completed: ${c.seen} seen, ${c.selected} selected, ${c.emitted} new or changed, ${c.unchanged} unchanged, ${c.excludedBySelection} excluded by the selection, ${c.heldBack} held back${costSentence(e.payload)}`,
        ),
      ];
    }
    case 'RunFailed':
      return [line('error', `Run failed: ${e.payload.problem.message}`, { code: e.payload.problem.code })];
    case 'InvoiceDetected':
    case 'CreditNoteDetected': {
      const p = e.payload;
      return [line('info', `${documentLabel(p.documentKey, p.documentType)} detected (revision ${shortRevision(p.revision)})`, doc(p.documentKey, p.revision))];
    }
    case 'DocumentMapped': {
      const p = e.payload;
      const lines = [
        line(
          'info',
          `${documentLabel(p.documentKey, p.documentType)} ready for Xero: ${p.xero.lineItems.length} line(s), total ${money(p.xero.expectedTotal, p.xero.currencyCode)}, contact ${p.contact.name}`,
          doc(p.documentKey, p.revision),
        ),
      ];
      for (const w of p.warnings) lines.push(line('warn', `Warning: ${w.message}`, { ...doc(p.documentKey, p.revision), code: w.code }));
      return lines;
    }
    case 'DocumentRejected': {
      const p = e.payload;
      // A warning stays a warning, even on a document that another problem rejected.
      return p.problems.map((pr) =>
        line(problemLevel(pr), `${pr.severity === 'warning' ? 'Warning' : 'Rejected'}: ${pr.message}`, { ...doc(p.documentKey, p.revision), code: pr.code }),
      );
    }
    case 'DocumentExported': {
      const p = e.payload;
      const how = p.outcome === 'already_present' ? ' (it was already there: linked, not created twice)' : p.outcome === 'updated' ? ' (updated)' : '';
      return [line('info', `Exported to Xero as ${p.number}${how}`, doc(p.documentKey, p.revision))];
    }
    case 'DocumentExportFailed': {
      const p = e.payload;
      const then = p.retriable ? ` (attempt ${p.attempt}, will retry)` : '';
      const problems = p.problems.length ? p.problems : [{ code: 'XERO.UNKNOWN', message: 'no reason given', severity: 'error' as const }];
      return problems.map((pr) =>
        line(p.retriable ? 'warn' : 'error', `Export to Xero failed: ${pr.message}${then}`, { ...doc(p.documentKey, p.revision), code: pr.code }),
      );
    }
    case 'ScheduleChangeRequested':
      return [line('info', `Schedule of ${flowLabel(e.payload.flow)} change requested by ${e.payload.requestedBy}: ${describeSchedule(e.payload)}`)];
    case 'ScheduleChanged':
      return [line('info', `Schedule of ${flowLabel(e.payload.flow)} is now ${describeSchedule(e.payload)}`)];
    case 'SelectionChangeRequested':
      return [line('info', `Selection of ${flowLabel(e.payload.flow)} change requested by ${e.payload.requestedBy}: ${describeSelection(e.payload.rules)}`)];
    case 'SelectionChanged':
      return [line('info', `Selection of ${flowLabel(e.payload.flow)} is now: ${describeSelection(e.payload.rules)}`)];
    case 'MappingChangeRequested':
      return [line('info', `Mapping change requested by ${e.payload.requestedBy}: ${Object.keys(e.payload.change).join(', ') || 'nothing'}`)];
    case 'MappingChanged':
      return [line('info', `Mapping configuration changed (requested by ${e.payload.requestedBy})`)];
    case 'OrgReferenceDataPublished': {
      const p = e.payload;
      return [
        line(
          'info',
          `Xero organisation "${p.organisationName}" reference data refreshed: ${p.accounts.length} accounts, ${p.taxRates.length} tax rates, ${p.trackingCategories.length} tracking categories`,
        ),
      ];
    }
    case 'XeroConnectionLost': {
      const p = e.payload;
      return [
        line('error', lostSentence({ tenant: p.tenantName ?? p.xeroTenantId, reason: p.reason, waitingDocuments: p.waitingDocuments }), { code: p.code }),
      ];
    }
    case 'XeroConnectionRestored':
      return [line('info', restoredSentence({ tenant: e.payload.tenantName ?? e.payload.xeroTenantId, resumedDocuments: e.payload.resumedDocuments }))];
    // The Xero panel shows the state; a loss and a restoration have their own lines above, a disconnection here.
    case 'XeroConnectionChanged': {
      const p = e.payload;
      if (p.change === 'choose') {
        const names = (p.organisations ?? []).map((o) => o.tenantName || o.tenantId).join(', ');
        return [line('warn', `${choosingSentence(p.organisations?.length ?? 0).replace(/\.$/, '')} (${names}). Nothing is sent to Xero until one is picked.`)];
      }
      if (p.change === 'connected' && p.by) {
        return [line('info', `Xero organisation ${p.tenantName || p.xeroTenantId} picked by ${p.by}: documents go there from now on.`)];
      }
      if (p.change !== 'disconnected') return [];
      const tenant = p.tenantName ?? p.xeroTenantId;
      return [
        line(
          'warn',
          `Disconnected from Xero${tenant ? ` (${tenant})` : ''} in the Integration Center by ${p.by ?? 'someone'}: documents wait until someone connects again.`,
        ),
      ];
    }
    // A credit note's allocation belongs to the run that exported it; waiting is not failing, so it is info.
    case 'CreditNoteAllocationDeferred':
    case 'CreditNoteAllocated': {
      const p = e.payload;
      return [line('info', p.message, { ...doc(p.documentKey, p.revision), runId: p.runId || e.correlationId })];
    }
    case 'CreditNoteLeftUnallocated': {
      const p = e.payload;
      return [line('warn', p.message, { ...doc(p.documentKey, p.revision), runId: p.runId || e.correlationId, code: p.code })];
    }
    case 'AllocationCheckRequested': {
      const which = e.payload.documents?.length ? ` for ${e.payload.documents.join(', ')}` : '';
      return [line('info', `Allocation check requested by ${e.payload.requestedBy}${which}`)];
    }
    // A connection's changes belong to no run: GET /api/connections/{id} shows them, with who made each.
    case 'ConnectionChanged':
      return [];
    default:
      return assertNever(e);
  }
}

/** What can be read of a dead letter; see `parseDeadLetter`. */
export interface DeadLetterRecord {
  /** `<original topic>/<partition>/<offset>/<consumer group>`: the same failure seen twice is one record. */
  id: string;
  /** The registry topic (no prefix) the message was refused on. */
  topic: string;
  code: string;
  reasons: string[];
  consumerGroup: string;
  failedAt: string;
  correlationId: string | null;
  eventType: string | null;
  key: string | null;
  /** The envelope's connectionId, when the refused message could be read that far (absent in letters kept before it was read). */
  connectionId?: string | null;
}

/**
 * The connection a dead letter belongs to: its envelope's, else its Kafka key's (every key starts with the connection:
 * `<connection>:<type>:<reference>`, `<connection>:<flow>`, `<connection>:xero-connection`...); null when neither
 * says (only the deployment's admin keys see it).
 */
export function deadLetterConnection(d: DeadLetterRecord): string | null {
  if (d.connectionId) return d.connectionId;
  const head = d.key?.split(':')[0];
  return head && CONNECTION_ID_PATTERN.test(head) ? head : null;
}

export function deadLetterLine(d: DeadLetterRecord): LogLine {
  const parsed = d.key ? parseDocumentKey(d.key) : null;
  const who = d.consumerGroup ? ` by ${d.consumerGroup}` : '';
  const what = d.eventType ? `${d.eventType} on ${d.topic}` : `A message on ${d.topic}`;
  return {
    runId: d.correlationId,
    at: d.failedAt,
    level: 'error',
    documentKey: parsed ? d.key : null,
    reference: parsed?.reference ?? null,
    code: d.code,
    message: `${what} was refused${who} and set aside: ${d.reasons.join('; ') || 'no reason given'}`,
    eventType: 'DeadLetter',
    sourceId: d.id,
    revision: null,
  };
}

/**
 * The task log as a text file: one line each, tab-free, in time order. What LNB and Kafka wrote is shown,
 * never acted on: an ANSI escape sequence or a control character in a reference or message is written as
 * its escape (`\u001b[31m`), so a terminal or an editor neither colours nor breaks the line on it.
 */
export function renderLogText(lines: Pick<LogLine, 'at' | 'level' | 'code' | 'reference' | 'message'>[]): string {
  return (
    lines
      .map((l) => [l.at, l.level.toUpperCase().padEnd(5), l.code ?? '-', l.reference ?? '-', l.message.replace(/\s+/g, ' ')].map(visible).join('  '))
      .join('\n') + (lines.length ? '\n' : '')
  );
}
