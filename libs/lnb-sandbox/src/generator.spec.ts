import { KNOWN_TAX_RATES, PRODUCTS } from './catalogue';
import { isValidEan13 } from './ean13';
import {
  type GeneratedCreditNote,
  type GeneratedInvoice,
  type GeneratorConfig,
  generateCreditNote,
  generateInvoice,
  generateOrder,
  generateRetailer,
  plannedCreditNoteDefect,
  plannedInvoiceDefect,
} from './generator';
import { inspectDocument } from './inspect';

const cfg: GeneratorConfig = { seed: 7, invoices: 600, creditNotes: 120, retailers: 40, defectRate: 0.3 };
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const cents = (amount: number): number => Math.round(amount * 100);
const hasTwoDecimals = (amount: number): boolean => Math.abs(amount * 100 - Math.round(amount * 100)) < 1e-6;

const invoices = range(cfg.invoices).map((i) => generateInvoice(cfg, i));
const creditNotes = range(cfg.creditNotes).map((i) => generateCreditNote(cfg, i));
const lookups = {
  order: (reference: string) => generateOrder(cfg, Number(reference.slice(4)) - 1),
  invoiceExists: (reference: string) => /^INV-\d{6}$/.test(reference) && Number(reference.slice(4)) <= cfg.invoices,
};

