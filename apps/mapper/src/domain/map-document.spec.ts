import type { Problem } from '@lnbx/contracts';
import { type MapResult, mapDocument } from './map-document';
import example from '../../mapping.example.json';
import { applyMappingChange, parseMappingConfig } from './mapping-config';
import { aMappingConfig, anLnbCreditNote, anLnbInvoice, anOrgReference, ratesOf, xeroComputedCents } from './testing';

const config = aMappingConfig().build();
const org = anOrgReference().build();

function mapped(r: MapResult) {
  if (!r.ok) throw new Error(`expected a mapped document, got ${JSON.stringify(r.problems)}`);
  return r;
}
function rejected(r: MapResult): Problem[] {
  if (r.ok) throw new Error('expected a rejection');
  return r.problems;
}

describe('mapDocument: an invoice', () => {
  const input = anLnbInvoice().input();
  const r = mapped(mapDocument(input, config, org));

  it('becomes an ACCREC with LNB numbers, dates and references', () => {
    expect(r.xero).toMatchObject({
      type: 'ACCREC',
      number: 'INV-2026-0001',
      reference: 'PO-7781',
      date: '2026-03-02',
      dueDate: '2026-04-01',
      currencyCode: 'GBP',
      status: 'DRAFT',
      lineAmountTypes: 'Exclusive',
      unitdp: 2,
    });
    expect(r.xero.expectedTotal).toBe(input.document.amount_total_tax_inclusive);
    expect(r.warnings).toEqual([]);
    expect(r.allocateToInvoiceNumber).toBeUndefined();
  });

  it('has one line per item with a readable description, then shipping as its own line', () => {
    expect(r.xero.lineItems.map((l) => [l.description, l.quantity, l.unitAmount, l.accountCode, l.taxType])).toEqual([
      ['Biker jacket, Black, size M (SKU JKT-001-BLK-M)', 1, 189, '200', 'OUTPUT2'],
      ['Organic cotton T-shirt, Black, size M (SKU TSH-014-BLK-M)', 8, 18.5, '200', 'OUTPUT2'],
      ['Wrap dress, Black, size M (SKU DRS-203-BLK-M)', 3, 74.9, '200', 'OUTPUT2'],
      ['Shipping', 1, 15, '260', 'OUTPUT2'],
    ]);
    expect(r.xero.lineItems.every((l) => l.itemCode === undefined && l.tracking === undefined)).toBe(true);
  });

  it('describes the retailer as the contact', () => {
    expect(r.contact).toEqual({
      contactNumber: 'RET-0042',
      name: 'Harbour & Hale Ltd',
      emailAddress: 'accounts@harbourhale.example',
      taxNumber: 'GB123456789',
      addresses: [
        { addressType: 'POBOX', addressLine1: '12 Quay Street', city: 'Bristol', postalCode: 'BS1 4DJ', country: 'GB', attentionTo: 'Jo Hale' },
        { addressType: 'STREET', addressLine1: 'Unit 4, Avon Trade Park', city: 'Bristol', postalCode: 'BS1 4DJ', country: 'GB', attentionTo: 'Jo Hale' },
      ],
    });
  });

  it('is pure: the same input maps to the same output, and the input is not changed', () => {
    const before = structuredClone(input);
    expect(mapDocument(input, config, org)).toEqual(mapDocument(input, config, org));
    expect(input).toEqual(before);
  });
});

