import fc from 'fast-check';
import { ean13CheckDigit, isValidEan13, withCheckDigit } from './ean13';

describe('EAN13 check digits', () => {
  it('matches published GS1 examples', () => {
    expect(ean13CheckDigit('400638133393')).toBe(1);
    expect(ean13CheckDigit('590123412345')).toBe(7);
    expect(ean13CheckDigit('376024100000')).toBe(withCheckDigit('376024100000').charCodeAt(12) - 48);
    expect(isValidEan13('4006381333931')).toBe(true);
    expect(isValidEan13('5901234123457')).toBe(true);
  });

  it('rejects a wrong check digit, a wrong length and non-digits', () => {
    expect(isValidEan13('4006381333932')).toBe(false);
    expect(isValidEan13('400638133393')).toBe(false);
    expect(isValidEan13('40063813339X1')).toBe(false);
    expect(() => ean13CheckDigit('12345')).toThrow(/12 digits/);
  });

  it('makes every 12-digit body valid, and any single changed digit invalid', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\d{12}$/), fc.nat(11), fc.integer({ min: 1, max: 9 }), (body, at, shift) => {
        const code = withCheckDigit(body);
        expect(isValidEan13(code)).toBe(true);
        const changed = code.slice(0, at) + String((Number(code[at]) + shift) % 10) + code.slice(at + 1);
        expect(isValidEan13(changed)).toBe(false);
      }),
    );
  });
});
