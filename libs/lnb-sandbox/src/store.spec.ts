import { generateInvoice, generatedOrderUpdateMs, plannedInvoiceDefect } from './generator';
import { SandboxRequestError, SandboxStore } from './store';

const NOW = '2026-06-01T10:00:00.000Z';
const config = { seed: 3, invoices: 100_000, creditNotes: 5_000, retailers: 300, defectRate: 0.05 };

describe('the sandbox store', () => {
  it('serves any page of 100,000 invoices without holding them', () => {
    const store = new SandboxStore(config);
    const last = store.invoices.page(200, 500);
    expect(last).toHaveLength(500);
    expect(last[0].reference_number).toBe('INV-099501');
    expect(last[499].reference_number).toBe('INV-100000');
    expect(store.invoices.page(201, 500)).toEqual([]);
    expect(store.invoices.get('INV-100000')).toEqual(generateInvoice(config, 99_999));
    expect(store.invoices.get('INV-100001')).toBeUndefined();
    expect(store.invoices.changedCount()).toBe(0);
  });

  it('lists the defective documents the generator planned, with the reason', () => {
    const store = new SandboxStore({ ...config, invoices: 2_000, creditNotes: 100 });
    const defects = store.defects('invoice');
    const planned = Array.from({ length: 2_000 }, (_, i) => plannedInvoiceDefect(store.config, i)).filter(Boolean);
    expect(defects).toHaveLength(planned.length);
    expect(defects.every((d) => d.defects.length === 1 && d.defects[0].detail.length > 0)).toBe(true);
    const counts = store.defectCounts();
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(store.defects().length);
  });

  it('changes an invoice after export: the listing serves the change with a new update_time', () => {
    const store = new SandboxStore(config);
    const changed = store.invoices.change('INV-000010', { status: 'final', purchase_order_reference: 'PO-CHANGED' }, NOW);
    expect(changed.update_time).toBe(NOW);
    expect(store.invoices.page(1, 500)[9]).toEqual(changed);
    expect(store.invoices.get('INV-000011')?.purchase_order_reference).not.toBe('PO-CHANGED');
    expect(() => store.invoices.change('INV-000010', { reference_number: 'INV-X' }, NOW)).toThrow(SandboxRequestError);
    expect(() => store.invoices.change('INV-999999', {}, NOW)).toThrow(/no document/);
  });

  it('creates invoices at the end of the listing, with their own order and, if asked, their own reference', () => {
    const store = new SandboxStore({ ...config, invoices: 10 });
    const created = store.invoices.create({ status: 'proforma' }, NOW);
    expect(created.reference_number).toBe('INV-000011');
    expect(created.create_time).toBe(NOW);
    expect(store.invoices.size()).toBe(11);
    expect(store.orders.get(created.order_reference ?? '')?.reference).toBe('ORD-000011');
    const custom = store.invoices.create({ reference_number: 'F2026-0001' }, NOW);
    expect(store.invoices.get('F2026-0001')).toEqual(custom);
    expect(store.invoices.get('INV-000012')).toBeUndefined();
    expect(() => store.invoices.create({ reference_number: 'F2026-0001' }, NOW)).toThrow(/already exists/);
    expect(store.inspect('invoice', 'INV-000011')).toEqual([]);
  });

  it('finds a defect made by changing an order, and forgets it when the order is fixed', () => {
    const store = new SandboxStore({ ...config, invoices: 50, defectRate: 0 });
    const invoice = store.invoices.at(4);
    const order = store.orders.get(invoice.order_reference ?? '');
    if (!order) throw new Error('generated invoice without its order');
    const sku = invoice.items[0].sku;
    store.orders.change(order.reference, { items: order.items.map((item) => (item.sku === sku ? { ...item, ean13: null } : item)) }, NOW);
    const missing = { kind: 'MISSING_EAN13', detail: `missing EAN13 for SKU ${sku} (order ${order.reference})` };
    expect(store.defects('invoice')).toEqual([{ type: 'invoice', reference: invoice.reference_number, defects: [missing] }]);
    // Credit notes returning that SKU on that order are defective too.
    const notes = store.defects('credit_note');
    expect(notes.length).toBeGreaterThan(0);
    expect(notes.every((n) => n.defects.length === 1 && n.defects[0].detail === missing.detail)).toBe(true);
    store.orders.change(order.reference, { items: order.items }, NOW);
    expect(store.defects()).toEqual([]);
  });

  it('flags a credit note whose invoice does not exist', () => {
    const store = new SandboxStore({ ...config, invoices: 50, defectRate: 0 });
    store.creditNotes.change('CN-000001', { invoice_reference_number: 'INV-404404' }, NOW);
    expect(store.inspect('credit_note', 'CN-000001')).toEqual([
      { kind: 'CREDITED_INVOICE_NOT_FOUND', detail: 'credits invoice INV-404404, which does not exist' },
    ]);
    expect(store.inspect('credit_note', 'CN-999999')).toBeUndefined();
  });

  describe('orders by update_time', () => {
    const historyEndMs = Date.parse('2026-06-01T00:00:00Z');
    const store = new SandboxStore({ ...config, invoices: 8_000 }, { historyEndMs });
    const updated = (i: number): number => Date.parse(store.orders.at(i).update_time ?? '');

    it('the update time the filter assumes is the one each generated order carries, never after the end of history', () => {
      for (const i of [0, 1, 99, 3_000, 5_000, 7_999]) {
        expect(updated(i)).toBe(Math.min(generatedOrderUpdateMs(i), historyEndMs));
      }
      expect(updated(7_999)).toBe(historyEndMs);
      expect(store.orders.at(7_999).update_time).toBe('2026-06-01T00:00:00Z');
    });

    it('finds exactly the orders updated in a range, both ends included, changed ones by their new time', () => {
      const fromMs = updated(3_000);
      const toMs = updated(3_600);
      const times = Array.from({ length: 8_000 }, (_, i) => updated(i));
      const expected = times.flatMap((ms, i) => (ms >= fromMs && ms <= toMs ? [i] : []));
      expect(expected.length).toBeGreaterThan(100);
      expect(store.ordersUpdated({ fromMs, toMs })).toEqual(expected);

      const recent = store.orders.change('ORD-000010', { status: 'closed' }, '2026-06-02T08:00:00.000Z');
      const hidden = store.orders.change('ORD-003100', { status: 'closed', update_time: '2026-01-01T00:00:00Z' }, '2026-06-02T08:00:00.000Z');
      expect(store.ordersUpdated({ fromMs: Date.parse('2026-06-01T12:00:00Z') }).map((i) => store.orders.at(i).reference)).toEqual([recent.reference]);
      // A change that kept its old update_time is out of the range it used to be in, and nowhere newer.
      expect(store.ordersUpdated({ fromMs, toMs })).toEqual(expected.filter((i) => i !== 3_099));
      expect(hidden.update_time).toBe('2026-01-01T00:00:00Z');
      expect(store.ordersUpdated({ fromMs: Date.parse('2026-06-02T08:00:00.001Z') })).toEqual([]);
      expect(store.ordersUpdated({})).toHaveLength(8_000);
    });
  });
});
