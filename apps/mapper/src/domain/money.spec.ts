import fc from 'fast-check';
import { divRound, formatCents, mulDivRound, toCents, toScaled } from './money';

describe('money', () => {
  it.each([
    [1.005, 101],
    [0.285, 29],
    [-1.005, -101],
    [2.675, 268],
    [19.99, 1999],
    [0.1 + 0.2, 30],
    [-0.5 / 100, -1],
    [1e-9, 0],
  ])('toCents(%p) = %p: float noise removed, halves away from zero', (value, cents) => {
    expect(toCents(value)).toBe(cents);
  });

  it('scales unit prices to 4 decimals, rounding what Xero cannot hold', () => {
    expect([toScaled(12.3456, 4), toScaled(12.34565, 4), toScaled(0.1 + 0.2, 4)]).toEqual([123456, 123457, 3000]);
  });

  it('rounds quotients half away from zero', () => {
    expect([divRound(5, 2), divRound(-5, 2), divRound(4, 3), divRound(-4, 3), divRound(7, 7)]).toEqual([3, -3, 1, -1, 1]);
  });

  it('formats cents for people', () => {
    expect([formatCents(123456), formatCents(-5), formatCents(0)]).toEqual(['1234.56', '-0.05', '0.00']);
  });

  it('mulDivRound is exact against BigInt, including past 2^53', () => {
    const big = (a: bigint, b: bigint, d: bigint) => {
      const n = a * b;
      const q = ((n < 0n ? -n : n) * 2n + d) / (2n * d);
      return Number(n < 0n ? -q : q);
    };
    fc.assert(
      fc.property(
        fc.integer({ min: -1e12, max: 1e12 }),
        fc.integer({ min: -1e9, max: 1e9 }),
        fc.integer({ min: 1, max: 2e6 }),
        (a, b, d) => mulDivRound(a, b, d) === big(BigInt(a), BigInt(b), BigInt(d)),
      ),
    );
  });

  it('toCents of a two-decimal amount written as a float gives back its cents', () => {
    fc.assert(fc.property(fc.integer({ min: -1e11, max: 1e11 }), (cents) => toCents(cents / 100) === cents));
  });

  it('rounds a written half-cent away from zero, whatever its binary float says', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e10 }), fc.boolean(), (k, negative) => {
        const written = Number(`${negative ? '-' : ''}${Math.floor(k / 100)}.${String(k % 100).padStart(2, '0')}5`);
        return toCents(written) === (negative ? -(k + 1) : k + 1);
      }),
    );
  });
});
