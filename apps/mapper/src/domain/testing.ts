// Test-data builders for the mapper: readable defaults (a UK brand invoicing a UK retailer at 20%),
// amounts kept consistent the way LNB computes them (tax on the document's taxable base, not per line).
import type { LnbAddress, LnbDocument, LnbDocumentItem, LnbRetailer } from '@lnbx/contracts';
import type { MapInput } from './map-document';
import { type MappingConfig, parseMappingConfig } from './mapping-config';
import { fromCents, mulDivRound, toCents, toScaled } from './money';
import type { OrgReferenceData } from './reference-checks';

const PRODUCTS = [
  { code: 'JKT-001', name: 'Biker jacket', price: 189 },
  { code: 'TSH-014', name: 'Organic cotton T-shirt', price: 18.5 },
  { code: 'DRS-203', name: 'Wrap dress', price: 74.9 },
  { code: 'JNS-110', name: 'Straight jeans', price: 59.95 },
  { code: 'SWT-007', name: 'Merino sweater', price: 89 },
];
const COLOURS = [
  ['BLK', 'Black'],
  ['NVY', 'Navy'],
  ['ECR', 'Ecru'],
  ['OLV', 'Olive'],
] as const;
const SIZES = ['M', 'S', 'L', 'XL'];
const COLLECTIONS = ['SS27 Main', 'AW26 Core'];

/** A 13-digit EAN with a valid check digit, unique per n. */
export function ean13(n: number): string {
  const body = `501234${String(n).padStart(6, '0')}`;
  const sum = [...body].reduce((s, d, i) => s + Number(d) * (i % 2 === 0 ? 1 : 3), 0);
  return `${body}${(10 - (sum % 10)) % 10}`;
}

/** Line i of a generated invoice: SKUs are unique for the first 80 lines (JKT-001-BLK-M first). */
export function anItem(i: number): LnbDocumentItem {
  const p = PRODUCTS[i % PRODUCTS.length];
  const [colourCode, colour] = COLOURS[Math.floor(i / 5) % COLOURS.length];
  const size = SIZES[Math.floor(i / 20) % SIZES.length];
  const suffix = i >= 80 ? `-${Math.floor(i / 80)}` : '';
  return {
    product_name: p.name,
    description: `${p.name} ${colour}`,
    variant_reference: `${p.code}-${colourCode}`,
    variant_color: colour,
    size,
    sku: `${p.code}-${colourCode}-${size}${suffix}`,
    unit_price: p.price,
    quantity: 1 + ((i * 7) % 12),
    // NaN: computed by build() from quantity and unit price, unless a test sets it.
    amount_tax_excl: Number.NaN,
    ean13: ean13(i + 1),
    collection_name: COLLECTIONS[i % COLLECTIONS.length],
  };
}

export const anAddress = (country = 'GB', patch: Partial<LnbAddress> = {}): LnbAddress => ({
  reference: 'ADDR-1',
  company: 'Harbour & Hale Ltd',
  country,
  contact_name: 'Jo Hale',
  contact_email: 'accounts@harbourhale.example',
  tel: '+44 20 7946 0000',
  address_1: '12 Quay Street',
  address_2: null,
  zipcode: 'BS1 4DJ',
  city: 'Bristol',
  vat_number: 'GB123456789',
  ...patch,
});

export class RetailerBuilder {
  private retailer: LnbRetailer = {
    reference: 'RET-0042',
    name: 'Harbour & Hale Ltd',
    email: 'accounts@harbourhale.example',
    vat_number: 'GB123456789',
    billing_address: anAddress(),
  };
  withReference(reference: string | null): this {
    this.retailer.reference = reference;
    return this;
  }
  withoutReference(): this {
    return this.withReference(null);
  }
  withName(name: string | null): this {
    this.retailer.name = name;
    return this;
  }
  withCountry(country: string): this {
    this.retailer.billing_address = anAddress(country);
    return this;
  }
  with(patch: Partial<LnbRetailer>): this {
    this.retailer = { ...this.retailer, ...patch };
    return this;
  }
  build(): LnbRetailer {
    return structuredClone(this.retailer);
  }
}
export const aRetailer = (): RetailerBuilder => new RetailerBuilder();

