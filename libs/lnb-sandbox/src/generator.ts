// Deterministic LNB documents from (config, index): retailers, orders, invoices and credit notes are
// rebuilt on demand, so a sandbox of 100,000 invoices holds only the config. Amounts are computed in
// integer cents (unit prices in 1/10,000) and only turned into floats at the end, so a clean
// document's totals add up exactly at 2 decimals.
import {
  BRANDS,
  COLLECTION_WINDOWS,
  COLLECTIONS,
  COLOURS,
  COUNTRIES,
  FIRST_NAMES,
  INCOTERMS,
  KNOWN_TAX_RATES,
  LAST_NAMES,
  PAYMENT_TERMS,
  PRODUCTS,
  SALES_REPS,
  SHOP_NAMES,
  SHOP_PREFIXES,
  UNKNOWN_TAX_RATES,
  ean13Of,
  priceIn,
  skuOf,
  type Brand,
  type BrandKey,
  type Country,
  type Product,
} from './catalogue';
import { Rng } from './prng';

export interface GeneratorConfig {
  seed: number;
  invoices: number;
  creditNotes: number;
  retailers: number;
  /** Share (0..1) of generated invoices and credit notes that carry one defect. */
  defectRate: number;
  /** Who sells (catalogue.ts BRANDS): its home country, markets, currency. Default `fr`. */
  brand?: BrandKey;
}

const brandOf = (cfg: GeneratorConfig): Brand => BRANDS[cfg.brand ?? 'fr'];

export const DEFECT_KINDS = ['MISSING_EAN13', 'MISSING_RETAILER_REFERENCE', 'UNKNOWN_TAX_RATE', 'ZERO_QUANTITY_LINE', 'CREDITED_INVOICE_NOT_FOUND'] as const;
export type DefectKind = (typeof DEFECT_KINDS)[number];

const INVOICE_DEFECTS: readonly DefectKind[] = ['MISSING_EAN13', 'MISSING_RETAILER_REFERENCE', 'UNKNOWN_TAX_RATE', 'ZERO_QUANTITY_LINE'];
// A credit note credits a clean invoice; taking an EAN13 away from that invoice's order would make the
// invoice defective too, so credit notes get an unknown credited invoice instead.
const CREDIT_NOTE_DEFECTS: readonly DefectKind[] = ['CREDITED_INVOICE_NOT_FOUND', 'MISSING_RETAILER_REFERENCE', 'UNKNOWN_TAX_RATE', 'ZERO_QUANTITY_LINE'];

const enum Stream {
  Retailer = 1,
  Order = 2,
  Invoice = 3,
  CreditNote = 4,
  InvoiceDefect = 5,
  CreditNoteDefect = 6,
  TaxRate = 7,
}

export interface PlannedDefect {
  kind: DefectKind;
  /** A draw in [0, 1) that picks the line or the rate the defect lands on. */
  pick: number;
}

const pad = (n: number, width: number): string => String(n).padStart(width, '0');
export const retailerReference = (index: number): string => `RET-${pad(index + 1, 5)}`;
export const orderReference = (index: number): string => `ORD-${pad(index + 1, 6)}`;
export const invoiceReference = (index: number): string => `INV-${pad(index + 1, 6)}`;
export const creditNoteReference = (index: number): string => `CN-${pad(index + 1, 6)}`;

const MS_PER_DAY = 86_400_000;
const ANCHOR = Date.UTC(2026, 0, 5);
const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
const time = (ms: number): string => `${new Date(ms).toISOString().slice(0, 19)}Z`;
const money = (cents: number): number => cents / 100;
const unitPrice = (price4: number): number => price4 / 10_000;

function plannedDefect(cfg: GeneratorConfig, stream: Stream, index: number, kinds: readonly DefectKind[], count: number): PlannedDefect | null {
  if (index >= count || cfg.defectRate <= 0) return null;
  const rng = Rng.for(cfg.seed, stream, index);
  if (!rng.chance(cfg.defectRate)) return null;
  return { kind: rng.pick(kinds), pick: rng.next() };
}

