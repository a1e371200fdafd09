// LNB invoice or credit note -> Xero document + contact, or every reason it cannot be sent.
import {
  assertNever,
  type DocumentType,
  type LnbDocument,
  type LnbDocumentItem,
  type LnbRetailer,
  type Problem,
  type XeroContact,
  type XeroDocument,
  type XeroLineItem,
  type XeroTracking,
} from '@lnbx/contracts';
import { mapContact } from './contact';
import type { LineKind, MappingConfig, TrackingMapping } from './mapping-config';
import { formatCents, formatRate, fromCents, fromScaled, mulDivRound, toCents, toScaled } from './money';
import { CODES, error, warning } from './problems';
import { checkAgainstOrganisation, type OrgReferenceData, type Usage } from './reference-checks';
import { type LineFigures, reconcile } from './xero-arithmetic';

export interface MapInput {
  documentKey: string;
  documentType: DocumentType;
  document: LnbDocument;
  retailer: LnbRetailer;
  /**
   * Credit notes: whether the invoice named by invoice_reference_number exists in LNB, when whoever
   * calls knows (false -> LNB.CREDIT_NOTE_WITHOUT_INVOICE); undefined trusts the reference.
   */
  creditedInvoiceExists?: boolean;
}

export type MapResult =
  { ok: true; xero: XeroDocument; contact: XeroContact; allocateToInvoiceNumber?: string; warnings: Problem[] } | { ok: false; problems: Problem[] };

interface DraftLine extends LineFigures {
  kind: LineKind;
  description: string;
  taxType: string;
  itemCode?: string;
  tracking?: XeroTracking[];
}

const RATE_ONE = 1_000_000;
const NUMBER_MAX = 255;
const ITEM_CODE_MAX = 30;
const LINE_WORDS: Record<LineKind, string> = {
  goods: 'goods lines',
  shipping: 'the shipping line',
  discount: 'the discount line',
  rounding: 'the rounding line',
};

const clean = (s: string | null | undefined): string | undefined => {
  const t = s?.trim();
  return t ? t : undefined;
};

/** Pure: the same input, configuration and reference data always give the same result. */
export function mapDocument(input: MapInput, config: MappingConfig, reference?: OrgReferenceData): MapResult {
  const doc = input.document;
  const isCredit = input.documentType === 'credit_note';
  const what = isCredit ? `Credit note ${doc.reference_number}` : `Invoice ${doc.reference_number}`;
  const problems: Problem[] = [];

  const currency = clean(doc.currency_code)?.toUpperCase();
  if (currency === undefined) {
    problems.push(error(CODES.CURRENCY_MISSING, `${what} has no currency in Le New Black.`, 'currency_code'));
  }
  const date = isoDate(doc.invoice_on) ?? isoDate(doc.create_time);
  if (date === undefined) {
    problems.push(error(CODES.MISSING_DATE, `${what} has no invoice date in Le New Black.`, 'invoice_on'));
  }

  const tax = resolveTax(doc, config, what, problems);
  const lines = goodsLines(doc, config, tax, problems);
  if (doc.items.length === 0) {
    problems.push(error(CODES.EMPTY_DOCUMENT, `${what} has no lines.`, 'items'));
  }
  const currencyText = currency ?? '';
  addChargeLines(doc, config, tax, lines, currencyText, problems);

  const contact = mapContact(doc, input.retailer, problems);
  const allocateTo = isCredit ? creditedInvoice(input, config, what, problems) : undefined;
  depositWarning(doc, config, what, currencyText, problems);

  const number = `${isCredit ? config.numbering.creditNotePrefix : config.numbering.invoicePrefix}${doc.reference_number}`;
  if (number.length > NUMBER_MAX) {
    problems.push(
      error(CODES.NUMBER_TOO_LONG, `${what}: the Xero number would be ${number.length} characters long; Xero allows ${NUMBER_MAX}.`, 'reference_number'),
    );
  }

  const totalCents = balance(doc, config, tax, lines, what, currencyText, problems);

  if (reference) checkAgainstOrganisation(reference, usage(config, tax, lines, currency), problems);

  const errors = problems.filter((p) => p.severity === 'error');
  if (errors.length > 0 || contact === undefined || date === undefined || currency === undefined || totalCents === undefined) {
    // Warnings travel with the errors: the finance person fixes everything in one pass.
    return { ok: false, problems: [...errors, ...problems.filter((p) => p.severity === 'warning')] };
  }

  const xero: XeroDocument = {
    type: isCredit ? 'ACCRECCREDIT' : 'ACCREC',
    number,
    date,
    currencyCode: currency,
    status: config.status,
    lineAmountTypes: config.lineAmountTypes,
    lineItems: lines.map((l) => toXeroLine(l, config.accounts[l.kind] ?? '')),
    expectedTotal: fromCents(totalCents),
    unitdp: lines.some((l) => l.unit4 % 100 !== 0) ? 4 : 2,
  };
  const ref = referenceOf(doc, config);
  if (ref !== undefined) xero.reference = ref;
  if (!isCredit) xero.dueDate = isoDate(doc.due_on) ?? dueDate(date, config);
  if (config.brandingThemeId) xero.brandingThemeID = config.brandingThemeId;

  const result: MapResult = { ok: true, xero, contact, warnings: problems };
  if (allocateTo !== undefined) result.allocateToInvoiceNumber = allocateTo;
  return result;
}

