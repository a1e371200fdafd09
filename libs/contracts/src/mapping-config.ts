// The mapping configuration: its shape, its validation (at boot and for every runtime change) and the
// changes monitor-api can request. Validation is hand-written so each error names its field by path.
import { assertNever } from './assert-never';
import { CodedError } from './errors';

export const LINE_AMOUNT_TYPES = ['Exclusive', 'Inclusive', 'NoTax'] as const;
export const CREATE_STATUSES = ['DRAFT', 'AUTHORISED'] as const;
export const REFERENCE_SOURCES = ['purchase_order_reference', 'order_reference', 'reference_number', 'none'] as const;
export const TRACKING_SOURCES = ['collection_name', 'season', 'price_list_code'] as const;
export const LINE_KINDS = ['goods', 'shipping', 'discount', 'rounding'] as const;

export type LineAmountType = (typeof LINE_AMOUNT_TYPES)[number];
export type LineKind = (typeof LINE_KINDS)[number];
export type TrackingSource = (typeof TRACKING_SOURCES)[number];

export interface TaxMapping {
  /** The LNB tax_rate, a percentage (20, 5.5, 0). */
  rate: number;
  taxType: string;
  /** Per destination country (as LNB writes it, e.g. "DE"), a TaxType replacing the default. */
  byCountry?: Record<string, string>;
}

export interface TrackingMapping {
  /** The Xero tracking category's name. */
  category: string;
  /** collection_name and season (its first word, "SS27 Main" -> "SS27") are per line; price_list_code per document. */
  source: TrackingSource;
  /** LNB value -> Xero option name, where they differ. */
  options?: Record<string, string>;
}

export type DueDateRule = { rule: 'days_after_invoice'; days: number } | { rule: 'day_of_following_month'; day: number };

export interface MappingConfig {
  taxTypes: TaxMapping[];
  accounts: { goods: string; shipping?: string; discount?: string; rounding?: string };
  tracking: TrackingMapping[];
  lineAmountTypes: LineAmountType;
  status: (typeof CREATE_STATUSES)[number];
  numbering: { invoicePrefix: string; creditNotePrefix: string };
  /** Used only when LNB gives no due_on. */
  dueDate: DueDateRule;
  brandingThemeId?: string;
  reference: (typeof REFERENCE_SOURCES)[number];
  /** 'sku' sends the SKU as Xero ItemCode, which Xero accepts only when that Item exists there. */
  itemCode: 'sku' | 'none';
  /** Largest gap, in cents, between LNB's and Xero's figures that the mapper absorbs (see README). */
  rounding: {
    toleranceCents: number;
    /** Adds half a cent per line: per-line tax rounding can honestly drift that far, never further. */
    allowHalfCentPerLine: boolean;
    /** The 0% tax type of the rounding line (the net cents a tax override cannot absorb). */
    taxType: string;
  };
  creditNoteWithoutInvoice: 'warning' | 'reject';
  zeroQuantityLines: 'reject' | 'skip';
  deposits: 'warn' | 'ignore';
}

export type MappingChange =
  | { type: 'SetTaxType'; rate: number; taxType: string; country?: string }
  | { type: 'RemoveTaxType'; rate: number; country?: string }
  | { type: 'SetAccount'; lineKind: LineKind; accountCode: string | null }
  | { type: 'SetTracking'; tracking: TrackingMapping[] }
  /** Any of the scalar settings (status, numbering, dueDate, reference, rounding...), each replaced whole. */
  | { type: 'SetOptions'; options: Record<string, unknown> }
  | { type: 'Replace'; config: unknown };

/** Every bad field of a configuration (MAP.INVALID_CONFIG) or of a change to it (MAP.INVALID_CHANGE), each by path. */
export class MappingConfigError extends CodedError<'MAP.INVALID_CONFIG' | 'MAP.INVALID_CHANGE'> {
  constructor(
    readonly errors: string[],
    what: 'mapping configuration' | 'mapping change' = 'mapping configuration',
  ) {
    super(what === 'mapping change' ? 'MAP.INVALID_CHANGE' : 'MAP.INVALID_CONFIG', `Invalid ${what}: ${errors.join('; ')}`);
  }
}

