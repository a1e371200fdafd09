import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { revisionOf } from './revision';

// The revisions stored by earlier versions: a sorted copy of the document, stringified. A new way of
// computing them must give the same hashes, or every document would be exported again.
const VOLATILE = new Set(['create_time', 'update_time', 'paid_on', 'amount_paid']);
function sortedCopy(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedCopy);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      if (VOLATILE.has(key)) continue;
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortedCopy(v);
    }
    return out;
  }
  return value;
}
const storedRevision = (document: object, retailer: object) =>
  createHash('sha256')
    .update(JSON.stringify(sortedCopy({ document, retailer })))
    .digest('hex')
    .slice(0, 32);

describe('revisionOf keeps the revisions already stored', () => {
  it('for a known document (its hash as computed before)', () => {
    const invoice = {
      reference_number: 'INV-1',
      update_time: 'x',
      items: [{ sku: 'A', ean13: null, quantity: 1.5, note: 'é"\\\n' }],
      10: 'a',
      2: 'b',
      paid_on: null,
    };
    expect(revisionOf(invoice, { name: 'R', buyers: [undefined] })).toBe('59c9f18b5522faf5879d717cb466fb9c');
  });

  it('for objects whose keys join alike (the shape cache tells them apart)', () => {
    const lookalikes: object[] = [{}, { '': [] }, { a: 1, b: 2 }, { 'a\u0000b': 1 }, { 'a\u0000': 1, b: 2 }, { a: 1, '\u0000b': 2 }, { b: 2, a: 1 }];
    for (const first of lookalikes) {
      for (const second of lookalikes) {
        const document = { first, second, again: first };
        expect(revisionOf(document, second)).toBe(storedRevision(document, second));
      }
    }
  });

  it('for any JSON-like document, volatile fields, undefined values and numeric keys included', () => {
    const key = fc.oneof(fc.constantFrom('update_time', 'amount_paid', 'items', '0', '10', '9', '01', 'a', 'B'), fc.string());
    const value = fc.letrec((tie) => ({
      any: fc.oneof({ depthSize: 'small' }, fc.jsonValue(), fc.constant(undefined), fc.array(tie('any')), fc.dictionary(key, tie('any'))),
    })).any;
    fc.assert(
      fc.property(fc.dictionary(key, value), fc.dictionary(key, value), (document, retailer) => {
        expect(revisionOf(document, retailer)).toBe(storedRevision(document, retailer));
      }),
      { numRuns: 500 },
    );
  });
});