/** The defect the generator puts on an invoice, known without building it. Created documents are clean. */
export const plannedInvoiceDefect = (cfg: GeneratorConfig, index: number): PlannedDefect | null =>
  plannedDefect(cfg, Stream.InvoiceDefect, index, INVOICE_DEFECTS, cfg.invoices);

export const plannedCreditNoteDefect = (cfg: GeneratorConfig, index: number): PlannedDefect | null =>
  plannedDefect(cfg, Stream.CreditNoteDefect, index, CREDIT_NOTE_DEFECTS, cfg.creditNotes);

// ---------------------------------------------------------------------------------------------- retailers

/** Each brand's retailer countries, repeated by weight, in COUNTRIES order: one draw picks a country. */
const WEIGHTED_COUNTRIES = new Map<Brand, readonly Country[]>(
  Object.values(BRANDS).map((brand: Brand) => [brand, COUNTRIES.flatMap((c) => Array<Country>(brand.markets[c.code as keyof Brand['markets']] ?? 0).fill(c))]),
);
const COUNTRY_BY_CODE = new Map(COUNTRIES.map((c) => [c.code, c]));

const ascii = (text: string): string =>
  text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '');

function buildAddress(rng: Rng, country: Country, city: string, reference: string, company: string, contact: string, email: string, vat: string | null) {
  return {
    reference,
    company,
    country: country.code,
    contact_name: contact as string | null,
    contact_email: email as string | null,
    tel: `${country.phonePrefix} ${rng.digits(2)} ${rng.digits(2)} ${rng.digits(2)} ${rng.digits(2)}` as string | null,
    address_1: `${rng.int(1, 180)} ${rng.pick(country.streets)}` as string | null,
    address_2: (rng.chance(0.2) ? `Unit ${rng.int(1, 12)}` : null) as string | null,
    zipcode: country.zipcode(rng) as string | null,
    city: city as string | null,
    vat_number: vat,
  };
}
export type GeneratedAddress = ReturnType<typeof buildAddress>;

interface RetailerProfile {
  doc: ReturnType<typeof buildRetailer>;
  country: Country;
  /** Intra-EU reverse charge or zero-rated export: the brand invoices this retailer at 0%. */
  zeroRated: boolean;
  /** What the brand bills this retailer in. */
  currency: Country['currency'];
}

function buildRetailer(rng: Rng, index: number, country: Country, brand: Brand, currency: Country['currency']) {
  const reference = retailerReference(index);
  const city = rng.pick(country.cities);
  const name = `${rng.pick(SHOP_PREFIXES)} ${rng.pick(SHOP_NAMES)} ${city}`;
  const first = rng.pick(FIRST_NAMES);
  const last = rng.pick(LAST_NAMES);
  const domain = `${ascii(name)}.${country.code === 'US' ? 'com' : country.code.toLowerCase()}`;
  const email = `${ascii(first)}.${ascii(last)}@${domain}`;
  const vat = country.vatNumber(rng);
  const terms = rng.pick(PAYMENT_TERMS);
  const incoterm = rng.pick(INCOTERMS);
  const store = buildAddress(rng, country, city, `${reference}-S`, name, `${first} ${last}`, email, vat);
  const billing = { ...store, reference: `${reference}-B`, contact_email: `accounts@${domain}` };
  const deliveries = [{ ...store, reference: `${reference}-D1` }];
  if (rng.chance(0.25))
    deliveries.push(buildAddress(rng, country, rng.pick(country.cities), `${reference}-D2`, `${name} (warehouse)`, `${first} ${last}`, email, vat));
  return {
    reference,
    name,
    price_list_code: `WHOLESALE-${currency}`,
    terms_of_payment: terms.label as string,
    terms_of_delivery: `${incoterm.ref} - ${incoterm.label}${incoterm.ref === 'EXW' ? `, ${brand.warehouse} warehouse` : ''}`,
    discount_rate: rng.pick([0, 0, 0, 5, 10]),
    sales_rep_email: `${rng.pick(SALES_REPS)}@${brand.domain}`,
    extra_1: `Tier ${rng.pick(['A', 'B', 'C'])}` as string | null,
    extra_2: null as string | null,
    extra_3: null as string | null,
    extra_4: null as string | null,
    extra_5: null as string | null,
    extra_6: null as string | null,
    extra_7: null as string | null,
    extra_8: null as string | null,
    extra_9: null as string | null,
    store_address: store,
    billing_address: billing,
    delivery_addresses: deliveries,
    buyers: [{ name: `${first} ${last}`, email }],
  };
}