const DEFAULTS = {
  tracking: [] as TrackingMapping[],
  lineAmountTypes: 'Exclusive' as LineAmountType,
  status: 'DRAFT' as const,
  numbering: { invoicePrefix: '', creditNotePrefix: '' },
  dueDate: { rule: 'days_after_invoice', days: 30 } as DueDateRule,
  reference: 'purchase_order_reference' as const,
  itemCode: 'none' as const,
  rounding: { toleranceCents: 2, allowHalfCentPerLine: true, taxType: 'NONE' },
  creditNoteWithoutInvoice: 'warning' as const,
  zeroQuantityLines: 'reject' as const,
  deposits: 'warn' as const,
};

const TOP_LEVEL_KEYS = [
  'taxTypes',
  'accounts',
  'tracking',
  'lineAmountTypes',
  'status',
  'numbering',
  'dueDate',
  'brandingThemeId',
  'reference',
  'itemCode',
  'rounding',
  'creditNoteWithoutInvoice',
  'zeroQuantityLines',
  'deposits',
] as const;
const OPTION_KEYS: readonly string[] = TOP_LEVEL_KEYS.filter((k) => !['taxTypes', 'accounts', 'tracking'].includes(k));

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Collects every error with its path, so one boot failure lists all bad fields at once. */
class Checker {
  readonly errors: string[] = [];
  fail(path: string, msg: string): undefined {
    this.errors.push(`${path} ${msg}`);
    return undefined;
  }
  object(v: unknown, path: string, allowed: readonly string[]): Obj | undefined {
    if (!isObj(v)) return this.fail(path, 'must be an object');
    for (const k of Object.keys(v)) if (!allowed.includes(k)) this.fail(path ? `${path}.${k}` : k, 'is not a known setting');
    return v;
  }
  code(v: unknown, path: string, maxLength: number): string | undefined {
    if (typeof v !== 'string' || v.trim() === '') return this.fail(path, 'must be a non-empty string');
    if (v.length > maxLength) return this.fail(path, `must be at most ${maxLength} characters`);
    return v;
  }
  text(v: unknown, path: string, maxLength: number): string | undefined {
    if (typeof v !== 'string') return this.fail(path, 'must be a string');
    if (v.length > maxLength) return this.fail(path, `must be at most ${maxLength} characters`);
    return v;
  }
  oneOf<T extends string>(v: unknown, path: string, values: readonly T[]): T | undefined {
    if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) {
      return this.fail(path, `must be one of ${values.join(', ')}`);
    }
    return v as T;
  }
  integer(v: unknown, path: string, min: number, max: number): number | undefined {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      return this.fail(path, `must be a whole number from ${min} to ${max}`);
    }
    return v;
  }
  boolean(v: unknown, path: string): boolean | undefined {
    return typeof v === 'boolean' ? v : this.fail(path, 'must be true or false');
  }
  rate(v: unknown, path: string): number | undefined {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v >= 100) return this.fail(path, 'must be a percentage from 0 to 99.9999');
    if (Math.abs(v * 10_000 - Math.round(v * 10_000)) > 1e-6) return this.fail(path, 'must have at most 4 decimals');
    return v;
  }
  codeMap(v: unknown, path: string, maxLength: number): Record<string, string> | undefined {
    if (!isObj(v)) return this.fail(path, 'must be an object of name -> code');
    const out: Record<string, string> = {};
    for (const [k, code] of Object.entries(v)) {
      if (k.trim() === '') this.fail(path, 'must not have an empty key');
      const c = this.code(code, `${path}.${k}`, maxLength);
      if (c !== undefined) out[k] = c;
    }
    return out;
  }
}