type Override = Partial<Pick<LnbDocument, 'amount_tax' | 'amount_total_tax_inclusive' | 'amount_discount_tax_free' | 'amount_order_tax_free'>>;

export class LnbDocumentBuilder {
  private doc: Omit<LnbDocument, 'items'>;
  private items: LnbDocumentItem[] = [0, 1, 2].map(anItem);
  private override: Override = {};
  private patch: Partial<LnbDocument> = {};
  private readonly retailerBuilder = aRetailer();
  private creditedInvoiceExists: boolean | undefined;
  private connectionId = 'acme';

  constructor(private readonly type: 'invoice' | 'credit_note') {
    const credit = type === 'credit_note';
    this.doc = {
      reference_number: credit ? 'CN-2026-0007' : 'INV-2026-0001',
      status: 'final',
      create_time: '2026-03-02T09:15:00+00:00',
      update_time: '2026-03-02T09:15:00+00:00',
      invoice_on: '2026-03-02',
      due_on: null,
      price_list_code: 'WHOLESALE-GBP',
      purchase_order_reference: 'PO-7781',
      order_reference: 'ORD-5512',
      retailer_reference: 'RET-0042',
      retailer_name: 'Harbour & Hale Ltd',
      currency_code: 'GBP',
      deposit_rate: 0,
      discount_rate: 0,
      tax_rate: 20,
      amount_shipping_tax_free: credit ? 0 : 15,
      amount_deposit: 0,
      amount_paid: 0,
      terms_of_payment: '30 days',
      billing_address: anAddress(),
      delivery_address: anAddress('GB', { reference: 'ADDR-2', address_1: 'Unit 4, Avon Trade Park' }),
      invoice_reference_number: credit ? 'INV-2026-0001' : null,
      pdf_url: null,
    };
  }

  /** The connection (brand) the document belongs to: the first part of its document key. */
  forConnection(connectionId: string): this {
    this.connectionId = connectionId;
    return this;
  }

  withReference(reference: string): this {
    this.doc.reference_number = reference;
    return this;
  }
  withLines(n: number): this {
    this.items = Array.from({ length: n }, (_, i) => anItem(i));
    return this;
  }
  withItems(...items: Array<Partial<LnbDocumentItem>>): this {
    this.items = items.map((patch, i) => ({ ...anItem(i), ...patch }));
    return this;
  }
  /** Changes the item with this SKU (or line index). */
  withItem(skuOrIndex: string | number, patch: Partial<LnbDocumentItem>): this {
    const i = this.indexOf(skuOrIndex);
    this.items[i] = { ...this.items[i], ...patch };
    return this;
  }
  /** The order item behind this SKU has no EAN13 (the first line takes the SKU if no line has it). */
  withoutEan13(sku = this.items[0]?.sku ?? 'JKT-001-BLK-M'): this {
    let i = this.items.findIndex((it) => it.sku === sku);
    if (i < 0) i = 0;
    this.items[i] = { ...this.items[i], sku, ean13: null };
    return this;
  }
  withZeroQuantityLine(skuOrIndex: string | number = this.items.length - 1): this {
    return this.withItem(skuOrIndex, { quantity: 0 });
  }
  withTaxRate(rate: number | null): this {
    this.doc.tax_rate = rate;
    return this;
  }
  withDiscountRate(rate: number): this {
    this.doc.discount_rate = rate;
    return this;
  }
  withShipping(amount: number): this {
    this.doc.amount_shipping_tax_free = amount;
    return this;
  }
  withCurrency(code: string | null): this {
    this.doc.currency_code = code;
    return this;
  }
  withDeposit(amount: number): this {
    this.doc.amount_deposit = amount;
    return this;
  }
  /** Where the goods go (delivery and billing), e.g. "DE" for an intra-EU zero-rated sale. */
  withCountry(country: string): this {
    this.doc.billing_address = anAddress(country);
    this.doc.delivery_address = anAddress(country);
    this.retailerBuilder.withCountry(country);
    return this;
  }
  withoutRetailerReference(): this {
    this.doc.retailer_reference = null;
    this.retailerBuilder.withoutReference();
    return this;
  }
  /** Credit notes: the invoice credited (null: none named); `exists` as the caller would know it. */
  creditingInvoice(reference: string | null, exists?: boolean): this {
    this.doc.invoice_reference_number = reference;
    this.creditedInvoiceExists = exists;
    return this;
  }
  /** Overrides a computed figure (e.g. a total LNB got wrong). */
  withFigures(override: Override): this {
    this.override = { ...this.override, ...override };
    return this;
  }
  /** Any field, applied last. */
  with(patch: Partial<LnbDocument>): this {
    this.patch = { ...this.patch, ...patch };
    return this;
  }
  retailer(configure: (r: RetailerBuilder) => RetailerBuilder): this {
    configure(this.retailerBuilder);
    return this;
  }