describe('mapDocument: lines and amounts', () => {
  it('sends the document discount as a negative line on the discount account', () => {
    const doc = anLnbInvoice().withDiscountRate(10).input();
    const r = mapped(mapDocument(doc, config, org));
    const discount = r.xero.lineItems.find((l) => l.description.startsWith('Discount'));
    expect(discount).toMatchObject({ description: 'Discount of 10%', quantity: 1, unitAmount: -doc.document.amount_discount_tax_free!, accountCode: '200' });
    expect(Number(xeroComputedCents(r.xero, ratesOf(org)).total)).toBe(Math.round(doc.document.amount_total_tax_inclusive! * 100));
  });

  it('uses unitdp 4 when a unit price has more than 2 decimals', () => {
    const r = mapped(mapDocument(anLnbInvoice().withItem(0, { unit_price: 12.3456 }).input(), config, org));
    expect(r.xero.unitdp).toBe(4);
    expect(r.xero.lineItems[0].unitAmount).toBe(12.3456);
  });

  it('overrides the tax of the largest line when LNB taxed the document total, so VAT and total match LNB', () => {
    // 3 x 0.125 at 20%: per line 0.03 each (0.09); on the total 0.375 * 0.2 = 0.075 -> 0.08.
    const input = anLnbInvoice()
      .withItems({ unit_price: 0.125, quantity: 1 }, { unit_price: 0.125, quantity: 1 }, { unit_price: 0.125, quantity: 1 })
      .withShipping(0)
      .input();
    expect(input.document.amount_tax).toBe(0.08);
    const r = mapped(mapDocument(input, config, org));
    const cents = xeroComputedCents(r.xero, ratesOf(org));
    expect(r.xero.lineItems.filter((l) => l.taxAmount !== undefined)).toHaveLength(1);
    expect(cents).toEqual({ subTotal: 39n, tax: 8n, total: 47n });
    expect(r.xero.expectedTotal).toBe(0.47);
  });

  it('adds a 0% rounding line for net cents that a tax override cannot absorb', () => {
    const input = anLnbInvoice().input();
    const total = input.document.amount_total_tax_inclusive! + 0.01;
    const r = mapped(mapDocument({ ...input, document: { ...input.document, amount_total_tax_inclusive: total } }, config, org));
    expect(r.xero.lineItems.at(-1)).toEqual({
      description: 'Rounding difference with the Le New Black total',
      quantity: 1,
      unitAmount: 0.01,
      accountCode: '860',
      taxType: 'NONE',
    });
    expect(Number(xeroComputedCents(r.xero, ratesOf(org)).total)).toBe(Math.round(total * 100));
  });

  it('rejects totals beyond the tolerance with both figures', () => {
    // Net 189.00 + 148.00 + 224.70 + shipping 15.00 = 576.70; VAT 115.34; total 692.04.
    const input = anLnbInvoice().withFigures({ amount_total_tax_inclusive: 999.99 }).input();
    const [p] = rejected(mapDocument(input, config, org));
    expect(p).toEqual({
      code: 'LNB.TOTALS_MISMATCH',
      severity: 'error',
      field: 'amount_total_tax_inclusive',
      message:
        "Invoice INV-2026-0001: Le New Black's total is 999.99 GBP but Xero would compute 692.04 GBP. " +
        'The difference is more than the 0.04 the mapping allows for rounding.',
    });
  });

  it('names the tax figures too when the tax is what differs', () => {
    const input = anLnbInvoice().withFigures({ amount_tax: 100, amount_total_tax_inclusive: 676.7 }).input();
    const [p] = rejected(mapDocument(input, config, org));
    expect(p.message).toContain('tax 100.00 in Le New Black against 115.34 in Xero');
  });

  it('sends tax-inclusive unit amounts when the configuration says Inclusive, still matching LNB', () => {
    const inclusive = aMappingConfig().with({ lineAmountTypes: 'Inclusive' }).build();
    const input = anLnbInvoice().withLines(5).input();
    const r = mapped(mapDocument(input, inclusive, org));
    expect(r.xero.lineAmountTypes).toBe('Inclusive');
    expect(r.xero.lineItems[0].unitAmount).toBe(226.8);
    const cents = xeroComputedCents(r.xero, ratesOf(org));
    expect(Number(cents.total)).toBe(Math.round(input.document.amount_total_tax_inclusive! * 100));
    expect(Number(cents.tax)).toBe(Math.round(input.document.amount_tax! * 100));
  });

  it('uses the country TaxType for zero-rated intra-EU sales and the default elsewhere', () => {
    const de = mapped(mapDocument(anLnbInvoice().withTaxRate(0).withCountry('de').input(), config, org));
    const us = mapped(mapDocument(anLnbInvoice().withTaxRate(0).withCountry('US').input(), config, org));
    expect(new Set(de.xero.lineItems.map((l) => l.taxType))).toEqual(new Set(['ECZROUTPUT']));
    expect(new Set(us.xero.lineItems.map((l) => l.taxType))).toEqual(new Set(['ZERORATEDOUTPUT']));
  });

  it('tracks lines by season or collection, and the price list on every line', () => {
    const tracked = aMappingConfig()
      .with({
        tracking: [
          { category: 'Season', source: 'season' },
          { category: 'Price list', source: 'price_list_code', options: { 'WHOLESALE-GBP': 'Wholesale' } },
        ],
      })
      .build();
    const ref = anOrgReference().withTrackingOptions('Price list', ['Wholesale', 'Retail']).build();
    const r = mapped(mapDocument(anLnbInvoice().input(), tracked, ref));
    expect(r.xero.lineItems.map((l) => l.tracking)).toEqual([
      [
        { name: 'Season', option: 'SS27' },
        { name: 'Price list', option: 'Wholesale' },
      ],
      [
        { name: 'Season', option: 'AW26' },
        { name: 'Price list', option: 'Wholesale' },
      ],
      [
        { name: 'Season', option: 'SS27' },
        { name: 'Price list', option: 'Wholesale' },
      ],
      [{ name: 'Price list', option: 'Wholesale' }],
    ]);
  });
});