function retailerProfile(cfg: GeneratorConfig, index: number): RetailerProfile {
  const brand = brandOf(cfg);
  const rng = Rng.for(cfg.seed, Stream.Retailer, index);
  const country = rng.pick(WEIGHTED_COUNTRIES.get(brand) ?? COUNTRIES);
  const abroad = country.code !== brand.home;
  // Drawn for every retailer abroad but in the US (as before brands existed, so the French brand's
  // documents did not change); a brand outside the EU zero-rates every export whatever the draw.
  const reverseCharged = abroad && country.code !== 'US' && rng.chance(0.5);
  const zeroRated = abroad && (country.code === 'US' || reverseCharged || COUNTRY_BY_CODE.get(brand.home)?.eu === false);
  const currency = brand.currency ?? country.currency;
  return { doc: buildRetailer(rng, index, country, brand, currency), country, zeroRated, currency };
}

export const generateRetailer = (cfg: GeneratorConfig, index: number) => retailerProfile(cfg, index).doc;
export type GeneratedRetailer = ReturnType<typeof generateRetailer>;

// ---------------------------------------------------------------------------------------------- orders

interface OrderLine {
  product: Product;
  colour: number;
  size: string;
  sku: string;
  ean13: string | null;
  price4: number;
  orderedQty: number;
  collection: string;
}

interface OrderCore {
  index: number;
  retailer: RetailerProfile;
  collection: (typeof COLLECTIONS)[number];
  lines: OrderLine[];
  /** The first `invoiced` lines are invoiced; the rest are still to ship. */
  invoiced: number;
  invoiceDayMs: number;
  orderTimeMs: number;
}

/** Invoice dates grow with the index, fast at first then slower, so small and huge sandboxes both look plausible. */
const invoiceDay = (index: number): number => ANCHOR + Math.floor(Math.sqrt(index) * 2) * MS_PER_DAY;

/**
 * When the generated order of `index` was last updated (ms), before any history cut-off: the morning
 * after its invoice day. Never decreases with the index, so the store can filter generated orders by
 * update_time with a binary search instead of building every order.
 */
export const generatedOrderUpdateMs = (index: number): number => invoiceDay(index) + 9 * 3_600_000;

function orderCore(cfg: GeneratorConfig, index: number): OrderCore {
  const rng = Rng.for(cfg.seed, Stream.Order, index);
  const retailer = retailerProfile(cfg, rng.int(0, Math.max(cfg.retailers, 1) - 1));
  const collection = rng.pick(COLLECTIONS);
  const lines: OrderLine[] = [];
  const styles = rng.int(1, 3);
  const first = rng.int(0, PRODUCTS.length - 1);
  for (let s = 0; s < styles; s++) {
    // Distinct products, so every SKU appears once in an order.
    const product = PRODUCTS[(first + s * 11) % PRODUCTS.length];
    const colour = rng.pick(product.colours);
    const runLength = Math.min(product.sizes.length, rng.int(1, 5));
    const start = rng.int(0, product.sizes.length - runLength);
    const cents = priceIn(retailer.currency, product.priceCents);
    // Some lines carry a prorated price with 4 decimals, as a price list conversion leaves them.
    const price4 = rng.chance(0.06) ? Math.round((cents * 100 * (300 - rng.int(1, 9))) / 300) : cents * 100;
    for (let z = start; z < start + runLength; z++) {
      lines.push({
        product,
        colour,
        size: product.sizes[z],
        sku: skuOf(product, colour, product.sizes[z]),
        ean13: ean13Of(product, colour, z, brandOf(cfg).gs1CompanyPrefix),
        price4,
        orderedQty: rng.int(1, 8),
        collection,
      });
    }
  }
  const invoiced = lines.length > 1 && rng.chance(0.15) ? lines.length - rng.int(1, Math.min(2, lines.length - 1)) : lines.length;
  const invoiceDayMs = invoiceDay(index);
  const orderTimeMs = invoiceDayMs - rng.int(20, 120) * MS_PER_DAY + rng.int(8 * 60, 19 * 60) * 60_000;
  const defect = plannedInvoiceDefect(cfg, index);
  if (defect?.kind === 'MISSING_EAN13') lines[Math.floor(defect.pick * invoiced)].ean13 = null;
  return { index, retailer, collection, lines, invoiced, invoiceDayMs, orderTimeMs };
}

