// Money in integer minor units: LNB sends floats, Xero rounds per line; both are reproduced with
// integer arithmetic so a sum never drifts by float error.

const SCALES = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000] as const;

/**
 * `value * 10^dp` as an integer, rounded half away from zero. Float noise is removed first
 * (1.005 * 100 is 100.49999999999999 in binary floating point but means 100.5).
 */
export function toScaled(value: number, dp: 0 | 1 | 2 | 3 | 4 | 5 | 6): number {
  if (!Number.isFinite(value)) throw new RangeError(`not a finite amount: ${value}`);
  const raw = Math.abs(value) * SCALES[dp];
  let rounded = Math.round(raw);
  // Only a fraction near one half can be tipped the wrong way by float noise: clean those (slowly).
  if (Math.abs(Math.abs(raw - rounded) - 0.5) < 1e-6) rounded = Math.round(Number(raw.toPrecision(15)));
  // Math.round rounds .5 up, which is "away from zero" for the absolute value.
  return value < 0 ? -rounded : rounded;
}

export const toCents = (value: number): number => toScaled(value, 2);

/** `num / den` rounded half away from zero; both integers, den > 0. */
export function divRound(num: number, den: number): number {
  const twice = Math.abs(num) * 2;
  if (twice <= Number.MAX_SAFE_INTEGER && den * 2 <= Number.MAX_SAFE_INTEGER) {
    const q = Math.floor((twice + den) / (2 * den));
    return num < 0 ? -q : q;
  }
  return bigDivRound(BigInt(num), BigInt(den));
}

/** `a * b / den` rounded half away from zero, exact for any safe integers (BigInt past 2^53). */
export function mulDivRound(a: number, b: number, den: number): number {
  const product = a * b;
  if (Math.abs(product) * 2 <= Number.MAX_SAFE_INTEGER) return divRound(product, den);
  return bigDivRound(BigInt(a) * BigInt(b), BigInt(den));
}

function bigDivRound(num: bigint, den: bigint): number {
  const neg = num < 0n;
  const abs = neg ? -num : num;
  const q = (abs * 2n + den) / (2n * den);
  return Number(neg ? -q : q);
}

/** A Xero amount from minor units: an integer over a power of ten prints as its decimal. */
export const fromScaled = (units: number, dp: 2 | 4): number => units / SCALES[dp];
export const fromCents = (cents: number): number => cents / 100;

/** "1234.56" (with "-" when negative): how amounts read in problem messages. */
export function formatCents(cents: number): string {
  const abs = Math.abs(cents);
  const whole = Math.floor(abs / 100);
  const frac = String(abs % 100).padStart(2, '0');
  return `${cents < 0 ? '-' : ''}${whole}.${frac}`;
}

/** "5.5" for 55000 (a rate in units of 1/10000 of a percent point). */
export const formatRate = (rate4: number): string => String(rate4 / 10_000);