function checkTaxTypes(c: Checker, v: unknown): TaxMapping[] {
  if (!Array.isArray(v) || v.length === 0) return c.fail('taxTypes', 'must be a non-empty list') ?? [];
  const seen = new Set<number>();
  return v.flatMap((entry, i): TaxMapping[] => {
    const path = `taxTypes[${i}]`;
    const o = c.object(entry, path, ['rate', 'taxType', 'byCountry']);
    if (!o) return [];
    const rate = c.rate(o.rate, `${path}.rate`);
    const taxType = c.code(o.taxType, `${path}.taxType`, 50);
    const byCountry = o.byCountry === undefined ? undefined : c.codeMap(o.byCountry, `${path}.byCountry`, 50);
    if (rate !== undefined) {
      const key = Math.round(rate * 10_000);
      if (seen.has(key)) c.fail(`${path}.rate`, `repeats the rate ${rate} (one entry per rate; use byCountry)`);
      seen.add(key);
    }
    if (rate === undefined || taxType === undefined) return [];
    return [byCountry ? { rate, taxType, byCountry } : { rate, taxType }];
  });
}

function checkAccounts(c: Checker, v: unknown): MappingConfig['accounts'] {
  const o = c.object(v, 'accounts', LINE_KINDS);
  const goods = o ? c.code(o.goods, 'accounts.goods', 10) : undefined;
  const accounts: MappingConfig['accounts'] = { goods: goods ?? '' };
  for (const kind of ['shipping', 'discount', 'rounding'] as const) {
    if (o && o[kind] !== undefined && o[kind] !== null) {
      const code = c.code(o[kind], `accounts.${kind}`, 10);
      if (code !== undefined) accounts[kind] = code;
    }
  }
  return accounts;
}

function checkTracking(c: Checker, v: unknown): TrackingMapping[] {
  if (!Array.isArray(v)) return c.fail('tracking', 'must be a list') ?? [];
  if (v.length > 2) c.fail('tracking', 'must have at most 2 entries (Xero allows two tracking categories a line)');
  const names = new Set<string>();
  return v.flatMap((entry, i): TrackingMapping[] => {
    const path = `tracking[${i}]`;
    const o = c.object(entry, path, ['category', 'source', 'options']);
    if (!o) return [];
    const category = c.code(o.category, `${path}.category`, 100);
    const source = c.oneOf(o.source, `${path}.source`, TRACKING_SOURCES);
    const options = o.options === undefined ? undefined : c.codeMap(o.options, `${path}.options`, 100);
    if (category !== undefined) {
      if (names.has(category.toLowerCase())) c.fail(`${path}.category`, `repeats the category "${category}"`);
      names.add(category.toLowerCase());
    }
    if (category === undefined || source === undefined) return [];
    return [options ? { category, source, options } : { category, source }];
  });
}

function checkDueDate(c: Checker, v: unknown): DueDateRule | undefined {
  const o = c.object(v, 'dueDate', ['rule', 'days', 'day']);
  if (!o) return undefined;
  const rule = c.oneOf(o.rule, 'dueDate.rule', ['days_after_invoice', 'day_of_following_month'] as const);
  if (rule === 'days_after_invoice') {
    if (o.day !== undefined) c.fail('dueDate.day', 'belongs to the rule day_of_following_month');
    const days = c.integer(o.days, 'dueDate.days', 0, 365);
    return days === undefined ? undefined : { rule, days };
  }
  if (rule === 'day_of_following_month') {
    if (o.days !== undefined) c.fail('dueDate.days', 'belongs to the rule days_after_invoice');
    const day = c.integer(o.day, 'dueDate.day', 1, 31);
    return day === undefined ? undefined : { rule, day };
  }
  return undefined;
}