interface ResolvedTax {
  /** Undefined when LNB's rate is not mapped (already reported). */
  taxType: string | undefined;
  /** LNB's rate in 1/10000 of a percent; undefined when LNB gives none. */
  rate4: number | undefined;
}

function resolveTax(doc: LnbDocument, config: MappingConfig, what: string, problems: Problem[]): ResolvedTax {
  if (doc.tax_rate === null || doc.tax_rate === undefined) {
    problems.push(error(CODES.UNKNOWN_TAX_RATE, `${what} has no tax rate in Le New Black.`, 'tax_rate'));
    return { taxType: undefined, rate4: undefined };
  }
  const rate4 = toScaled(doc.tax_rate, 4);
  const mapping = config.taxTypes.find((t) => toScaled(t.rate, 4) === rate4);
  if (!mapping) {
    problems.push(error(CODES.UNKNOWN_TAX_RATE, `${what} charges tax at ${formatRate(rate4)}%, a rate with no Xero tax type in the mapping.`, 'tax_rate'));
    return { taxType: undefined, rate4 };
  }
  // Zero-rating across borders depends on where the goods go: the delivery country decides, else billing.
  const country = clean(doc.delivery_address?.country) ?? clean(doc.billing_address?.country);
  let taxType = mapping.taxType;
  if (country !== undefined && mapping.byCountry) {
    const wanted = country.toUpperCase();
    for (const [k, v] of Object.entries(mapping.byCountry)) if (k.toUpperCase() === wanted) taxType = v;
  }
  return { taxType, rate4 };
}

function describe(item: LnbDocumentItem, sku: string | undefined): string {
  const name = clean(item.product_name) ?? clean(item.description) ?? 'Item';
  const parts = [name];
  const colour = clean(item.variant_color);
  const size = clean(item.size);
  if (colour) parts.push(colour);
  if (size) parts.push(`size ${size}`);
  return sku ? `${parts.join(', ')} (SKU ${sku})` : parts.join(', ');
}

function trackingValue(source: TrackingMapping['source'], doc: LnbDocument, item: LnbDocumentItem | undefined): string | undefined {
  switch (source) {
    case 'collection_name':
      return clean(item?.collection_name);
    case 'season':
      return clean(item?.collection_name)?.split(/\s+/)[0];
    case 'price_list_code':
      return clean(doc.price_list_code);
    default:
      return assertNever(source);
  }
}

function trackingOf(config: MappingConfig, doc: LnbDocument, item: LnbDocumentItem | undefined): XeroTracking[] | undefined {
  if (config.tracking.length === 0) return undefined;
  const out: XeroTracking[] = [];
  for (const t of config.tracking) {
    const value = trackingValue(t.source, doc, item);
    if (value !== undefined) out.push({ name: t.category, option: t.options?.[value] ?? value });
  }
  return out.length > 0 ? out : undefined;
}

/** Unit amounts as Xero will hold them: 4 decimals at most, and tax-inclusive when the config says so. */
function unitFor(unit4: number, rate4: number, config: MappingConfig): number {
  return config.lineAmountTypes === 'Inclusive' ? mulDivRound(unit4, RATE_ONE + rate4, RATE_ONE) : unit4;
}