  build(): LnbDocument {
    const items = this.items.map((it) => ({
      ...it,
      amount_tax_excl: Number.isNaN(it.amount_tax_excl)
        ? fromCents(mulDivRound(toScaled(it.quantity, 4), toScaled(it.unit_price, 4), 1_000_000))
        : it.amount_tax_excl,
    }));
    const order = items.reduce((s, it) => s + toCents(it.amount_tax_excl), 0);
    const discount = mulDivRound(order, toScaled(this.doc.discount_rate ?? 0, 4), 1_000_000);
    const shipping = toCents(this.doc.amount_shipping_tax_free ?? 0);
    // LNB taxes the document's taxable base once; Xero taxes each line: the two may differ by cents.
    const tax = mulDivRound(order - discount + shipping, toScaled(this.doc.tax_rate ?? 0, 4), 1_000_000);
    return structuredClone({
      ...this.doc,
      amount_order_tax_free: fromCents(order),
      amount_discount_tax_free: fromCents(discount),
      amount_tax: fromCents(tax),
      amount_total_tax_inclusive: fromCents(order - discount + shipping + tax),
      ...this.override,
      ...this.patch,
      items: this.patch.items ?? items,
    });
  }

  input(): MapInput {
    const doc = this.build();
    const input: MapInput = {
      documentKey: `${this.connectionId}:${this.type}:${doc.reference_number}`,
      documentType: this.type,
      document: doc,
      retailer: this.retailerBuilder.build(),
    };
    if (this.creditedInvoiceExists !== undefined) input.creditedInvoiceExists = this.creditedInvoiceExists;
    return input;
  }

  private indexOf(skuOrIndex: string | number): number {
    const i = typeof skuOrIndex === 'number' ? skuOrIndex : this.items.findIndex((it) => it.sku === skuOrIndex);
    if (i < 0 || i >= this.items.length) throw new Error(`no line ${skuOrIndex} in the builder`);
    return i;
  }
}
export const anLnbInvoice = (): LnbDocumentBuilder => new LnbDocumentBuilder('invoice');
export const anLnbCreditNote = (): LnbDocumentBuilder => new LnbDocumentBuilder('credit_note');

/** The EU member states, for intra-EU zero rating. */
export const EU_COUNTRIES = [
  'AT',
  'BE',
  'BG',
  'HR',
  'CY',
  'CZ',
  'DK',
  'EE',
  'FI',
  'FR',
  'DE',
  'GR',
  'HU',
  'IE',
  'IT',
  'LV',
  'LT',
  'LU',
  'MT',
  'NL',
  'PL',
  'PT',
  'RO',
  'SK',
  'SI',
  'ES',
  'SE',
];

