// What Xero will compute for a document (line amount rounded to the cent, tax per line rounded, then
// summed) and how the mapper closes the gap to LNB's figures. See README.md for why.
import { mulDivRound } from './money';
import type { LineAmountType } from './mapping-config';

/** One line in integer units: quantity and unit amount in 1/10000, the rate in 1/10000 of a percent. */
export interface LineFigures {
  quantity4: number;
  unit4: number;
  rate4: number;
  taxOverrideCents?: number;
}

const RATE_ONE = 1_000_000; // 100% in units of 1/10000 of a percent point

/** Xero's LineAmount: Quantity x UnitAmount rounded to the cent (the 1e8 scale brought down to 1e2). */
export const lineAmountCents = (l: LineFigures): number => mulDivRound(l.quantity4, l.unit4, 1_000_000);

/** Xero's computed tax of one line (before any override). */
export function computedTaxCents(lineAmount: number, rate4: number, mode: LineAmountType): number {
  if (mode === 'NoTax' || rate4 === 0) return 0;
  return mode === 'Exclusive' ? mulDivRound(lineAmount, rate4, RATE_ONE) : mulDivRound(lineAmount, rate4, RATE_ONE + rate4);
}

export interface Totals {
  /** Net of tax. */
  subTotal: number;
  totalTax: number;
  total: number;
  /** Per line, the tax Xero computes before any override (for choosing where to override). */
  lineTax: number[];
}

export function xeroTotals(lines: readonly LineFigures[], mode: LineAmountType): Totals {
  let amounts = 0;
  let totalTax = 0;
  const lineTax: number[] = new Array(lines.length);
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    const amount = lineAmountCents(l);
    const computed = computedTaxCents(amount, l.rate4, mode);
    lineTax[i] = computed;
    amounts += amount;
    totalTax += mode === 'NoTax' ? 0 : (l.taxOverrideCents ?? computed);
  }
  // Inclusive line amounts already hold their tax: an override moves money between net and tax only.
  const total = mode === 'Inclusive' ? amounts : amounts + totalTax;
  return { subTotal: total - totalTax, totalTax, total, lineTax };
}

export interface Target {
  totalCents: number;
  /** LNB's tax; null when LNB gives none (then only the total is matched). */
  taxCents: number | null;
}

export type Reconciliation =
  | {
      ok: true;
      computed: Totals;
      /** Override the tax of this line (index) with this amount, so Xero's tax equals LNB's. */
      override?: { index: number; taxCents: number };
      /** A 0%-tax line of this amount (may be 0: no line), so Xero's total equals LNB's. */
      roundingCents: number;
    }
  | { ok: false; computed: Totals; totalGap: number; taxGap: number };

/**
 * Tax gaps are closed by overriding the tax of the line carrying the most tax, so Xero's VAT equals
 * the VAT printed on LNB's invoice; what remains of the total gap (net cents) goes to a rounding line.
 * Beyond the tolerance (either gap), nothing is adjusted and the caller rejects with both figures.
 */
export function reconcile(lines: readonly LineFigures[], mode: LineAmountType, target: Target, toleranceCents: number): Reconciliation {
  const computed = xeroTotals(lines, mode);
  const taxGap = target.taxCents === null || mode === 'NoTax' ? 0 : target.taxCents - computed.totalTax;
  const totalGap = target.totalCents - computed.total;
  if (Math.abs(totalGap) > toleranceCents || Math.abs(taxGap) > toleranceCents) {
    return { ok: false, computed, totalGap, taxGap };
  }
  let index = -1;
  if (taxGap !== 0) {
    for (let i = 0; i < lines.length; i++) {
      if (lines[i].rate4 !== 0 && (index < 0 || Math.abs(computed.lineTax[i]) > Math.abs(computed.lineTax[index]))) index = i;
    }
    // Only a taxed line can carry a tax override (Xero refuses tax on a zero-rated line).
    if (index < 0) return { ok: false, computed, totalGap, taxGap };
  }
  const totalAfterOverride = computed.total + (mode === 'Exclusive' ? taxGap : 0);
  const roundingCents = target.totalCents - totalAfterOverride;
  return index < 0
    ? { ok: true, computed, roundingCents }
    : { ok: true, computed, roundingCents, override: { index, taxCents: computed.lineTax[index] + taxGap } };
}