function goodsLines(doc: LnbDocument, config: MappingConfig, tax: ResolvedTax, problems: Problem[]): DraftLine[] {
  const rate4 = tax.rate4 ?? 0;
  const lines: DraftLine[] = [];
  doc.items.forEach((item, i) => {
    const n = i + 1;
    const sku = clean(item.sku);
    const label = sku ? `SKU ${sku} (line ${n})` : `line ${n}`;
    if (sku === undefined) {
      problems.push(error(CODES.MISSING_SKU, `Line ${n} (${describe(item, undefined)}) has no SKU in Le New Black.`, `items[${i}].sku`));
    } else if (config.itemCode === 'sku' && sku.length > ITEM_CODE_MAX) {
      problems.push(
        error(
          CODES.SKU_TOO_LONG_FOR_ITEM_CODE,
          `SKU ${sku} (line ${n}) is longer than the ${ITEM_CODE_MAX} characters a Xero item code allows.`,
          `items[${i}].sku`,
        ),
      );
    }
    if (clean(item.ean13) === undefined) {
      problems.push(
        error(
          CODES.MISSING_EAN13,
          sku ? `Missing EAN13 for SKU ${sku} (line ${n})` : `Missing EAN13 for line ${n}, which has no SKU either`,
          `items[${i}].ean13`,
        ),
      );
    }
    if (item.quantity === 0) {
      const amount = toCents(item.amount_tax_excl);
      if (config.zeroQuantityLines === 'skip' && amount === 0) {
        problems.push(warning(CODES.ZERO_QUANTITY_LINE, `${cap(label)} has a quantity of 0 and was left out.`, `items[${i}].quantity`));
        return;
      }
      problems.push(
        error(
          CODES.ZERO_QUANTITY_LINE,
          amount === 0 ? `${cap(label)} has a quantity of 0.` : `${cap(label)} has a quantity of 0 but an amount of ${formatCents(amount)}.`,
          `items[${i}].quantity`,
        ),
      );
    }
    const line: DraftLine = {
      kind: 'goods',
      description: describe(item, sku),
      quantity4: toScaled(item.quantity, 4),
      unit4: unitFor(toScaled(item.unit_price, 4), rate4, config),
      rate4,
      taxType: tax.taxType ?? '',
    };
    if (config.itemCode === 'sku' && sku !== undefined) line.itemCode = sku;
    const tracking = trackingOf(config, doc, item);
    if (tracking) line.tracking = tracking;
    lines.push(line);
  });
  return lines;
}

const cap = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

/** A one-off line (shipping, discount, rounding) of a cent amount, net of tax. */
function chargeLine(kind: LineKind, description: string, cents: number, rate4: number, taxType: string, config: MappingConfig, doc: LnbDocument): DraftLine {
  const line: DraftLine = {
    kind,
    description,
    quantity4: 10_000,
    unit4: unitFor(cents * 100, rate4, config),
    rate4,
    taxType,
  };
  // Per-line sources (collection, season) make no sense on a document-wide line.
  const tracking = trackingOf(config, doc, undefined);
  if (tracking) line.tracking = tracking;
  return line;
}

function addChargeLines(doc: LnbDocument, config: MappingConfig, tax: ResolvedTax, lines: DraftLine[], currency: string, problems: Problem[]): void {
  const rate4 = tax.rate4 ?? 0;
  const taxType = tax.taxType ?? '';
  const discount = discountCents(doc);
  if (discount !== 0) {
    const rate = doc.discount_rate ? ` of ${doc.discount_rate}%` : '';
    lines.push(chargeLine('discount', `Discount${rate}`, -discount, rate4, taxType, config, doc));
    if (!config.accounts.discount) problems.push(noAccount('discount', `a discount of ${formatCents(discount)} ${currency}`, 'amount_discount_tax_free'));
  }
  const shipping = toCents(doc.amount_shipping_tax_free ?? 0);
  if (shipping !== 0) {
    lines.push(chargeLine('shipping', 'Shipping', shipping, rate4, taxType, config, doc));
    if (!config.accounts.shipping) problems.push(noAccount('shipping', `shipping of ${formatCents(shipping)} ${currency}`, 'amount_shipping_tax_free'));
  }
}

