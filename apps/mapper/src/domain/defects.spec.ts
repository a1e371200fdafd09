// Every defect the LNB sandbox can generate (and the ones Xero would refuse), each with its stable
// code, its plain message and where it is, and all of them at once on one document.
import type { Problem } from '@lnbx/contracts';
import { type MapInput, mapDocument } from './map-document';
import type { MappingConfig } from './mapping-config';
import type { OrgReferenceData } from './reference-checks';
import { aMappingConfig, anLnbCreditNote, anLnbInvoice, anOrgReference } from './testing';

interface Case {
  name: string;
  input: MapInput;
  config?: MappingConfig;
  reference?: OrgReferenceData;
  expected: Problem;
}

const seasons = aMappingConfig().withSeasonTracking();
const err = (code: string, message: string, field?: string): Problem =>
  field === undefined ? { code, severity: 'error', message } : { code, severity: 'error', field, message };

const cases: Case[] = [
  {
    name: 'an invoice line whose order item has no EAN13',
    input: anLnbInvoice().withLines(20).withoutEan13('JKT-001-BLK-M').input(),
    expected: err('LNB.MISSING_EAN13', 'Missing EAN13 for SKU JKT-001-BLK-M (line 1)', 'items[0].ean13'),
  },
  {
    name: 'a line with no SKU',
    input: anLnbInvoice().withItem(1, { sku: null }).input(),
    expected: err('LNB.MISSING_SKU', 'Line 2 (Organic cotton T-shirt, Black, size M) has no SKU in Le New Black.', 'items[1].sku'),
  },
  {
    name: 'a missing retailer reference',
    input: anLnbInvoice().withoutRetailerReference().input(),
    expected: err(
      'LNB.MISSING_RETAILER_REFERENCE',
      'The retailer "Harbour & Hale Ltd" has no customer reference in Le New Black; Xero needs it to identify the customer (Contact Code).',
      'retailer_reference',
    ),
  },
  {
    name: 'a retailer with no name anywhere',
    input: anLnbInvoice()
      .with({ retailer_name: null, billing_address: null })
      .retailer((r) => r.withName(null).with({ billing_address: null }))
      .input(),
    expected: err('LNB.MISSING_RETAILER_NAME', 'The retailer RET-0042 has no name in Le New Black; Xero needs a contact name.', 'retailer_name'),
  },
  {
    name: 'an unknown tax rate',
    input: anLnbInvoice().withTaxRate(19).input(),
    expected: err('LNB.UNKNOWN_TAX_RATE', 'Invoice INV-2026-0001 charges tax at 19%, a rate with no Xero tax type in the mapping.', 'tax_rate'),
  },
  {
    name: 'no tax rate at all',
    input: anLnbInvoice().withTaxRate(null).input(),
    expected: err('LNB.UNKNOWN_TAX_RATE', 'Invoice INV-2026-0001 has no tax rate in Le New Black.', 'tax_rate'),
  },
  {
    name: 'a credit note whose invoice does not exist (configured to reject)',
    input: anLnbCreditNote().creditingInvoice('INV-404', false).input(),
    config: aMappingConfig().with({ creditNoteWithoutInvoice: 'reject' }).build(),
    expected: err(
      'LNB.CREDIT_NOTE_WITHOUT_INVOICE',
      'Credit note CN-2026-0007 credits invoice INV-404, which does not exist in Le New Black, so it cannot be allocated in Xero.',
      'invoice_reference_number',
    ),
  },
  {
    name: 'a credit note naming no invoice (configured to reject)',
    input: anLnbCreditNote().creditingInvoice(null).input(),
    config: aMappingConfig().with({ creditNoteWithoutInvoice: 'reject' }).build(),
    expected: err(
      'LNB.CREDIT_NOTE_WITHOUT_INVOICE',
      'Credit note CN-2026-0007 does not say which invoice it credits, so it cannot be allocated to one in Xero.',
      'invoice_reference_number',
    ),
  },
  {
    name: 'a zero-quantity line',
    input: anLnbInvoice().withZeroQuantityLine('DRS-203-BLK-M').input(),
    expected: err('LNB.ZERO_QUANTITY_LINE', 'SKU DRS-203-BLK-M (line 3) has a quantity of 0.', 'items[2].quantity'),
  },
  {
    name: 'a document with no lines',
    input: anLnbInvoice().withItems().withShipping(0).input(),
    expected: err('LNB.EMPTY_DOCUMENT', 'Invoice INV-2026-0001 has no lines.', 'items'),
  },
  {
    name: 'no currency',
    input: anLnbInvoice().withCurrency(null).input(),
    expected: err('LNB.CURRENCY_MISSING', 'Invoice INV-2026-0001 has no currency in Le New Black.', 'currency_code'),
  },
  {
    name: 'no date',
    input: anLnbInvoice().with({ invoice_on: null, create_time: 'yesterday' }).input(),
    expected: err('LNB.MISSING_DATE', 'Invoice INV-2026-0001 has no invoice date in Le New Black.', 'invoice_on'),
  },
  {
    name: 'no total',
    input: anLnbInvoice().withFigures({ amount_total_tax_inclusive: null }).input(),
    expected: err(
      'LNB.TOTAL_MISSING',
      "Invoice INV-2026-0001 has no total in Le New Black, so Xero's total cannot be checked against it.",
      'amount_total_tax_inclusive',
    ),
  },
  {
    name: 'a shipping charge with no shipping account configured',
    input: anLnbInvoice().withShipping(12.5).input(),
    config: aMappingConfig().withoutAccount('shipping').build(),
    expected: err(
      'MAP.NO_ACCOUNT_FOR_LINE',
      'The document has shipping of 12.50 GBP, but the mapping names no Xero account for the shipping line (accounts.shipping).',
      'amount_shipping_tax_free',
    ),
  },
  {
    name: 'a discount with no discount account configured',
    input: anLnbInvoice().withDiscountRate(10).input(),
    config: aMappingConfig().withoutAccount('discount').build(),
    expected: err(
      'MAP.NO_ACCOUNT_FOR_LINE',
      'The document has a discount of 56.17 GBP, but the mapping names no Xero account for the discount line (accounts.discount).',
      'amount_discount_tax_free',
    ),
  },
  {
    name: 'a SKU too long for a Xero item code (when SKUs are item codes)',
    input: anLnbInvoice().withItem(0, { sku: 'JKT-001-BLK-M-LIMITED-EDITION-2027' }).input(),
    config: aMappingConfig().with({ itemCode: 'sku' }).build(),
    expected: err(
      'MAP.SKU_TOO_LONG_FOR_ITEM_CODE',
      'SKU JKT-001-BLK-M-LIMITED-EDITION-2027 (line 1) is longer than the 30 characters a Xero item code allows.',
      'items[0].sku',
    ),
  },
  {
    name: 'a tax type the Xero organisation does not have',
    input: anLnbInvoice().input(),
    reference: anOrgReference().withoutTaxType('OUTPUT2').build(),
    expected: err(
      'XERO.UNKNOWN_TAX_TYPE',
      'The tax type OUTPUT2 (for Le New Black\'s 20% tax rate) does not exist in the Xero organisation "Demo Company (UK)".',
      'tax_rate',
    ),
  },
  {
    name: 'a purchases-only tax type',
    input: anLnbInvoice().input(),
    config: aMappingConfig().withTaxType(20, 'INPUT2').build(),
    expected: err(
      'XERO.TAX_TYPE_NOT_FOR_SALES',
      'The tax type INPUT2 (for Le New Black\'s 20% tax rate) cannot be used on sales in the Xero organisation "Demo Company (UK)" (archived, or for purchases only).',
      'tax_rate',
    ),
  },
  {
    name: "a tax type whose rate differs from LNB's",
    input: anLnbInvoice().withTaxRate(5.5).input(),
    config: aMappingConfig().withTaxType(5.5, 'RROUTPUT').build(),
    expected: err(
      'XERO.TAX_RATE_MISMATCH',
      'The tax type RROUTPUT is 5% in the Xero organisation "Demo Company (UK)", but Le New Black\'s 5.5% tax rate needs 5.5%: Xero would compute different tax.',
      'tax_rate',
    ),
  },
  {
    name: 'a rounding line whose tax type is not at 0% in Xero',
    input: anLnbInvoice().withFigures({ amount_total_tax_inclusive: 692.05 }).input(),
    config: aMappingConfig()
      .with({ rounding: { toleranceCents: 2, taxType: 'OUTPUT2' } })
      .build(),
    expected: err(
      'XERO.TAX_RATE_MISMATCH',
      'The tax type OUTPUT2 is 20% in the Xero organisation "Demo Company (UK)", but the rounding line needs 0%: Xero would compute different tax.',
      'tax_rate',
    ),
  },
  {
    name: 'an account the Xero organisation does not have',
    input: anLnbInvoice().input(),
    config: aMappingConfig().withAccounts({ shipping: '265' }).build(),
    expected: err('XERO.UNKNOWN_ACCOUNT', 'The account 265 (for the shipping line) does not exist in the Xero organisation "Demo Company (UK)".'),
  },
  {
    name: 'an archived account',
    input: anLnbInvoice().withDiscountRate(5).input(),
    reference: anOrgReference().withArchivedAccount('200').build(),
    expected: err(
      'XERO.ARCHIVED_ACCOUNT',
      'The account 200 "Sales" (for goods lines and the discount line) is archived in the Xero organisation "Demo Company (UK)".',
    ),
  },
  {
    name: 'a currency not enabled in Xero',
    input: anLnbInvoice().withCurrency('CHF').input(),
    expected: err(
      'XERO.CURRENCY_NOT_ENABLED',
      'The currency CHF is not enabled in the Xero organisation "Demo Company (UK)"; add it under Settings > Currencies.',
      'currency_code',
    ),
  },
  {
    name: 'a tracking option missing in Xero',
    input: anLnbInvoice().withItem(1, { collection_name: 'SS28 Preview' }).input(),
    config: seasons.build(),
    expected: err(
      'XERO.UNKNOWN_TRACKING_OPTION',
      'The option "SS28" (line 2, Organic cotton T-shirt, Black, size M (SKU TSH-014-BLK-M)) does not exist in the tracking category "Season" in the Xero organisation "Demo Company (UK)".',
      'items[1]',
    ),
  },
  {
    name: 'a tracking category missing in Xero',
    input: anLnbInvoice().input(),
    config: seasons.build(),
    reference: anOrgReference().withoutTrackingCategory('Season').build(),
    expected: err(
      'XERO.UNKNOWN_TRACKING_CATEGORY',
      'The tracking category "Season" does not exist (or is archived) in the Xero organisation "Demo Company (UK)".',
    ),
  },
];