describe('the generator', () => {
  it('rebuilds the same document from the same seed and index', () => {
    expect(generateInvoice(cfg, 123)).toEqual(generateInvoice({ ...cfg }, 123));
    expect(generateCreditNote(cfg, 17)).toEqual(generateCreditNote({ ...cfg }, 17));
    expect(generateRetailer(cfg, 5)).toEqual(generateRetailer({ ...cfg }, 5));
    expect(generateOrder(cfg, 9)).toEqual(generateOrder({ ...cfg }, 9));
  });

  it('builds a document from its index alone: a larger sandbox has the same first invoices', () => {
    expect(generateInvoice({ ...cfg, invoices: 100_000 }, 42)).toEqual(generateInvoice(cfg, 42));
  });

  it('gives another seed other documents', () => {
    expect(generateInvoice({ ...cfg, seed: 8 }, 123)).not.toEqual(generateInvoice(cfg, 123));
  });

  it('gives every invoice a distinct reference, and an existing order and retailer', () => {
    expect(new Set(invoices.map((d) => d.reference_number)).size).toBe(cfg.invoices);
    for (const invoice of invoices.slice(0, 50)) {
      expect(invoice.order_reference).toMatch(/^ORD-\d{6}$/);
      expect(generateOrder(cfg, Number(invoice.order_reference?.slice(4)) - 1).retailer_name).toBe(invoice.retailer_name);
    }
    expect(invoices.every((d) => d.retailer_reference === null || /^RET-\d{5}$/.test(d.retailer_reference))).toBe(true);
  });

  it('draws fashion data: SKUs, valid EAN13s, collections, currencies, tax rates, statuses, odd unit prices', () => {
    const orders = range(200).map((i) => generateOrder(cfg, i));
    const items = orders.flatMap((o) => o.items);
    expect(items.every((item) => /^[A-Z]{3}-\d{3}-[A-Z]{3}-[A-Z0-9]+$/.test(item.sku))).toBe(true);
    expect(items.every((item) => item.ean13 === null || isValidEan13(item.ean13))).toBe(true);
    const eanBySku = new Map(items.filter((i) => i.ean13).map((i) => [i.sku, i.ean13]));
    expect(new Set(eanBySku.values()).size).toBe(eanBySku.size);
    expect(new Set(items.map((i) => i.collection_name))).toContain('SS27 Main');
    expect([...new Set(invoices.map((d) => d.currency_code))].sort()).toEqual(['EUR', 'GBP', 'USD']);
    const rates = new Set(invoices.map((d) => d.tax_rate));
    for (const rate of [0, 5.5, 19, 20, 21]) expect(rates).toContain(rate);
    expect(new Set(invoices.map((d) => d.status))).toEqual(new Set(['proforma', 'final', 'cancelled']));
    expect(invoices.some((d) => d.items.some((item) => !hasTwoDecimals(item.unit_price)))).toBe(true);
    expect(invoices.some((d) => d.amount_shipping_tax_free > 0 && d.amount_discount_tax_free > 0)).toBe(true);
    expect(PRODUCTS.length).toBeGreaterThan(20);
  });

  it('makes the amounts of every clean document add up at 2 decimals', () => {
    const clean: (GeneratedInvoice | GeneratedCreditNote)[] = [
      ...invoices.filter((_, i) => plannedInvoiceDefect(cfg, i) === null),
      ...creditNotes.filter((_, i) => plannedCreditNoteDefect(cfg, i) === null),
    ];
    expect(clean.length).toBeGreaterThan(400);
    for (const doc of clean) {
      const amounts = [doc.amount_order_tax_free, doc.amount_discount_tax_free, doc.amount_shipping_tax_free, doc.amount_tax, doc.amount_total_tax_inclusive];
      expect(amounts.every(hasTwoDecimals)).toBe(true);
      for (const item of doc.items) expect(cents(item.amount_tax_excl)).toBe(Math.round(item.unit_price * item.quantity * 100));
      const items = doc.items.reduce((sum, item) => sum + cents(item.amount_tax_excl), 0);
      expect(cents(doc.amount_order_tax_free)).toBe(items);
      expect(cents(doc.amount_discount_tax_free)).toBe(Math.round((items * doc.discount_rate) / 100));
      const base = items - cents(doc.amount_discount_tax_free) + cents(doc.amount_shipping_tax_free);
      expect(cents(doc.amount_tax)).toBe(Math.round((base * doc.tax_rate) / 100));
      expect(cents(doc.amount_total_tax_inclusive)).toBe(base + cents(doc.amount_tax));
      expect(KNOWN_TAX_RATES).toContain(doc.tax_rate);
    }
  });

  it('plans defects at about the configured rate, each kind present, and inspection finds exactly them', () => {
    const planned = invoices.map((_, i) => plannedInvoiceDefect(cfg, i));
    const share = planned.filter(Boolean).length / cfg.invoices;
    expect(share).toBeGreaterThan(0.22);
    expect(share).toBeLessThan(0.38);
    const kinds = new Set<string>();
    invoices.forEach((doc, i) => {
      const found = inspectDocument(doc, lookups).map((d) => d.kind);
      expect(found).toEqual(planned[i] ? [planned[i]?.kind] : []);
      found.forEach((k) => kinds.add(k));
    });
    creditNotes.forEach((doc, i) => {
      const found = inspectDocument(doc, lookups).map((d) => d.kind);
      const plannedNote = plannedCreditNoteDefect(cfg, i);
      expect(found).toEqual(plannedNote ? [plannedNote.kind] : []);
      found.forEach((k) => kinds.add(k));
    });
    expect([...kinds].sort()).toEqual(['CREDITED_INVOICE_NOT_FOUND', 'MISSING_EAN13', 'MISSING_RETAILER_REFERENCE', 'UNKNOWN_TAX_RATE', 'ZERO_QUANTITY_LINE']);
  });

  it('says which SKU misses its EAN13', () => {
    const index = invoices.findIndex((_, i) => plannedInvoiceDefect(cfg, i)?.kind === 'MISSING_EAN13');
    const [defect] = inspectDocument(invoices[index], lookups);
    const sku = generateOrder(cfg, index).items.find((item) => item.ean13 === null)?.sku;
    expect(defect.detail).toBe(`missing EAN13 for SKU ${sku} (order ${invoices[index].order_reference})`);
    expect(invoices[index].items.map((item) => item.sku)).toContain(sku);
  });

  it('makes nothing defective at a defect rate of 0', () => {
    const none = { ...cfg, defectRate: 0 };
    expect(range(300).filter((i) => plannedInvoiceDefect(none, i) || plannedCreditNoteDefect(none, i))).toEqual([]);
  });

  it('credits existing final invoices in the same currency and tax rate, or none', () => {
    for (const [i, note] of creditNotes.entries()) {
      if (plannedCreditNoteDefect(cfg, i) || note.invoice_reference_number === null) continue;
      const invoice = invoices[Number(note.invoice_reference_number.slice(4)) - 1];
      expect(invoice.status).toBe('final');
      expect(note.currency_code).toBe(invoice.currency_code);
      expect(note.tax_rate).toBe(invoice.tax_rate);
      expect(note.order_reference).toBe(invoice.order_reference);
      for (const item of note.items) {
        const sold = invoice.items.find((line) => line.sku === item.sku);
        expect(item.quantity).toBeLessThanOrEqual(sold?.quantity ?? -1);
      }
    }
  });
});