const noAccount = (kind: LineKind, amount: string, field: string): Problem =>
  error(CODES.NO_ACCOUNT_FOR_LINE, `The document has ${amount}, but the mapping names no Xero account for ${LINE_WORDS[kind]} (accounts.${kind}).`, field);

/** LNB's discount as a positive amount; computed from discount_rate only when LNB gives no amount. */
function discountCents(doc: LnbDocument): number {
  if (doc.amount_discount_tax_free !== null && doc.amount_discount_tax_free !== undefined) {
    return Math.abs(toCents(doc.amount_discount_tax_free));
  }
  if (!doc.discount_rate) return 0;
  const order =
    doc.amount_order_tax_free !== null && doc.amount_order_tax_free !== undefined
      ? toCents(doc.amount_order_tax_free)
      : doc.items.reduce((sum, item) => sum + toCents(item.amount_tax_excl), 0);
  return mulDivRound(order, toScaled(doc.discount_rate, 4), RATE_ONE);
}

function creditedInvoice(input: MapInput, config: MappingConfig, what: string, problems: Problem[]): string | undefined {
  const invoice = clean(input.document.invoice_reference_number);
  const report = config.creditNoteWithoutInvoice === 'reject' ? error : warning;
  if (invoice === undefined) {
    problems.push(
      report(
        CODES.CREDIT_NOTE_WITHOUT_INVOICE,
        `${what} does not say which invoice it credits, so it cannot be allocated to one in Xero.`,
        'invoice_reference_number',
      ),
    );
    return undefined;
  }
  if (input.creditedInvoiceExists === false) {
    problems.push(
      report(
        CODES.CREDIT_NOTE_WITHOUT_INVOICE,
        `${what} credits invoice ${invoice}, which does not exist in Le New Black, so it cannot be allocated in Xero.`,
        'invoice_reference_number',
      ),
    );
    return undefined;
  }
  return `${config.numbering.invoicePrefix}${invoice}`;
}

function depositWarning(doc: LnbDocument, config: MappingConfig, what: string, currency: string, problems: Problem[]): void {
  const deposit = toCents(doc.amount_deposit ?? 0);
  if (config.deposits === 'warn' && deposit !== 0) {
    problems.push(
      warning(
        CODES.DEPOSIT_NOT_EXPORTED,
        `${what} records a deposit of ${formatCents(deposit)} ${currency} in Le New Black. Xero gets the full amount; ` +
          'record the deposit in Xero as a payment against this invoice.',
        'amount_deposit',
      ),
    );
  }
}

/**
 * Makes Xero's total equal LNB's to the cent (a tax override, then a rounding line: see README),
 * or reports both figures. Returns LNB's total in cents, undefined when it cannot be matched.
 */
function balance(
  doc: LnbDocument,
  config: MappingConfig,
  tax: ResolvedTax,
  lines: DraftLine[],
  what: string,
  currency: string,
  problems: Problem[],
): number | undefined {
  if (doc.amount_total_tax_inclusive === null || doc.amount_total_tax_inclusive === undefined) {
    problems.push(
      error(CODES.TOTAL_MISSING, `${what} has no total in Le New Black, so Xero's total cannot be checked against it.`, 'amount_total_tax_inclusive'),
    );
    return undefined;
  }
  const totalCents = toCents(doc.amount_total_tax_inclusive);
  if (tax.rate4 === undefined || lines.length === 0) return totalCents;
  const target = {
    totalCents,
    taxCents: doc.amount_tax === null || doc.amount_tax === undefined ? null : toCents(doc.amount_tax),
  };
  const tolerance = config.rounding.toleranceCents + (config.rounding.allowHalfCentPerLine ? Math.ceil(lines.length / 2) : 0);
  const r = reconcile(lines, config.lineAmountTypes, target, tolerance);
  if (!r.ok) {
    const parts = [`Le New Black's total is ${formatCents(totalCents)} ${currency} but Xero would compute ${formatCents(r.computed.total)} ${currency}`];
    if (target.taxCents !== null && r.taxGap !== 0) {
      parts.push(`tax ${formatCents(target.taxCents)} in Le New Black against ${formatCents(r.computed.totalTax)} in Xero`);
    }
    problems.push(
      error(
        CODES.TOTALS_MISMATCH,
        `${what}: ${parts.join('; ')}. The difference is more than the ${formatCents(tolerance)} the mapping allows for rounding.`,
        'amount_total_tax_inclusive',
      ),
    );
    return totalCents;
  }
  if (r.override) lines[r.override.index].taxOverrideCents = r.override.taxCents;
  if (r.roundingCents !== 0) {
    lines.push({
      kind: 'rounding',
      description: 'Rounding difference with the Le New Black total',
      quantity4: 10_000,
      unit4: r.roundingCents * 100,
      rate4: 0,
      taxType: config.rounding.taxType,
    });
    if (!config.accounts.rounding) {
      problems.push(noAccount('rounding', `a rounding difference of ${formatCents(r.roundingCents)} ${currency}`, 'amount_total_tax_inclusive'));
    }
  }
  return totalCents;
}

