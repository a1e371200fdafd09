// Which documents a flow exports: the selection rules, one module for the poller (which applies them) and the
// monitor (which refuses what the poller would refuse), so what one accepts the other never turns down.
import type { SelectionRules } from '@lnbx/contracts';

/** Until a flow's selection is set: final documents only (never pro forma), no other restriction. */
export const DEFAULT_RULES: SelectionRules = {
  statuses: ['final'],
  dateFrom: null,
  dateTo: null,
  includeRetailers: [],
  excludeRetailers: [],
  currencies: [],
  onlyReferences: [],
  holdBack: [],
};

export type Verdict = 'selected' | 'excluded' | 'held_back';

export interface SelectableDocument {
  reference_number: string;
  status?: string | null;
  invoice_on?: string | null;
  retailer_reference?: string | null;
  currency_code?: string | null;
}

const day = (iso: string | null | undefined): string | null => (iso ? iso.slice(0, 10) : null);

/**
 * Whether a document goes in this run. A run that names documents bypasses the rules (the finance
 * person asked for exactly these), never the hold-back list.
 */
export function selectDocument(doc: SelectableDocument, rules: SelectionRules, named?: ReadonlySet<string>): Verdict {
  if (rules.holdBack.includes(doc.reference_number)) return 'held_back';
  if (named) return named.has(doc.reference_number) ? 'selected' : 'excluded';
  if (rules.onlyReferences.length && !rules.onlyReferences.includes(doc.reference_number)) return 'excluded';
  if (rules.statuses.length && !rules.statuses.includes(String(doc.status ?? '').toLowerCase())) return 'excluded';
  const date = day(doc.invoice_on);
  if (rules.dateFrom && (!date || date < day(rules.dateFrom)!)) return 'excluded';
  if (rules.dateTo && (!date || date > day(rules.dateTo)!)) return 'excluded';
  const retailer = doc.retailer_reference ?? '';
  if (rules.includeRetailers.length && !rules.includeRetailers.includes(retailer)) return 'excluded';
  if (rules.excludeRetailers.includes(retailer)) return 'excluded';
  if (rules.currencies.length && !rules.currencies.includes(String(doc.currency_code ?? '').toUpperCase())) return 'excluded';
  return 'selected';
}

/** Problems with a set of rules, each naming its field (empty when fine). */
export function checkRules(rules: SelectionRules): string[] {
  const problems: string[] = [];
  if (rules.dateFrom && rules.dateTo && day(rules.dateFrom)! > day(rules.dateTo)!) problems.push('rules.dateFrom: must not be after rules.dateTo');
  const both = rules.includeRetailers.filter((r) => rules.excludeRetailers.includes(r));
  if (both.length) problems.push(`rules.excludeRetailers: ${both.join(', ')} also in includeRetailers`);
  for (const c of rules.currencies) if (!/^[A-Z]{3}$/.test(c)) problems.push(`rules.currencies: "${c}" is not an ISO 4217 code`);
  return problems;
}
