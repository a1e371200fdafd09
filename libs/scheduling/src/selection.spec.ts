import { checkRules, DEFAULT_RULES, selectDocument } from './selection';

const doc = { reference_number: 'INV-1', status: 'final', invoice_on: '2026-03-10', retailer_reference: 'RET-1', currency_code: 'EUR' };

describe('selectDocument', () => {
  it.each([
    ['a final invoice, default rules', doc, {}, 'selected'],
    ['pro forma is never exported by default', { ...doc, status: 'proforma' }, {}, 'excluded'],
    ['before the date range', doc, { dateFrom: '2026-04-01' }, 'excluded'],
    ['after the date range', doc, { dateTo: '2026-03-09' }, 'excluded'],
    ['inside the date range, bounds included', doc, { dateFrom: '2026-03-10', dateTo: '2026-03-10T23:59:59Z' }, 'selected'],
    ['retailer not in the include list', doc, { includeRetailers: ['RET-2'] }, 'excluded'],
    ['retailer in the exclude list', doc, { excludeRetailers: ['RET-1'] }, 'excluded'],
    ['currency not listed', doc, { currencies: ['GBP'] }, 'excluded'],
    ['not in the export-only list', doc, { onlyReferences: ['INV-2'] }, 'excluded'],
    ['held back', doc, { holdBack: ['INV-1'] }, 'held_back'],
  ])('%s', (_name, d, rules, verdict) => {
    expect(selectDocument(d, { ...DEFAULT_RULES, ...rules })).toBe(verdict);
  });

  it('a run naming documents bypasses the rules but never the hold-back list', () => {
    const rules = { ...DEFAULT_RULES, statuses: ['final'], holdBack: ['INV-2'] };
    expect(selectDocument({ ...doc, status: 'proforma' }, rules, new Set(['INV-1']))).toBe('selected');
    expect(selectDocument({ ...doc, reference_number: 'INV-2' }, rules, new Set(['INV-2']))).toBe('held_back');
    expect(selectDocument({ ...doc, reference_number: 'INV-3' }, rules, new Set(['INV-1']))).toBe('excluded');
  });

  it('names the field of inconsistent rules', () => {
    expect(checkRules({ ...DEFAULT_RULES, dateFrom: '2026-05-01', dateTo: '2026-04-01', currencies: ['eur'] })).toEqual([
      'rules.dateFrom: must not be after rules.dateTo',
      'rules.currencies: "eur" is not an ISO 4217 code',
    ]);
  });
});
