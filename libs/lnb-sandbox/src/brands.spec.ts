// Each account's documents come from a brand: a UK label's look like a UK label's, a Dutch one's like a
// Dutch one's, and the French house the sandbox served before accounts is byte for byte what it was.
import { createHash } from 'node:crypto';
import { BRANDS, KNOWN_TAX_RATES } from './catalogue';
import { isValidEan13 } from './ean13';
import * as generator from './generator';
import { inspectDocument } from './inspect';

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const base: generator.GeneratorConfig = { seed: 7, invoices: 300, creditNotes: 60, retailers: 40, defectRate: 0.3 };

function everything(cfg: generator.GeneratorConfig) {
  return {
    invoices: range(cfg.invoices).map((i) => generator.generateInvoice(cfg, i)),
    creditNotes: range(cfg.creditNotes).map((i) => generator.generateCreditNote(cfg, i)),
    orders: range(cfg.invoices).map((i) => generator.generateOrder(cfg, i)),
    retailers: range(cfg.retailers).map((i) => generator.generateRetailer(cfg, i)),
  };
}

function brandWorld(brand: 'uk' | 'nl') {
  const cfg: generator.GeneratorConfig = { seed: 11, invoices: 400, creditNotes: 40, retailers: 120, defectRate: 0.1, brand };
  const docs = everything(cfg);
  const countryOf = new Map(docs.retailers.map((r) => [r.reference, r.store_address.country]));
  const cleanInvoices = docs.invoices.filter((_, i) => generator.plannedInvoiceDefect(cfg, i) === null);
  return { cfg, ...docs, countryOf, cleanInvoices };
}

const share = (values: string[], wanted: string[]): number => values.filter((v) => wanted.includes(v)).length / values.length;

describe('brands', () => {
  it('leaves the French house (no brand, or fr) exactly as it was before brands existed', () => {
    const pinned = 'd2b71776fb967e9dc788de362041b4c044dd69d159859ef75ceb52cf1f80f66e';
    const digest = (cfg: generator.GeneratorConfig): string => {
      const docs = everything(cfg);
      return createHash('sha256')
        .update(JSON.stringify([docs.invoices, docs.creditNotes, docs.orders, docs.retailers]))
        .digest('hex');
    };
    expect(digest(base)).toBe(pinned);
    expect(digest({ ...base, brand: 'fr' })).toBe(pinned);
  });

  it('gives one seed other documents under another brand, and the same ones again under the same', () => {
    expect(generator.generateInvoice({ ...base, brand: 'uk' }, 5)).not.toEqual(generator.generateInvoice(base, 5));
    expect(generator.generateInvoice({ ...base, brand: 'uk' }, 5)).toEqual(generator.generateInvoice({ ...base, brand: 'uk' }, 5));
  });

  it('makes a UK label: GB and Irish retailers mostly, everything in GBP, UK VAT at home and zero-rated exports', () => {
    const uk = brandWorld('uk');
    expect(share([...uk.countryOf.values()], ['GB', 'IE'])).toBeGreaterThan(0.75);
    expect(new Set([...uk.invoices, ...uk.creditNotes, ...uk.orders].map((d) => d.currency_code))).toEqual(new Set(['GBP']));
    expect(new Set(uk.retailers.map((r) => r.price_list_code))).toEqual(new Set(['WHOLESALE-GBP']));
    expect(uk.retailers.every((r) => r.sales_rep_email.endsWith(`@${BRANDS.uk.domain}`))).toBe(true);
    expect(uk.retailers.filter((r) => r.terms_of_delivery.startsWith('EXW')).every((r) => r.terms_of_delivery.endsWith('London warehouse'))).toBe(true);
    const taxOf = (country: string): Set<number> =>
      new Set(uk.cleanInvoices.filter((d) => uk.countryOf.get(String(d.retailer_reference)) === country).map((d) => d.tax_rate));
    expect(taxOf('GB')).toEqual(new Set([20]));
    expect(taxOf('IE')).toEqual(new Set([0]));
    const eans = uk.orders.flatMap((o) => o.items.map((item) => item.ean13)).filter((ean): ean is string => ean !== null);
    expect(eans.every((ean) => ean.startsWith(BRANDS.uk.gs1CompanyPrefix) && isValidEan13(ean))).toBe(true);
  });

  it('makes a Dutch label: Benelux and German retailers mostly, everything in EUR, Dutch VAT at home', () => {
    const nl = brandWorld('nl');
    expect(share([...nl.countryOf.values()], ['NL', 'BE', 'DE'])).toBeGreaterThan(0.7);
    expect(new Set([...nl.invoices, ...nl.creditNotes, ...nl.orders].map((d) => d.currency_code))).toEqual(new Set(['EUR']));
    const dutch = nl.cleanInvoices.filter((d) => nl.countryOf.get(String(d.retailer_reference)) === 'NL');
    expect(dutch.length).toBeGreaterThan(50);
    expect(new Set(dutch.map((d) => d.tax_rate))).toEqual(new Set([21]));
    // Reverse charge for half the EU retailers abroad, the rest at their country's rate.
    const abroad = nl.cleanInvoices.filter((d) => ['BE', 'DE'].includes(String(nl.countryOf.get(String(d.retailer_reference)))));
    expect(new Set(abroad.map((d) => d.tax_rate))).toEqual(new Set([0, 19, 21]));
    expect(nl.orders.flatMap((o) => o.items).every((item) => item.ean13 === null || item.ean13.startsWith(BRANDS.nl.gs1CompanyPrefix))).toBe(true);
  });

  it('keeps every brand coherent: known tax rates on clean documents, defects exactly as planned', () => {
    for (const brand of ['uk', 'nl'] as const) {
      const world = brandWorld(brand);
      const lookups = {
        order: (reference: string) => world.orders[Number(reference.slice(4)) - 1],
        invoiceExists: (reference: string) => /^INV-\d{6}$/.test(reference) && Number(reference.slice(4)) <= world.cfg.invoices,
      };
      expect(world.cleanInvoices.every((d) => KNOWN_TAX_RATES.includes(d.tax_rate))).toBe(true);
      const found = world.invoices.map((doc) => inspectDocument(doc, lookups).map((d) => d.kind));
      expect(found).toEqual(range(world.cfg.invoices).map((i) => [generator.plannedInvoiceDefect(world.cfg, i)?.kind].filter(Boolean)));
      const notes = world.creditNotes.map((doc) => inspectDocument(doc, lookups).map((d) => d.kind));
      expect(notes).toEqual(range(world.cfg.creditNotes).map((i) => [generator.plannedCreditNoteDefect(world.cfg, i)?.kind].filter(Boolean)));
    }
  });
});
