// The money promise, over random documents: the mapped document's Xero-computed total (re-computed
// here independently) equals LNB's total to the cent, or the document is rejected with both figures.
import fc from 'fast-check';
import type { LnbDocumentItem } from '@lnbx/contracts';
import { mapDocument } from './map-document';
import { toCents } from './money';
import { aMappingConfig, anLnbInvoice, anOrgReference, ratesOf, xeroComputedCents } from './testing';

const org = anOrgReference().build();
const rateOf = ratesOf(org);

const unitPrice = fc.oneof(
  fc.integer({ min: 1, max: 500_000 }).map((c) => c / 100),
  fc.integer({ min: 1, max: 50_000_000 }).map((u) => u / 10_000),
  // Beyond Xero's 4 decimals: Xero rounds the unit amount, LNB may not.
  fc.integer({ min: 1, max: 500_000_000 }).map((u) => u / 100_000),
);
const item = fc.record({
  unit_price: unitPrice,
  quantity: fc.oneof(
    { weight: 9, arbitrary: fc.integer({ min: 1, max: 500 }) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 50_000 }).map((q) => q / 100) },
  ),
});
const noise = fc.oneof({ weight: 2, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: -40, max: 40 }) });

const invoice = fc.record({
  items: fc.array(item, { minLength: 1, maxLength: 40 }),
  taxRate: fc.constantFrom(0, 5, 20),
  discountRate: fc.oneof(
    fc.constant(0),
    fc.integer({ min: 1, max: 3000 }).map((d) => d / 100),
  ),
  shippingCents: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 50_000 })),
  mode: fc.constantFrom('Exclusive' as const, 'Inclusive' as const, 'NoTax' as const),
  totalNoise: noise,
  taxNoise: noise,
});

type Generated = typeof invoice extends fc.Arbitrary<infer T> ? T : never;

function build(g: Generated) {
  const doc = anLnbInvoice()
    .withItems(...g.items.map((i): Partial<LnbDocumentItem> => i))
    .withTaxRate(g.taxRate)
    .withDiscountRate(g.discountRate)
    .withShipping(g.shippingCents / 100)
    .input();
  const d = doc.document;
  d.amount_tax = (toCents(d.amount_tax!) + g.taxNoise) / 100;
  d.amount_total_tax_inclusive = (toCents(d.amount_total_tax_inclusive!) + g.totalNoise + g.taxNoise) / 100;
  return doc;
}

describe('money arithmetic (property)', () => {
  it("a mapped document's Xero total equals LNB's total to the cent, or it is rejected with both figures", () => {
    fc.assert(
      fc.property(invoice, (g) => {
        const input = build(g);
        const config = aMappingConfig().with({ lineAmountTypes: g.mode }).build();
        const r = mapDocument(input, config, org);
        const lnbTotal = toCents(input.document.amount_total_tax_inclusive!);
        if (!r.ok) {
          expect(r.problems.map((p) => p.code)).toEqual(['LNB.TOTALS_MISMATCH']);
          expect(r.problems[0].message).toContain(`Le New Black's total is ${(lnbTotal / 100).toFixed(2)} GBP`);
          return;
        }
        const xero = xeroComputedCents(r.xero, rateOf);
        expect(Number(xero.total)).toBe(lnbTotal);
        expect(toCents(r.xero.expectedTotal)).toBe(lnbTotal);
        if (g.mode !== 'NoTax') expect(Number(xero.tax)).toBe(toCents(input.document.amount_tax!));
      }),
      { numRuns: 400 },
    );
  });

  it('never rejects a consistent LNB invoice with up to 4-decimal prices (Exclusive): honest rounding is always absorbed', () => {
    const honest = invoice.map((g) => ({
      ...g,
      mode: 'Exclusive' as const,
      totalNoise: 0,
      taxNoise: 0,
      items: g.items.map((i) => ({ ...i, unit_price: Math.round(i.unit_price * 10_000) / 10_000 })),
    }));
    const config = aMappingConfig().build();
    fc.assert(
      fc.property(honest, (g) => {
        const r = mapDocument(build(g), config, org);
        expect(r.ok ? [] : r.problems).toEqual([]);
      }),
      { numRuns: 400 },
    );
  });
});
