// The sandbox's documents: generated ones are rebuilt from their index on every read; only documents
// an admin created or changed are held in memory.
import {
  type DefectKind, type GeneratedCreditNote, type GeneratedInvoice, type GeneratedOrder, type GeneratedRetailer,
  type GeneratorConfig, creditNoteReference, generateCreditNote, generateInvoice, generateOrder, generateRetailer,
  generatedCreditNotes, invoiceReference, orderReference, plannedCreditNoteDefect, plannedInvoiceDefect, retailerReference,
} from './generator';
import { type Defect, type InspectionLookups, inspectDocument } from './inspect';

/** An admin request the sandbox refuses, with the HTTP status it answers. */
export class SandboxRequestError extends Error {
  constructor(readonly status: number, message: string) {
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
  private readonly overrides = new Map<number, T>();
  private readonly customReferences = new Map<string, number>();

  constructor(private readonly opts: DocumentSetOptions<T>) {}

  size(): number {
    return this.opts.generatedSize() + this.appended;
  }

  at(index: number): T {
    return this.overrides.get(index) ?? this.opts.generate(index);
  }

  touched(index: number): boolean {
    return this.overrides.has(index);
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

export class SandboxStore {
  readonly invoices: DocumentSet<GeneratedInvoice>;
  readonly creditNotes: DocumentSet<GeneratedCreditNote>;
  readonly orders: DocumentSet<GeneratedOrder>;
  readonly retailers: DocumentSet<GeneratedRetailer>;

  constructor(readonly config: GeneratorConfig) {
    const cfg = config;
    this.invoices = new DocumentSet({
      key: 'reference_number', referenceOf: invoiceReference, generate: (i) => generateInvoice(cfg, i), generatedSize: () => cfg.invoices,
    });
    this.creditNotes = new DocumentSet({
      key: 'reference_number', referenceOf: creditNoteReference, generate: (i) => generateCreditNote(cfg, i),
      generatedSize: () => generatedCreditNotes(cfg),
    });
    // One order per invoice index, created invoices included.
    this.orders = new DocumentSet({
      key: 'reference', referenceOf: orderReference, generate: (i) => generateOrder(cfg, i), generatedSize: () => this.invoices.size(),
    });
    this.retailers = new DocumentSet({
      key: 'reference', referenceOf: retailerReference, generate: (i) => generateRetailer(cfg, i), generatedSize: () => cfg.retailers,
    });
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
      MISSING_EAN13: 0, MISSING_RETAILER_REFERENCE: 0, UNKNOWN_TAX_RATE: 0, ZERO_QUANTITY_LINE: 0, CREDITED_INVOICE_NOT_FOUND: 0,
    };
    for (const doc of this.defects()) for (const kind of new Set(doc.defects.map((d) => d.kind))) counts[kind]++;
    return counts;
  }

  private collect(out: DocumentDefects[], type: DocumentType, doc: GeneratedInvoice | GeneratedCreditNote): void {
    const defects = inspectDocument(doc, this.lookups);
    if (defects.length > 0) out.push({ type, reference: doc.reference_number, defects });
  }
}
