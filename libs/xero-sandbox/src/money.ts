// Xero's arithmetic for document lines: per-line tax rounded to 2 decimals, then summed.
export type LineAmountType = 'Exclusive' | 'Inclusive' | 'NoTax';

/** Rounds half away from zero; toPrecision(15) first strips binary noise such as 1.005 * 100 = 100.49999. */
export function roundMoney(value: number, dp = 2): number {
  if (!Number.isFinite(value)) return value;
  const sign = value < 0 ? -1 : 1;
  const clean = Number(Math.abs(value).toPrecision(15));
  const shifted = Math.round(Number(`${clean}e${dp}`));
  const result = sign * Number(`${shifted}e-${dp}`);
  return result === 0 ? 0 : result;
}

export interface LineAmounts {
  Quantity?: number;
  UnitAmount?: number;
  LineAmount?: number;
  DiscountRate?: number;
  DiscountAmount?: number;
  TaxAmount?: number;
}

export interface ComputedLine {
  quantity: number;
  unitAmount: number;
  lineAmount: number;
  discount: number;
  taxAmount: number;
  errors: string[];
}

/**
 * One line as Xero computes it. `ratePercent` is the tax type's effective rate; `unitdp` is 2 unless the
 * request opted into 4 decimal unit prices.
 */
export function computeLine(line: LineAmounts, ratePercent: number, lineAmountTypes: LineAmountType, unitdp: 2 | 4): ComputedLine {
  const errors: string[] = [];
  const quantity = roundMoney(line.Quantity ?? 1, 4);
  let unitAmount: number;
  if (line.UnitAmount !== undefined) unitAmount = roundMoney(line.UnitAmount, unitdp);
  else if (line.LineAmount !== undefined && quantity !== 0) unitAmount = roundMoney(line.LineAmount / quantity, unitdp);
  else unitAmount = 0;

  const gross = roundMoney(quantity * unitAmount, 2);
  let discount = 0;
  if (line.DiscountRate !== undefined && line.DiscountRate !== 0) {
    if (line.DiscountRate > 100 || line.DiscountRate < 0) errors.push('Discount must not be greater than the line total.');
    discount = roundMoney((gross * line.DiscountRate) / 100, 2);
  } else if (line.DiscountAmount !== undefined && line.DiscountAmount !== 0) {
    if (Math.abs(line.DiscountAmount) > Math.abs(gross) || line.DiscountAmount < 0) {
      errors.push('Discount must not be greater than the line total.');
    }
    discount = roundMoney(line.DiscountAmount, 2);
  }
  const lineAmount = roundMoney(gross - discount, 2);
  if (line.LineAmount !== undefined && line.UnitAmount !== undefined && Math.abs(roundMoney(line.LineAmount, 2) - lineAmount) >= 0.01) {
    errors.push(`The line total ${roundMoney(line.LineAmount, 2).toFixed(2)} does not match the expected line total ${lineAmount.toFixed(2)}`);
  }
  const computedTax = taxForLine(lineAmount, ratePercent, lineAmountTypes);
  const taxAmount = line.TaxAmount !== undefined && lineAmountTypes !== 'NoTax' ? roundMoney(line.TaxAmount, 2) : computedTax;
  return { quantity, unitAmount, lineAmount, discount, taxAmount, errors };
}

export function taxForLine(lineAmount: number, ratePercent: number, lineAmountTypes: LineAmountType): number {
  switch (lineAmountTypes) {
    case 'Exclusive':
      return roundMoney((lineAmount * ratePercent) / 100, 2);
    case 'Inclusive':
      return roundMoney((lineAmount * ratePercent) / (100 + ratePercent), 2);
    case 'NoTax':
      return 0;
    default: {
      const never: never = lineAmountTypes;
      throw new Error(`unknown LineAmountTypes ${String(never)}`);
    }
  }
}

export interface DocumentTotals {
  SubTotal: number;
  TotalTax: number;
  Total: number;
  TotalDiscount: number;
}

/** Sums already-rounded lines; an Inclusive document's lines carry their tax, so SubTotal is what remains. */
export function computeTotals(
  lines: ReadonlyArray<{ lineAmount: number; taxAmount: number; discount: number }>,
  lineAmountTypes: LineAmountType,
): DocumentTotals {
  const sumLines = roundMoney(
    lines.reduce((s, l) => s + l.lineAmount, 0),
    2,
  );
  const totalTax = roundMoney(
    lines.reduce((s, l) => s + l.taxAmount, 0),
    2,
  );
  const totalDiscount = roundMoney(
    lines.reduce((s, l) => s + l.discount, 0),
    2,
  );
  if (lineAmountTypes === 'Inclusive') {
    return { SubTotal: roundMoney(sumLines - totalTax, 2), TotalTax: totalTax, Total: sumLines, TotalDiscount: totalDiscount };
  }
  return { SubTotal: sumLines, TotalTax: totalTax, Total: roundMoney(sumLines + totalTax, 2), TotalDiscount: totalDiscount };
}