function usage(config: MappingConfig, tax: ResolvedTax, lines: readonly DraftLine[], currency: string | undefined): Usage {
  const use: Usage = { currency, taxTypes: new Map(), accounts: new Map(), tracking: new Map() };
  const rate = tax.rate4 === undefined ? '' : `${formatRate(tax.rate4)}% `;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    // Keyed by rate too: a rounding line must find its tax type at 0%, whatever else uses it.
    const key = `${l.taxType}@${l.rate4}`;
    if (l.taxType !== '' && !use.taxTypes.has(key)) {
      const usedFor = l.kind === 'rounding' ? 'the rounding line' : `Le New Black's ${rate}tax rate`;
      use.taxTypes.set(key, { taxType: l.taxType, rate4: l.rate4, usedFor });
    }
    const account = config.accounts[l.kind];
    if (account) {
      const users = use.accounts.get(account) ?? [];
      if (!users.includes(LINE_WORDS[l.kind])) users.push(LINE_WORDS[l.kind]);
      use.accounts.set(account, users);
    }
    for (const t of l.tracking ?? []) {
      const options = use.tracking.get(t.name) ?? new Map<string, { where: string; field: string }>();
      if (!options.has(t.option)) {
        options.set(
          t.option,
          l.kind === 'goods' ? { where: `line ${i + 1}, ${l.description}`, field: `items[${i}]` } : { where: LINE_WORDS[l.kind], field: 'price_list_code' },
        );
      }
      use.tracking.set(t.name, options);
    }
  }
  return use;
}

function toXeroLine(l: DraftLine, accountCode: string): XeroLineItem {
  const out: XeroLineItem = {
    description: l.description,
    quantity: fromScaled(l.quantity4, 4),
    unitAmount: fromScaled(l.unit4, 4),
    accountCode,
    taxType: l.taxType,
  };
  if (l.itemCode !== undefined) out.itemCode = l.itemCode;
  if (l.taxOverrideCents !== undefined) out.taxAmount = fromCents(l.taxOverrideCents);
  if (l.tracking) out.tracking = l.tracking;
  return out;
}

function referenceOf(doc: LnbDocument, config: MappingConfig): string | undefined {
  switch (config.reference) {
    case 'purchase_order_reference':
      return clean(doc.purchase_order_reference);
    case 'order_reference':
      return clean(doc.order_reference);
    case 'reference_number':
      return clean(doc.reference_number);
    case 'none':
      return undefined;
    default:
      return assertNever(config.reference);
  }
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})/;

/** The YYYY-MM-DD of an LNB date or date-time, when it is a real date. */
function isoDate(s: string | null | undefined): string | undefined {
  const m = s ? DATE.exec(s) : null;
  if (!m) return undefined;
  const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
  return d.getUTCDate() === +m[3] && d.getUTCMonth() === +m[2] - 1 ? m[0] : undefined;
}

function dueDate(date: string, config: MappingConfig): string {
  const [y, m, d] = date.split('-').map(Number);
  const rule = config.dueDate;
  if (rule.rule === 'days_after_invoice') return new Date(Date.UTC(y, m - 1, d + rule.days)).toISOString().slice(0, 10);
  const lastDay = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  return new Date(Date.UTC(y, m, Math.min(rule.day, lastDay))).toISOString().slice(0, 10);
}