export class MappingConfigBuilder {
  private json: Record<string, unknown> = {
    taxTypes: [
      { rate: 20, taxType: 'OUTPUT2' },
      { rate: 5, taxType: 'RROUTPUT' },
      { rate: 0, taxType: 'ZERORATEDOUTPUT', byCountry: Object.fromEntries(EU_COUNTRIES.map((c) => [c, 'ECZROUTPUT'])) },
    ],
    accounts: { goods: '200', shipping: '260', discount: '200', rounding: '860' },
    tracking: [],
  };
  with(patch: Record<string, unknown>): this {
    this.json = { ...this.json, ...patch };
    return this;
  }
  withTaxType(rate: number, taxType: string, byCountry?: Record<string, string>): this {
    const others = (this.json.taxTypes as Array<{ rate: number }>).filter((t) => t.rate !== rate);
    return this.with({ taxTypes: [...others, byCountry ? { rate, taxType, byCountry } : { rate, taxType }] });
  }
  withAccounts(accounts: Record<string, string | undefined>): this {
    return this.with({ accounts: { ...(this.json.accounts as object), ...accounts } });
  }
  withoutAccount(kind: 'shipping' | 'discount' | 'rounding'): this {
    return this.withAccounts({ [kind]: undefined });
  }
  withSeasonTracking(): this {
    return this.with({ tracking: [{ category: 'Season', source: 'season' }] });
  }
  build(): MappingConfig {
    return parseMappingConfig(structuredClone(this.json));
  }
}
export const aMappingConfig = (): MappingConfigBuilder => new MappingConfigBuilder();

export class OrgReferenceBuilder {
  private ref: OrgReferenceData = {
    xeroTenantId: '7e5f2c1a-0b6d-4e7f-9a3c-2d1b0e4f5a6b',
    organisationName: 'Demo Company (UK)',
    baseCurrency: 'GBP',
    currencies: ['GBP', 'EUR', 'USD'],
    taxRates: [
      { taxType: 'OUTPUT2', name: '20% (VAT on Income)', rate: 20, status: 'ACTIVE', canApplyToRevenue: true },
      { taxType: 'RROUTPUT', name: '5% (VAT on Income)', rate: 5, status: 'ACTIVE', canApplyToRevenue: true },
      { taxType: 'ZERORATEDOUTPUT', name: 'Zero Rated Income', rate: 0, status: 'ACTIVE', canApplyToRevenue: true },
      { taxType: 'ECZROUTPUT', name: 'Zero Rated EC Goods Income', rate: 0, status: 'ACTIVE', canApplyToRevenue: true },
      { taxType: 'ECZROUTPUTSERVICES', name: 'Zero Rated EC Services', rate: 0, status: 'ACTIVE', canApplyToRevenue: true },
      { taxType: 'EXEMPTOUTPUT', name: 'Exempt Income', rate: 0, status: 'ACTIVE', canApplyToRevenue: true },
      { taxType: 'NONE', name: 'No VAT', rate: 0, status: 'ACTIVE', canApplyToRevenue: true },
      { taxType: 'INPUT2', name: '20% (VAT on Expenses)', rate: 20, status: 'ACTIVE', canApplyToRevenue: false },
    ],
    accounts: [
      { code: '090', name: 'Business Bank Account', status: 'ACTIVE', type: 'BANK', systemAccount: null },
      { code: '200', name: 'Sales', status: 'ACTIVE', type: 'REVENUE', systemAccount: null },
      { code: '260', name: 'Other Revenue', status: 'ACTIVE', type: 'REVENUE', systemAccount: null },
      { code: '400', name: 'Advertising', status: 'ACTIVE', type: 'OVERHEADS', systemAccount: null },
      { code: '860', name: 'Rounding', status: 'ACTIVE', type: 'CURRLIAB', systemAccount: 'ROUNDING' },
    ],
    trackingCategories: [
      { name: 'Season', status: 'ACTIVE', options: ['SS26', 'AW26', 'SS27', 'AW27'] },
      { name: 'Region', status: 'ACTIVE', options: ['North', 'South'] },
    ],
    fetchedAt: '2026-03-02T08:00:00.000Z',
  };
  withCurrencies(...codes: string[]): this {
    this.ref.currencies = codes;
    return this;
  }
  withoutTaxType(taxType: string): this {
    this.ref.taxRates = this.ref.taxRates.filter((t) => t.taxType !== taxType);
    return this;
  }
  /** An active sales tax type more (another country's rate, say). */
  withTaxType(taxType: string, rate: number): this {
    this.ref.taxRates = [...this.ref.taxRates, { taxType, name: `${rate}% ${taxType}`, rate, status: 'ACTIVE', canApplyToRevenue: true }];
    return this;
  }
  withTaxRate(taxType: string, rate: number): this {
    this.ref.taxRates = this.ref.taxRates.map((t) => (t.taxType === taxType ? { ...t, rate } : t));
    return this;
  }
  withoutAccount(code: string): this {
    this.ref.accounts = this.ref.accounts.filter((a) => a.code !== code);
    return this;
  }
  withArchivedAccount(code: string): this {
    this.ref.accounts = this.ref.accounts.map((a) => (a.code === code ? { ...a, status: 'ARCHIVED' } : a));
    return this;
  }
  withTrackingOptions(category: string, options: string[]): this {
    this.ref.trackingCategories = [...this.ref.trackingCategories.filter((c) => c.name !== category), { name: category, status: 'ACTIVE', options }];
    return this;
  }
  withoutTrackingCategory(category: string): this {
    this.ref.trackingCategories = this.ref.trackingCategories.filter((c) => c.name !== category);
    return this;
  }
  build(): OrgReferenceData {
    return structuredClone(this.ref);
  }
}
export const anOrgReference = (): OrgReferenceBuilder => new OrgReferenceBuilder();