/** Validates and completes (with defaults) a mapping configuration; throws MappingConfigError naming every bad field. */
export function parseMappingConfig(json: unknown): MappingConfig {
  const c = new Checker();
  const o = c.object(json, '', TOP_LEVEL_KEYS);
  if (!o) throw new MappingConfigError(['the configuration must be a JSON object']);
  const has = (k: string) => o[k] !== undefined;

  const numberingObj = has('numbering') ? c.object(o.numbering, 'numbering', ['invoicePrefix', 'creditNotePrefix']) : undefined;
  const prefix = (k: 'invoicePrefix' | 'creditNotePrefix') => (numberingObj?.[k] === undefined ? '' : (c.text(numberingObj[k], `numbering.${k}`, 50) ?? ''));
  const roundingObj = has('rounding') ? c.object(o.rounding, 'rounding', ['toleranceCents', 'allowHalfCentPerLine', 'taxType']) : undefined;

  const config: MappingConfig = {
    taxTypes: checkTaxTypes(c, o.taxTypes),
    accounts: checkAccounts(c, o.accounts),
    tracking: has('tracking') ? checkTracking(c, o.tracking) : DEFAULTS.tracking,
    lineAmountTypes: has('lineAmountTypes')
      ? (c.oneOf(o.lineAmountTypes, 'lineAmountTypes', LINE_AMOUNT_TYPES) ?? DEFAULTS.lineAmountTypes)
      : DEFAULTS.lineAmountTypes,
    status: has('status') ? (c.oneOf(o.status, 'status', CREATE_STATUSES) ?? DEFAULTS.status) : DEFAULTS.status,
    numbering: { invoicePrefix: prefix('invoicePrefix'), creditNotePrefix: prefix('creditNotePrefix') },
    dueDate: has('dueDate') ? (checkDueDate(c, o.dueDate) ?? DEFAULTS.dueDate) : DEFAULTS.dueDate,
    reference: has('reference') ? (c.oneOf(o.reference, 'reference', REFERENCE_SOURCES) ?? DEFAULTS.reference) : DEFAULTS.reference,
    itemCode: has('itemCode') ? (c.oneOf(o.itemCode, 'itemCode', ['sku', 'none'] as const) ?? DEFAULTS.itemCode) : DEFAULTS.itemCode,
    rounding: {
      toleranceCents:
        roundingObj?.toleranceCents === undefined
          ? DEFAULTS.rounding.toleranceCents
          : (c.integer(roundingObj.toleranceCents, 'rounding.toleranceCents', 0, 1000) ?? 0),
      allowHalfCentPerLine:
        roundingObj?.allowHalfCentPerLine === undefined
          ? DEFAULTS.rounding.allowHalfCentPerLine
          : (c.boolean(roundingObj.allowHalfCentPerLine, 'rounding.allowHalfCentPerLine') ?? false),
      taxType: roundingObj?.taxType === undefined ? DEFAULTS.rounding.taxType : (c.code(roundingObj.taxType, 'rounding.taxType', 50) ?? ''),
    },
    creditNoteWithoutInvoice: has('creditNoteWithoutInvoice')
      ? (c.oneOf(o.creditNoteWithoutInvoice, 'creditNoteWithoutInvoice', ['warning', 'reject'] as const) ?? DEFAULTS.creditNoteWithoutInvoice)
      : DEFAULTS.creditNoteWithoutInvoice,
    zeroQuantityLines: has('zeroQuantityLines')
      ? (c.oneOf(o.zeroQuantityLines, 'zeroQuantityLines', ['reject', 'skip'] as const) ?? DEFAULTS.zeroQuantityLines)
      : DEFAULTS.zeroQuantityLines,
    deposits: has('deposits') ? (c.oneOf(o.deposits, 'deposits', ['warn', 'ignore'] as const) ?? DEFAULTS.deposits) : DEFAULTS.deposits,
  };
  if (has('brandingThemeId') && o.brandingThemeId !== null) {
    if (typeof o.brandingThemeId !== 'string' || !UUID.test(o.brandingThemeId)) c.fail('brandingThemeId', 'must be a Xero BrandingThemeID (a UUID)');
    else config.brandingThemeId = o.brandingThemeId;
  }
  if (c.errors.length > 0) throw new MappingConfigError(c.errors);
  return config;
}