export function generateOrder(cfg: GeneratorConfig, index: number) {
  const core = orderCore(cfg, index);
  const retailer = core.retailer.doc;
  const confirmationMs = core.orderTimeMs + (1 + (index % 4)) * MS_PER_DAY;
  return {
    reference: orderReference(index),
    status: core.invoiced === core.lines.length ? 'closed' : 'invoicing',
    order_time: time(core.orderTimeMs),
    confirmation_time: time(confirmationMs) as string | null,
    update_time: time(generatedOrderUpdateMs(index)),
    retailer_reference: retailer.reference as string | null,
    retailer_name: retailer.name,
    currency_code: core.retailer.currency as string,
    collection_name: core.collection as string,
    items: core.lines.map((line) => {
      const lineCents = Math.round((line.price4 * line.orderedQty) / 100);
      return {
        collection_name: line.collection as string | null,
        name: line.product.name,
        reference: `${line.product.reference}-${COLOURS[line.colour].code}`,
        color: COLOURS[line.colour].name,
        size: line.size,
        unit_price: unitPrice(line.price4),
        quantity: line.orderedQty,
        discount_rate: retailer.discount_rate,
        discount_amount: money(Math.round((lineCents * retailer.discount_rate) / 100)),
        recommended_retail_price: money(Math.round((line.price4 * 2.4) / 50_000) * 500),
        ean13: line.ean13 as string | null,
        sku: line.sku,
        sku_extra_1: null as string | null,
      };
    }),
  };
}
export type GeneratedOrder = ReturnType<typeof generateOrder>;

// ---------------------------------------------------------------------------------------------- invoices

type Status = 'proforma' | 'final' | 'cancelled';

/** The first draw of an invoice's stream, so a credit note can find a final invoice cheaply. */
function invoiceStatus(rng: Rng): Status {
  const r = rng.next();
  return r < 0.15 ? 'proforma' : r < 0.2 ? 'cancelled' : 'final';
}

interface BillableLine {
  line: OrderLine;
  quantity: number;
}

/** Integer-cent totals: items, invoice discount, shipping, then tax on the discounted base with shipping. */
export function centTotals(lines: { price4: number; quantity: number }[], discountRate: number, shippingCents: number, taxRate: number) {
  const lineCents = lines.map((l) => Math.round((l.price4 * l.quantity) / 100));
  const itemsCents = lineCents.reduce((a, b) => a + b, 0);
  const discountCents = Math.round((itemsCents * discountRate) / 100);
  const baseCents = itemsCents - discountCents + shippingCents;
  // Rates have at most one decimal (5.5, 17.5): in tenths the product is an integer and the rounding exact.
  const taxCents = Math.round((baseCents * Math.round(taxRate * 10)) / 1000);
  return { lineCents, itemsCents, discountCents, baseCents, taxCents, totalCents: baseCents + taxCents };
}

