import { count, emptyCounts } from './counts';
import { describeRetailer, enrichDocument } from './enrich';
import { revisionOf } from './revision';
import { dueFiring } from './schedule';

const doc = { reference_number: 'INV-1', status: 'final', invoice_on: '2026-03-10', retailer_reference: 'RET-1', currency_code: 'EUR' };

describe('revisionOf', () => {
  const invoice = { ...doc, update_time: '2026-03-10T10:00:00Z', items: [{ sku: 'A', quantity: 1, ean13: '4006381333931' }] };
  const retailer = { reference: 'RET-1', name: 'Boutique' };

  it('ignores a new update time or a payment, not a changed quantity or EAN13', () => {
    const r = revisionOf(invoice, retailer);
    expect(revisionOf({ ...invoice, update_time: '2026-03-11T00:00:00Z', amount_paid: 10 }, retailer)).toBe(r);
    expect(revisionOf({ ...invoice, items: [{ ...invoice.items[0], quantity: 2 }] }, retailer)).not.toBe(r);
    expect(revisionOf({ ...invoice, items: [{ ...invoice.items[0], ean13: null }] }, retailer)).not.toBe(r);
    expect(revisionOf(invoice, { ...retailer, name: 'Boutique SA' })).not.toBe(r);
  });

  it('does not depend on key order', () => {
    expect(revisionOf({ b: 1, a: 2, items: [] }, {})).toBe(revisionOf({ a: 2, items: [], b: 1 }, {}));
  });
});

describe('enrichDocument', () => {
  it("takes each line's EAN13 and collection from the order item with the same SKU; null when it has none", () => {
    const order = {
      collection_name: 'SS27 Main',
      items: [
        { sku: 'JKT-001-BLK-M', ean13: '4006381333931', collection_name: 'SS27 Main' },
        { sku: 'SHT-002-WHT-S', ean13: null },
      ],
    };
    const enriched = enrichDocument(
      {
        ...doc,
        items: [
          { sku: 'JKT-001-BLK-M', unit_price: 10, quantity: 1, amount_tax_excl: 10 },
          { sku: 'SHT-002-WHT-S', unit_price: 5, quantity: 2, amount_tax_excl: 10 },
          { sku: 'UNKNOWN', unit_price: 5, quantity: 1, amount_tax_excl: 5 },
        ],
      },
      order,
    );
    expect(enriched.items.map((i) => [i.sku, i.ean13, i.collection_name])).toEqual([
      ['JKT-001-BLK-M', '4006381333931', 'SS27 Main'],
      ['SHT-002-WHT-S', null, 'SS27 Main'],
      ['UNKNOWN', null, 'SS27 Main'],
    ]);
  });

  it('describes the retailer, falling back to the invoice when LNB has none', () => {
    expect(describeRetailer(null, { retailer_reference: null, retailer_name: 'Walk-in' })).toMatchObject({ reference: null, name: 'Walk-in' });
    expect(describeRetailer({ reference: 'RET-1', name: 'Boutique', billing_address: { contact_email: 'a@b.fr', vat_number: 'FR1' } }, {})).toMatchObject({
      reference: 'RET-1',
      name: 'Boutique',
      email: 'a@b.fr',
      vat_number: 'FR1',
    });
  });
});

describe('dueFiring (validation and firings themselves are tested in @lnbx/scheduling)', () => {
  const daily = { enabled: true, cron: '0 6 * * *', timeZone: 'Europe/Paris' };
  const at = (iso: string) => new Date(iso);

  it("fires in the schedule's time zone, once the time has come", () => {
    expect(dueFiring(daily, at('2026-07-01T12:00:00Z'), at('2026-07-02T03:59:59Z'))).toBeNull();
    expect(dueFiring(daily, at('2026-07-01T12:00:00Z'), at('2026-07-02T04:00:00Z'))).toEqual(at('2026-07-02T04:00:00Z'));
    expect(dueFiring(daily, at('2026-07-02T04:00:00Z'), at('2026-07-02T12:00:00Z'))).toBeNull();
  });

  it('fires a run missed while no poller ran once, for the latest slot', () => {
    expect(dueFiring(daily, at('2026-07-01T12:00:00Z'), at('2026-07-05T12:00:00Z'))).toEqual(at('2026-07-05T04:00:00Z'));
  });

  it('never fires a schedule that is off or refused', () => {
    expect(dueFiring({ ...daily, enabled: false }, at('2026-07-01T12:00:00Z'), at('2026-07-05T12:00:00Z'))).toBeNull();
    expect(dueFiring({ ...daily, cron: '* * * * * *' }, at('2026-07-01T12:00:00Z'), at('2026-07-05T12:00:00Z'))).toBeNull();
  });
});

describe('counts', () => {
  it('adds each outcome where it belongs', () => {
    const c = emptyCounts();
    for (const o of ['emitted', 'emitted', 'unchanged', 'excluded', 'held_back'] as const) count(c, o);
    expect(c).toEqual({ seen: 0, selected: 3, emitted: 2, unchanged: 1, excludedBySelection: 1, heldBack: 1 });
  });
});