/**
 * Xero's arithmetic, re-done independently of the mapper (decimal strings and BigInt) from the document
 * as it would be sent: what Xero would show as sub-total, tax and total, in cents.
 */
export function xeroComputedCents(
  doc: { lineAmountTypes: string; lineItems: Array<{ quantity: number; unitAmount: number; taxType: string; taxAmount?: number }> },
  ratePercentOf: (taxType: string) => number,
): { subTotal: bigint; tax: bigint; total: bigint } {
  const scaled = (n: number, dp: number): bigint => {
    const [int, frac = ''] = String(Math.abs(n)).split('.');
    if (frac.length > dp || /e/i.test(String(n))) throw new Error(`${n} has more than ${dp} decimals`);
    const v = BigInt(int + frac.padEnd(dp, '0'));
    return n < 0 ? -v : v;
  };
  const roundDiv = (num: bigint, den: bigint): bigint => {
    const neg = num < 0n;
    const q = ((neg ? -num : num) * 2n + den) / (2n * den);
    return neg ? -q : q;
  };
  let amounts = 0n;
  let tax = 0n;
  for (const l of doc.lineItems) {
    const amount = roundDiv(scaled(l.quantity, 4) * scaled(l.unitAmount, 4), 1_000_000n);
    const rate = scaled(ratePercentOf(l.taxType), 4); // percent x 10^4
    let lineTax = 0n;
    if (doc.lineAmountTypes === 'Exclusive') lineTax = roundDiv(amount * rate, 1_000_000n);
    if (doc.lineAmountTypes === 'Inclusive') lineTax = roundDiv(amount * rate, 1_000_000n + rate);
    if (l.taxAmount !== undefined && doc.lineAmountTypes !== 'NoTax') lineTax = scaled(l.taxAmount, 2);
    amounts += amount;
    tax += lineTax;
  }
  const total = doc.lineAmountTypes === 'Inclusive' ? amounts : amounts + tax;
  return { subTotal: total - tax, tax, total };
}

/** Tax rates by TaxType, from reference data, for xeroComputedCents. */
export const ratesOf =
  (ref: OrgReferenceData) =>
  (taxType: string): number => {
    const t = ref.taxRates.find((r) => r.taxType === taxType);
    if (!t) throw new Error(`no tax type ${taxType} in the reference data`);
    return t.rate;
  };