function documentBody(
  rng: Rng,
  core: OrderCore,
  billable: BillableLine[],
  opts: { reference: string; status: Status; dayMs: number; shippingCents: number; taxRate: number; withRetailer: boolean },
) {
  const retailer = core.retailer.doc;
  const terms = PAYMENT_TERMS.find((t) => t.label === retailer.terms_of_payment) ?? PAYMENT_TERMS[0];
  const incoterm = retailer.terms_of_delivery.slice(0, 3);
  const totals = centTotals(
    billable.map((b) => ({ price4: b.line.price4, quantity: b.quantity })),
    retailer.discount_rate,
    opts.shippingCents,
    opts.taxRate,
  );
  const createMs = opts.dayMs + rng.int(8 * 60, 18 * 60) * 60_000;
  const updateMs = createMs + (opts.status === 'proforma' ? 0 : rng.int(0, 72) * 3_600_000);
  const depositCents = Math.round((totals.totalCents * terms.depositRate) / 100);
  const paid = opts.status === 'final' && rng.chance(0.6);
  const [windowStart, windowEnd] = COLLECTION_WINDOWS[core.collection];
  const year = new Date(opts.dayMs).getUTCFullYear();
  // Every line carries the document's creation time: written once (formatting dates was the largest
  // part of serving a listing page).
  const created = time(createMs);
  return {
    reference_number: opts.reference,
    create_time: created,
    update_time: time(updateMs),
    invoice_on: day(opts.dayMs),
    due_on: day(opts.dayMs + terms.days * MS_PER_DAY) as string | null,
    paid_on: (paid ? day(opts.dayMs + rng.int(3, 45) * MS_PER_DAY) : null) as string | null,
    shipping_start_on: `${year}-${windowStart}` as string | null,
    shipping_end_on: `${year}-${windowEnd}` as string | null,
    status: opts.status as string,
    price_list_code: retailer.price_list_code as string | null,
    purchase_order_reference: (rng.chance(0.7) ? `PO-${rng.digits(5)}` : null) as string | null,
    order_reference: orderReference(core.index) as string | null,
    retailer_reference: (opts.withRetailer ? retailer.reference : null) as string | null,
    retailer_name: retailer.name as string | null,
    delivery_incoterm_ref: incoterm as string | null,
    currency_code: core.retailer.currency as string,
    deposit_rate: terms.depositRate,
    discount_rate: retailer.discount_rate,
    tax_rate: opts.taxRate,
    amount_order_tax_free: money(totals.itemsCents),
    amount_shipping_tax_free: money(opts.shippingCents),
    amount_discount_tax_free: money(totals.discountCents),
    amount_tax: money(totals.taxCents),
    amount_total_tax_inclusive: money(totals.totalCents),
    amount_deposit: money(depositCents),
    amount_paid: money(paid ? totals.totalCents : opts.status === 'cancelled' ? 0 : Math.min(depositCents, totals.totalCents)),
    terms_of_delivery: retailer.terms_of_delivery as string | null,
    terms_of_payment: retailer.terms_of_payment as string | null,
    billing_address: retailer.billing_address as GeneratedAddress | null,
    delivery_address: (retailer.delivery_addresses[0] ?? retailer.store_address) as GeneratedAddress | null,
    items: billable.map((b, i) => ({
      create_time: created,
      update_time: created,
      description: `${b.line.product.name} - ${COLOURS[b.line.colour].name} - ${b.line.size} (${b.line.collection})`,
      product_name: b.line.product.name,
      variant_reference: `${b.line.product.reference}-${COLOURS[b.line.colour].code}` as string | null,
      variant_color: COLOURS[b.line.colour].name as string | null,
      variant_composition: b.line.product.composition as string | null,
      variant_fabric_print: b.line.product.fabricPrint as string | null,
      variant_made_in: b.line.product.madeIn as string | null,
      size: b.line.size as string | null,
      sku: b.line.sku as string | null,
      unit_price: unitPrice(b.line.price4),
      quantity: b.quantity,
      amount_tax_excl: money(totals.lineCents[i]),
    })),
  };
}

/** The rate of the invoice of order `orderIndex`; a credit note on that invoice gets the same one. */
function taxRateFor(cfg: GeneratorConfig, orderIndex: number, profile: RetailerProfile, defect: PlannedDefect | null): number {
  if (defect?.kind === 'UNKNOWN_TAX_RATE') return UNKNOWN_TAX_RATES[Math.floor(defect.pick * UNKNOWN_TAX_RATES.length)];
  if (profile.zeroRated) return 0;
  // A share of French invoices at the reduced rate keeps a non-integer rate in every run.
  if (profile.country.code === 'FR' && brandOf(cfg).home === 'FR' && Rng.for(cfg.seed, Stream.TaxRate, orderIndex).chance(0.05)) return 5.5;
  return profile.country.vatRate;
}