describe('mapDocument rejects, with a stable code and a plain message', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const r = mapDocument(c.input, c.config ?? aMappingConfig().build(), c.reference ?? anOrgReference().build());
    expect(r.ok).toBe(false);
    expect(r.ok ? [] : r.problems).toEqual([c.expected]);
  });
});

describe('mapDocument gives every reason at once', () => {
  it('reports all defects of one document, errors first, then warnings', () => {
    const input = anLnbInvoice()
      .withLines(20)
      .withoutEan13('JKT-001-BLK-M')
      .withoutEan13('SWT-007-NVY-M')
      .withoutRetailerReference()
      .withTaxRate(19)
      .withZeroQuantityLine('DRS-203-BLK-M')
      .withCurrency('CHF')
      .withDeposit(100)
      .input();
    const r = mapDocument(input, aMappingConfig().build(), anOrgReference().build());
    expect(r.ok ? [] : r.problems.map((p) => [p.code, p.severity, p.field])).toEqual([
      ['LNB.UNKNOWN_TAX_RATE', 'error', 'tax_rate'],
      ['LNB.MISSING_EAN13', 'error', 'items[0].ean13'],
      ['LNB.ZERO_QUANTITY_LINE', 'error', 'items[2].quantity'],
      ['LNB.MISSING_EAN13', 'error', 'items[9].ean13'],
      ['LNB.MISSING_RETAILER_REFERENCE', 'error', 'retailer_reference'],
      ['XERO.CURRENCY_NOT_ENABLED', 'error', 'currency_code'],
      ['LNB.DEPOSIT_NOT_EXPORTED', 'warning', 'amount_deposit'],
    ]);
  });

  it('rejects a zero-quantity line that still carries an amount, even when empty lines may be skipped', () => {
    const config = aMappingConfig().with({ zeroQuantityLines: 'skip' }).build();
    const input = anLnbInvoice().withZeroQuantityLine(0).withItem(0, { amount_tax_excl: 5 }).input();
    const r = mapDocument(input, config, anOrgReference().build());
    expect(r.ok ? [] : r.problems.map((p) => [p.code, p.message])).toEqual([
      ['LNB.ZERO_QUANTITY_LINE', 'SKU JKT-001-BLK-M (line 1) has a quantity of 0 but an amount of 5.00.'],
      ['LNB.TOTALS_MISMATCH', expect.stringContaining("Le New Black's total is 471.24 GBP but Xero would compute 465.24 GBP")],
    ]);
  });

  it('skips a zero-quantity line with no amount when configured to, with a warning', () => {
    const config = aMappingConfig().with({ zeroQuantityLines: 'skip' }).build();
    const r = mapDocument(anLnbInvoice().withZeroQuantityLine('DRS-203-BLK-M').input(), config, anOrgReference().build());
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    expect(r.xero.lineItems.map((l) => l.description)).not.toContain('Wrap dress, Black, size M (SKU DRS-203-BLK-M)');
    expect(r.warnings).toEqual([
      {
        code: 'LNB.ZERO_QUANTITY_LINE',
        severity: 'warning',
        field: 'items[2].quantity',
        message: 'SKU DRS-203-BLK-M (line 3) has a quantity of 0 and was left out.',
      },
    ]);
  });
});
