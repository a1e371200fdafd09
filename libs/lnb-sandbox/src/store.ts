// The sandbox's documents: generated ones are rebuilt from their index on every read; only documents
// an admin created or changed are held in memory.
import {
  type DefectKind,
  type GeneratedCreditNote,
  type GeneratedInvoice,
  type GeneratedOrder,
  type GeneratedRetailer,
  type GeneratorConfig,
  creditNoteReference,
  generateCreditNote,
  generateInvoice,
  generateOrder,
  generateRetailer,
  generatedCreditNotes,
  generatedOrderUpdateMs,
  invoiceReference,
  orderReference,
  plannedCreditNoteDefect,
  plannedInvoiceDefect,
  retailerReference,
} from './generator';
import { type Defect, type InspectionLookups, inspectDocument } from './inspect';

/** An admin request the sandbox refuses, with the HTTP status it answers. */
export class SandboxRequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

interface DocumentSetOptions<T> {
  key: keyof T & string;
  referenceOf(index: number): string;
  generate(index: number): T;
  generatedSize(): number;
}

/** A document set seen without its document type, for the HTTP routes that serve any of them. */
export interface AnyDocumentSet {
  size(): number;
  get(reference: string): object | undefined;
  page(page: number, pageSize: number): object[];
  create(fields: Record<string, unknown>, now: string): object;
  change(reference: string, changes: Record<string, unknown>, now: string): object;
}

export class DocumentSet<T extends object> {
  private appended = 0;
  private changes = 0;
  private readonly overrides = new Map<number, T>();
  private readonly customReferences = new Map<string, number>();

  constructor(private readonly opts: DocumentSetOptions<T>) {}

  size(): number {
    return this.opts.generatedSize() + this.appended;
  }

  /** Moves on every change or creation: what a cached listing page was built from. */
  get version(): number {
    return this.changes;
  }

  at(index: number): T {
    return this.overrides.get(index) ?? this.opts.generate(index);
  }

  touched(index: number): boolean {
    return this.overrides.has(index);
  }

  /** The indexes of the documents an admin created or changed. */
  touchedIndexes(): number[] {
    return [...this.overrides.keys()];
  }

  indexOf(reference: string): number | undefined {
    const custom = this.customReferences.get(reference);
    if (custom !== undefined) return custom;
    const match = /-(\d+)$/.exec(reference);
    if (!match) return undefined;
    const index = Number(match[1]) - 1;
    if (index < 0 || index >= this.size() || this.opts.referenceOf(index) !== reference) return undefined;
    // A created document with its own reference keeps the generated one from answering at its index.
    const override = this.overrides.get(index) as Record<string, unknown> | undefined;
    return override === undefined || override[this.opts.key] === reference ? index : undefined;
  }

  get(reference: string): T | undefined {
    const index = this.indexOf(reference);
    return index === undefined ? undefined : this.at(index);
  }

  page(page: number, pageSize: number): T[] {
    const out: T[] = [];
    const end = Math.min(page * pageSize, this.size());
    for (let i = (page - 1) * pageSize; i < end; i++) out.push(this.at(i));
    return out;
  }

  change(reference: string, changes: Partial<T>, now: string): T {
    const index = this.indexOf(reference);
    if (index === undefined) throw new SandboxRequestError(404, `no document ${reference}`);
    const key = this.opts.key;
    if (key in changes && changes[key] !== reference) throw new SandboxRequestError(422, `${key} cannot change`);
    const stamp = 'update_time' in this.at(index) ? { update_time: now } : {};
    const doc = { ...this.at(index), ...stamp, ...changes };
    this.overrides.set(index, doc);
    this.changes++;
    return doc;
  }

  create(fields: Partial<T>, now: string): T {
    const index = this.size();
    const key = this.opts.key;
    const reference = fields[key];
    if (typeof reference === 'string' && this.indexOf(reference) !== undefined) {
      throw new SandboxRequestError(409, `${reference} already exists`);
    }
    const base = this.opts.generate(index);
    const stamps = 'create_time' in base ? { create_time: now, update_time: now } : {};
    const doc = { ...base, ...stamps, ...fields };
    this.appended++;
    this.changes++;
    this.overrides.set(index, doc);
    if (typeof reference === 'string') this.customReferences.set(reference, index);
    return doc;
  }

  changedCount(): number {
    return this.overrides.size;
  }
}

export type DocumentType = 'invoice' | 'credit_note';

export interface DocumentDefects {
  type: DocumentType;
  reference: string;
  defects: Defect[];
}

/** An update_time range, both ends included, in ms; an end left out is open. */
export interface UpdateTimeRange {
  fromMs?: number;
  toMs?: number;
}

const HOUR_MS = 3_600_000;
const isoSeconds = (ms: number): string => `${new Date(ms).toISOString().slice(0, 19)}Z`;

export interface SandboxStoreOptions {
  /**
   * Generated history ends here (ms): a generated order never says it was updated later, so only
   * admin changes (stamped with the sandbox's clock) are "recent". A large sandbox's later invoice
   * days lie in the future; without this, every such order would look changed since any past run.
   * Default: an hour before the store was made.
   */
  historyEndMs?: number;
}