function zeroOneLine(billable: BillableLine[], defect: PlannedDefect | null): BillableLine[] {
  if (defect?.kind !== 'ZERO_QUANTITY_LINE') return billable;
  const at = Math.floor(defect.pick * billable.length);
  return billable.map((b, i) => (i === at ? { ...b, quantity: 0 } : b));
}

export function generateInvoice(cfg: GeneratorConfig, index: number) {
  const rng = Rng.for(cfg.seed, Stream.Invoice, index);
  const status = invoiceStatus(rng);
  const core = orderCore(cfg, index);
  const defect = plannedInvoiceDefect(cfg, index);
  const billable = zeroOneLine(
    core.lines.slice(0, core.invoiced).map((line) => ({ line, quantity: line.orderedQty })),
    defect,
  );
  const itemsCount = billable.reduce((n, b) => n + b.quantity, 0);
  const shippingCents = itemsCount >= 20 ? 0 : core.retailer.country.code === brandOf(cfg).home ? 1500 : rng.int(25, 45) * 100;
  return documentBody(rng, core, billable, {
    reference: invoiceReference(index),
    status,
    dayMs: core.invoiceDayMs,
    shippingCents,
    taxRate: taxRateFor(cfg, index, core.retailer, defect),
    withRetailer: defect?.kind !== 'MISSING_RETAILER_REFERENCE',
  });
}
export type GeneratedInvoice = ReturnType<typeof generateInvoice>;

// ---------------------------------------------------------------------------------------------- credit notes

/** A final, clean generated invoice at or after `start`, or null when none is close by. */
function creditableInvoice(cfg: GeneratorConfig, start: number): number | null {
  for (let k = 0; k < 64 && k < cfg.invoices; k++) {
    const index = (start + k) % cfg.invoices;
    if (plannedInvoiceDefect(cfg, index) === null && invoiceStatus(Rng.for(cfg.seed, Stream.Invoice, index)) === 'final') return index;
  }
  return null;
}

/** Generated credit notes need generated invoices: a sandbox without invoices has no credit notes. */
export function generatedCreditNotes(cfg: GeneratorConfig): number {
  return cfg.invoices > 0 ? cfg.creditNotes : 0;
}

export function generateCreditNote(cfg: GeneratorConfig, index: number) {
  const rng = Rng.for(cfg.seed, Stream.CreditNote, index);
  const defect = plannedCreditNoteDefect(cfg, index);
  const start = rng.int(0, Math.max(cfg.invoices, 1) - 1);
  const invoiceIndex = creditableInvoice(cfg, start);
  // With no creditable invoice close by (only at extreme defect rates), the note stands alone on the
  // order at `start` and returns only lines that have an EAN13, so it stays clean.
  const core = orderCore(cfg, invoiceIndex ?? start);
  const withEan = core.lines.slice(0, core.invoiced).filter((line) => line.ean13 !== null);
  const returned = withEan.filter((_, i) => i === 0 || rng.chance(0.3));
  const billable = zeroOneLine(
    returned.map((line) => ({ line, quantity: rng.int(1, line.orderedQty) })),
    defect,
  );
  const dayMs = core.invoiceDayMs + rng.int(10, 60) * MS_PER_DAY;
  const body = documentBody(rng, core, billable, {
    reference: creditNoteReference(index),
    status: rng.chance(0.04) ? 'cancelled' : 'final',
    dayMs,
    shippingCents: 0,
    taxRate: taxRateFor(cfg, core.index, core.retailer, defect),
    withRetailer: defect?.kind !== 'MISSING_RETAILER_REFERENCE',
  });
  let credited: string | null = invoiceIndex === null ? null : invoiceReference(invoiceIndex);
  if (defect?.kind === 'CREDITED_INVOICE_NOT_FOUND') credited = `INV-9${pad(index + 1, 6)}`;
  else if (credited !== null && rng.chance(0.03)) credited = null;
  return { ...body, invoice_reference_number: credited };
}
export type GeneratedCreditNote = ReturnType<typeof generateCreditNote>;

export const isKnownTaxRate = (rate: number): boolean => KNOWN_TAX_RATES.includes(rate);