describe('mapDocument: configuration choices', () => {
  it('applies prefix, reference source, status, branding theme, SKU item codes and LNB due date', () => {
    const custom = aMappingConfig()
      .with({
        numbering: { invoicePrefix: 'LNB-' },
        reference: 'order_reference',
        status: 'AUTHORISED',
        itemCode: 'sku',
        brandingThemeId: '5d4dd402-c851-497e-aae1-9ff265c0d15a',
      })
      .build();
    const r = mapped(mapDocument(anLnbInvoice().with({ due_on: '2026-05-15' }).input(), custom, org));
    expect(r.xero).toMatchObject({
      number: 'LNB-INV-2026-0001',
      reference: 'ORD-5512',
      status: 'AUTHORISED',
      dueDate: '2026-05-15',
      brandingThemeID: '5d4dd402-c851-497e-aae1-9ff265c0d15a',
    });
    expect(r.xero.lineItems[0].itemCode).toBe('JKT-001-BLK-M');
    expect(r.xero.lineItems.at(-1)?.itemCode).toBeUndefined();
  });

  it.each([
    [{ rule: 'days_after_invoice', days: 14 }, '2026-01-31', '2026-02-14'],
    [{ rule: 'day_of_following_month', day: 31 }, '2026-01-15', '2026-02-28'],
    [{ rule: 'day_of_following_month', day: 20 }, '2026-12-03', '2027-01-20'],
  ])('computes the due date with %p from %s', (dueDate, invoiceOn, expected) => {
    const c = aMappingConfig().with({ dueDate }).build();
    expect(mapped(mapDocument(anLnbInvoice().with({ invoice_on: invoiceOn }).input(), c, org)).xero.dueDate).toBe(expected);
  });

  it('leaves Reference out when configured to, or when LNB has none', () => {
    const none = aMappingConfig().with({ reference: 'none' }).build();
    expect(mapped(mapDocument(anLnbInvoice().input(), none, org)).xero.reference).toBeUndefined();
    expect(mapped(mapDocument(anLnbInvoice().with({ purchase_order_reference: ' ' }).input(), config, org)).xero.reference).toBeUndefined();
  });

  it('maps invoices and credit notes with the example configuration against a UK demo organisation', () => {
    const exampleConfig = parseMappingConfig(example);
    for (const input of [anLnbInvoice().withLines(20).withDiscountRate(5).input(), anLnbCreditNote().withCountry('FR').withTaxRate(0).input()]) {
      expect(mapped(mapDocument(input, exampleConfig, org)).warnings).toEqual([]);
    }
  });

  it('maps without reference data (before the exporter has published it)', () => {
    expect(mapDocument(anLnbInvoice().input(), config).ok).toBe(true);
  });

  it('follows a runtime change at once', () => {
    const changed = applyMappingChange(config, { type: 'SetAccount', lineKind: 'shipping', accountCode: '200' });
    expect(mapped(mapDocument(anLnbInvoice().input(), changed, org)).xero.lineItems.at(-1)?.accountCode).toBe('200');
  });
});

describe('mapDocument: credit notes', () => {
  it('becomes an ACCRECCREDIT with the invoice to allocate to', () => {
    const prefixed = aMappingConfig()
      .with({ numbering: { invoicePrefix: 'LNB-', creditNotePrefix: 'LNBC-' } })
      .build();
    const r = mapped(mapDocument(anLnbCreditNote().input(), prefixed, org));
    expect(r.xero).toMatchObject({ type: 'ACCRECCREDIT', number: 'LNBC-CN-2026-0007', reference: 'PO-7781' });
    expect(r.xero.dueDate).toBeUndefined();
    expect(r.allocateToInvoiceNumber).toBe('LNB-INV-2026-0001');
    expect(r.xero.lineItems.every((l) => l.unitAmount > 0)).toBe(true);
  });

  it('warns by default when the credited invoice does not exist, and maps without an allocation', () => {
    const r = mapped(mapDocument(anLnbCreditNote().creditingInvoice('INV-404', false).input(), config, org));
    expect(r.allocateToInvoiceNumber).toBeUndefined();
    expect(r.warnings).toEqual([
      {
        code: 'LNB.CREDIT_NOTE_WITHOUT_INVOICE',
        severity: 'warning',
        field: 'invoice_reference_number',
        message: 'Credit note CN-2026-0007 credits invoice INV-404, which does not exist in Le New Black, so it cannot be allocated in Xero.',
      },
    ]);
  });
});

describe('mapDocument: deposits', () => {
  it('exports the full amount and warns that the deposit is to be recorded in Xero', () => {
    const r = mapped(mapDocument(anLnbInvoice().withDeposit(150).input(), config, org));
    expect(r.warnings.map((w) => [w.code, w.severity, w.message])).toEqual([
      [
        'LNB.DEPOSIT_NOT_EXPORTED',
        'warning',
        'Invoice INV-2026-0001 records a deposit of 150.00 GBP in Le New Black. Xero gets the full amount; ' +
          'record the deposit in Xero as a payment against this invoice.',
      ],
    ]);
    const quiet = aMappingConfig().with({ deposits: 'ignore' }).build();
    expect(mapped(mapDocument(anLnbInvoice().withDeposit(150).input(), quiet, org)).warnings).toEqual([]);
  });
});