export class SandboxStore {
  readonly invoices: DocumentSet<GeneratedInvoice>;
  readonly creditNotes: DocumentSet<GeneratedCreditNote>;
  readonly orders: DocumentSet<GeneratedOrder>;
  readonly retailers: DocumentSet<GeneratedRetailer>;
  /** Whole seconds, as LNB's timestamps are written. */
  readonly historyEndMs: number;

  constructor(
    readonly config: GeneratorConfig,
    options: SandboxStoreOptions = {},
  ) {
    const cfg = config;
    this.historyEndMs = Math.floor((options.historyEndMs ?? Date.now() - HOUR_MS) / 1000) * 1000;
    const historyEnd = isoSeconds(this.historyEndMs);
    this.invoices = new DocumentSet({
      key: 'reference_number',
      referenceOf: invoiceReference,
      generate: (i) => generateInvoice(cfg, i),
      generatedSize: () => cfg.invoices,
    });
    this.creditNotes = new DocumentSet({
      key: 'reference_number',
      referenceOf: creditNoteReference,
      generate: (i) => generateCreditNote(cfg, i),
      generatedSize: () => generatedCreditNotes(cfg),
    });
    // One order per invoice index, created invoices included.
    this.orders = new DocumentSet({
      key: 'reference',
      referenceOf: orderReference,
      generatedSize: () => this.invoices.size(),
      generate: (i) => {
        const order = generateOrder(cfg, i);
        return generatedOrderUpdateMs(i) > this.historyEndMs ? { ...order, update_time: historyEnd } : order;
      },
    });
    this.retailers = new DocumentSet({
      key: 'reference',
      referenceOf: retailerReference,
      generate: (i) => generateRetailer(cfg, i),
      generatedSize: () => cfg.retailers,
    });
  }

  /** Moves on every change or creation of any document (one set's size can follow another's). */
  get version(): number {
    return this.invoices.version + this.creditNotes.version + this.orders.version + this.retailers.version;
  }

  /**
   * The indexes of the orders whose update_time lies in the range, in listing order. Untouched
   * generated orders are found by their update time alone (it never decreases with the index), so a
   * filter over 100,000 orders builds only the orders it returns.
   */
  ordersUpdated(range: UpdateTimeRange): number[] {
    const from = range.fromMs ?? -Infinity;
    const to = range.toMs ?? Infinity;
    const updatedMs = (i: number): number => Math.min(generatedOrderUpdateMs(i), this.historyEndMs);
    const size = this.orders.size();
    const firstAtLeast = (bound: number, inclusive: boolean): number => {
      let lo = 0;
      let hi = size;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (inclusive ? updatedMs(mid) >= bound : updatedMs(mid) > bound) hi = mid;
        else lo = mid + 1;
      }
      return lo;
    };
    const start = firstAtLeast(from, true);
    const end = firstAtLeast(to, false);
    const out: number[] = [];
    for (let i = start; i < end; i++) if (!this.orders.touched(i)) out.push(i);
    for (const i of this.orders.touchedIndexes()) {
      const at = Date.parse(String(this.orders.at(i).update_time));
      if (at >= from && at <= to) out.push(i);
    }
    return out.sort((a, b) => a - b);
  }

  private readonly lookups: InspectionLookups = {
    order: (reference) => this.orders.get(reference),
    invoiceExists: (reference) => this.invoices.indexOf(reference) !== undefined,
  };

  inspect(type: DocumentType, reference: string): Defect[] | undefined {
    const doc = type === 'invoice' ? this.invoices.get(reference) : this.creditNotes.get(reference);
    return doc && inspectDocument(doc, this.lookups);
  }

  /**
   * Every defective document. An untouched generated document is only built when the generator
   * planned a defect for it, which keeps this cheap on 100,000 invoices.
   */
  defects(type?: DocumentType): DocumentDefects[] {
    const out: DocumentDefects[] = [];
    if (type !== 'credit_note') {
      for (let i = 0; i < this.invoices.size(); i++) {
        const untouched = !this.invoices.touched(i) && !this.orders.touched(i);
        if (untouched && plannedInvoiceDefect(this.config, i) === null) continue;
        this.collect(out, 'invoice', this.invoices.at(i));
      }
    }
    if (type !== 'invoice') {
      for (let i = 0; i < this.creditNotes.size(); i++) {
        // A changed order can make a credit note on it defective, so any order change means a full look.
        const untouched = !this.creditNotes.touched(i) && this.orders.changedCount() === 0;
        if (untouched && plannedCreditNoteDefect(this.config, i) === null) continue;
        this.collect(out, 'credit_note', this.creditNotes.at(i));
      }
    }
    return out;
  }

  /** How many documents of each defect kind: what the demo prints. */
  defectCounts(): Record<DefectKind, number> {
    const counts: Record<DefectKind, number> = {
      MISSING_EAN13: 0,
      MISSING_RETAILER_REFERENCE: 0,
      UNKNOWN_TAX_RATE: 0,
      ZERO_QUANTITY_LINE: 0,
      CREDITED_INVOICE_NOT_FOUND: 0,
    };
    for (const doc of this.defects()) for (const kind of new Set(doc.defects.map((d) => d.kind))) counts[kind]++;
    return counts;
  }

  private collect(out: DocumentDefects[], type: DocumentType, doc: GeneratedInvoice | GeneratedCreditNote): void {
    const defects = inspectDocument(doc, this.lookups);
    if (defects.length > 0) out.push({ type, reference: doc.reference_number, defects });
  }
}
