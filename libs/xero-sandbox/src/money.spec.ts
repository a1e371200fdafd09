import fc from 'fast-check';
import { computeLine, computeTotals, roundMoney, taxForLine } from './money';

describe('roundMoney', () => {
  it('rounds half away from zero despite binary noise', () => {
    expect(roundMoney(1.005)).toBe(1.01);
    expect(roundMoney(2.675)).toBe(2.68);
    expect(roundMoney(-1.005)).toBe(-1.01);
    expect(roundMoney(0.125, 2)).toBe(0.13);
    expect(roundMoney(1.23455, 4)).toBe(1.2346);
    expect(roundMoney(-0.001)).toBe(0);
  });
});

describe('computeLine', () => {
  it('taxes each line and rounds it, so three 10.04 lines carry 6.03 of VAT, not 6.02', () => {
    const lines = [1, 2, 3].map(() => computeLine({ Quantity: 1, UnitAmount: 10.04 }, 20, 'Exclusive', 2));
    expect(lines.map((l) => l.taxAmount)).toEqual([2.01, 2.01, 2.01]);
    const totals = computeTotals(lines, 'Exclusive');
    expect(totals).toEqual({ SubTotal: 30.12, TotalTax: 6.03, Total: 36.15, TotalDiscount: 0 });
    expect(roundMoney(30.12 * 0.2)).toBe(6.02);
  });

  it('extracts tax from inclusive lines and keeps the line as the total', () => {
    const line = computeLine({ Quantity: 1, UnitAmount: 100 }, 20, 'Inclusive', 2);
    expect(line.taxAmount).toBe(16.67);
    expect(computeTotals([line], 'Inclusive')).toEqual({ SubTotal: 83.33, TotalTax: 16.67, Total: 100, TotalDiscount: 0 });
  });

  it('charges no tax on NoTax documents even with a tax override', () => {
    expect(computeLine({ Quantity: 3, UnitAmount: 9.99, TaxAmount: 5 }, 20, 'NoTax', 2).taxAmount).toBe(0);
  });

  it('rounds unit prices to 2 decimals unless unitdp=4 was asked for', () => {
    expect(computeLine({ Quantity: 3, UnitAmount: 1.23456 }, 0, 'Exclusive', 2)).toMatchObject({ unitAmount: 1.23, lineAmount: 3.69 });
    expect(computeLine({ Quantity: 3, UnitAmount: 1.23456 }, 0, 'Exclusive', 4)).toMatchObject({ unitAmount: 1.2346, lineAmount: 3.7 });
  });

  it('applies discounts and refuses one above the line', () => {
    expect(computeLine({ Quantity: 2, UnitAmount: 50, DiscountRate: 10 }, 20, 'Exclusive', 2)).toMatchObject({ lineAmount: 90, taxAmount: 18, discount: 10 });
    expect(computeLine({ Quantity: 1, UnitAmount: 50, DiscountAmount: 60 }, 20, 'Exclusive', 2).errors).toEqual([
      'Discount must not be greater than the line total.',
    ]);
    expect(computeLine({ Quantity: 1, UnitAmount: 50, DiscountRate: 120 }, 20, 'Exclusive', 2).errors).toEqual([
      'Discount must not be greater than the line total.',
    ]);
  });

  it('uses a tax override and flags a LineAmount that contradicts quantity times price', () => {
    expect(computeLine({ Quantity: 1, UnitAmount: 10.04, TaxAmount: 2 }, 20, 'Exclusive', 2).taxAmount).toBe(2);
    expect(computeLine({ Quantity: 2, UnitAmount: 10, LineAmount: 25 }, 20, 'Exclusive', 2).errors).toEqual([
      'The line total 25.00 does not match the expected line total 20.00',
    ]);
    expect(computeLine({ Quantity: 4, LineAmount: 10 }, 0, 'Exclusive', 2)).toMatchObject({ unitAmount: 2.5, lineAmount: 10, errors: [] });
  });

  it('always ends with Total = SubTotal + TotalTax at 2 decimals', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ q: fc.integer({ min: 1, max: 500 }), cents: fc.integer({ min: 1, max: 100_000 }), rate: fc.constantFrom(0, 5, 20) }), {
          minLength: 1,
          maxLength: 20,
        }),
        fc.constantFrom('Exclusive' as const, 'Inclusive' as const),
        (rows, lat) => {
          const lines = rows.map((r) => computeLine({ Quantity: r.q, UnitAmount: r.cents / 100 }, r.rate, lat, 2));
          const t = computeTotals(lines, lat);
          expect(roundMoney(t.SubTotal + t.TotalTax)).toBe(t.Total);
          expect(t.TotalTax).toBe(roundMoney(lines.reduce((s, l) => s + taxForLine(l.lineAmount, rowsRate(rows, lines, l), lat), 0)));
        },
      ),
      { numRuns: 200 },
    );
  });
});

function rowsRate(rows: { rate: number }[], lines: unknown[], line: unknown): number {
  return rows[lines.indexOf(line)].rate;
}