/** Validates a runtime change as it arrives in an event (before it is applied). */
export function parseMappingChange(json: unknown): MappingChange {
  const c = new Checker();
  const o = c.object(json, 'change', ['type', 'rate', 'taxType', 'country', 'lineKind', 'accountCode', 'tracking', 'options', 'config']);
  const type = o && c.oneOf(o.type, 'change.type', ['SetTaxType', 'RemoveTaxType', 'SetAccount', 'SetTracking', 'SetOptions', 'Replace'] as const);
  let change: MappingChange | undefined;
  if (o && type) {
    const country = o.country === undefined ? undefined : c.code(o.country, 'change.country', 100);
    const withCountry = country === undefined ? {} : { country };
    switch (type) {
      case 'SetTaxType': {
        const rate = c.rate(o.rate, 'change.rate');
        const taxType = c.code(o.taxType, 'change.taxType', 50);
        if (rate !== undefined && taxType !== undefined) change = { type, rate, taxType, ...withCountry };
        break;
      }
      case 'RemoveTaxType': {
        const rate = c.rate(o.rate, 'change.rate');
        if (rate !== undefined) change = { type, rate, ...withCountry };
        break;
      }
      case 'SetAccount': {
        const lineKind = c.oneOf(o.lineKind, 'change.lineKind', LINE_KINDS);
        const accountCode = o.accountCode === null ? null : c.code(o.accountCode, 'change.accountCode', 10);
        if (lineKind !== undefined && accountCode !== undefined) change = { type, lineKind, accountCode };
        break;
      }
      case 'SetTracking':
        change = { type, tracking: checkTracking(c, o.tracking) };
        break;
      case 'SetOptions': {
        const options = c.object(o.options, 'change.options', OPTION_KEYS);
        if (options) change = { type, options };
        break;
      }
      case 'Replace':
        change = { type, config: o.config };
        break;
      default:
        assertNever(type);
    }
  }
  if (c.errors.length > 0 || !change) throw new MappingConfigError(c.errors, 'mapping change');
  return change;
}

const sameRate = (a: number, b: number) => Math.round(a * 10_000) === Math.round(b * 10_000);

/**
 * A new configuration with the change applied; the input is left untouched. The result goes through
 * parseMappingConfig, so a change that would make the configuration invalid throws and changes nothing.
 */
export function applyMappingChange(config: MappingConfig, change: MappingChange): MappingConfig {
  const next: Record<string, unknown> = { ...config };
  switch (change.type) {
    case 'SetTaxType':
    case 'RemoveTaxType':
      next.taxTypes = changeTaxTypes(config.taxTypes, change);
      break;
    case 'SetAccount': {
      const accounts: Record<string, string | undefined> = { ...config.accounts };
      if (change.accountCode === null) delete accounts[change.lineKind];
      else accounts[change.lineKind] = change.accountCode;
      next.accounts = accounts;
      break;
    }
    case 'SetTracking':
      next.tracking = change.tracking;
      break;
    case 'SetOptions':
      for (const [k, v] of Object.entries(change.options)) {
        if (!OPTION_KEYS.includes(k)) throw new MappingConfigError([`${k} cannot be changed with SetOptions`], 'mapping change');
        next[k] = v;
      }
      break;
    case 'Replace':
      return parseMappingConfig(change.config);
    default:
      return assertNever(change);
  }
  return parseMappingConfig(next);
}

function changeTaxTypes(taxTypes: TaxMapping[], change: Extract<MappingChange, { type: 'SetTaxType' | 'RemoveTaxType' }>): TaxMapping[] {
  const index = taxTypes.findIndex((t) => sameRate(t.rate, change.rate));
  const current = index >= 0 ? taxTypes[index] : undefined;
  let updated: TaxMapping | undefined;
  if (change.type === 'SetTaxType') {
    if (change.country === undefined) updated = { ...current, rate: change.rate, taxType: change.taxType };
    else if (current) updated = { ...current, byCountry: { ...current.byCountry, [change.country]: change.taxType } };
    else throw new MappingConfigError([`rate ${change.rate} has no default TaxType yet: set one before a country's`], 'mapping change');
  } else if (!current) {
    throw new MappingConfigError([`rate ${change.rate} is not mapped`], 'mapping change');
  } else if (change.country !== undefined) {
    const byCountry = { ...current.byCountry };
    delete byCountry[change.country];
    updated = Object.keys(byCountry).length > 0 ? { ...current, byCountry } : { rate: current.rate, taxType: current.taxType };
  }
  const out = taxTypes.slice();
  if (updated === undefined) out.splice(index, 1);
  else if (index >= 0) out[index] = updated;
  else out.push(updated);
  return out;
}
