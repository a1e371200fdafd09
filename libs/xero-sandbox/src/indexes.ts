// In-memory indexes over one organisation's documents and contacts, so the lookups an integration makes
// (by number, id, contact, status, a `where` of equalities, If-Modified-Since) do not scan 100,000
// invoices. They only narrow: the caller still applies its filters to what they return, so an answer is
// the scan's answer (indexes.spec.ts compares both on random data).
import type { ContactRec, DocKind, DocumentRec } from './state';
import type { WherePlan } from './where';

type Key = string | number | boolean;

/** The value as a where clause compares it: strings ignore case. Missing values are not indexed. */
const whereKey = (v: unknown): Key | undefined => (typeof v === 'string' ? v.toLowerCase() : typeof v === 'number' || typeof v === 'boolean' ? v : undefined);

/**
 * Entity ids by the time they were last updated, for If-Modified-Since. Updates mostly arrive in time
 * order, so an entry is appended; an update leaves its previous entry behind as stale (told apart by a
 * per-id version) until enough of them pile up to rebuild the list.
 */
class UpdatedIndex {
  private entries: { at: number; id: string; version: number }[] = [];
  private readonly current = new Map<string, { at: number; version: number }>();
  private stale = 0;

  set(id: string, at: number): void {
    const previous = this.current.get(id);
    if (previous?.at === at) return;
    if (previous) this.stale++;
    const entry = { at, id, version: (previous?.version ?? 0) + 1 };
    this.current.set(id, { at, version: entry.version });
    const last = this.entries[this.entries.length - 1];
    if (!last || last.at <= at) this.entries.push(entry);
    else this.entries.splice(this.firstAfter(at), 0, entry);
    if (this.stale > 1024 && this.stale * 2 > this.entries.length) {
      this.entries = this.entries.filter((e) => this.current.get(e.id)?.version === e.version);
      this.stale = 0;
    }
  }

  /** Ids last updated strictly after `ms`. */
  after(ms: number): Set<string> {
    const out = new Set<string>();
    for (let i = this.firstAfter(ms); i < this.entries.length; i++) {
      const e = this.entries[i];
      if (this.current.get(e.id)?.version === e.version) out.add(e.id);
    }
    return out;
  }

  private firstAfter(ms: number): number {
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.entries[mid].at > ms) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}

/**
 * One kind of entity: every one in the order it was first stored (its Map's order, so a scan's order),
 * and the ids under each indexed key. A key is named by the where path it answers (`InvoiceNumber`,
 * `Contact.ContactID`); names starting with `#` are for the sandbox's own lookups.
 */
export class EntityIndex<T extends { UpdatedDateUTC: number }> {
  readonly all: T[] = [];
  private readonly seqOf = new Map<string, number>();
  private readonly keysOf = new Map<string, (Key | undefined)[]>();
  private readonly names: string[];
  private readonly keyFns: ((e: T) => Key | undefined)[];
  /** A key most entities hold alone (a number, an id) maps to the id itself: 100,000 one-element Sets weigh on every GC. */
  private readonly byKey: Map<Key, string | Set<string>>[];
  private readonly updated = new UpdatedIndex();

  constructor(
    private readonly idOf: (e: T) => string,
    keys: Record<string, (e: T) => Key | undefined>,
  ) {
    this.names = Object.keys(keys);
    this.keyFns = Object.values(keys);
    this.byKey = this.names.map(() => new Map());
  }

  /** Stores or re-indexes an entity (a new object for a known id replaces the old one in place). */
  put(e: T): void {
    const id = this.idOf(e);
    const seq = this.seqOf.get(id);
    if (seq === undefined) {
      this.seqOf.set(id, this.all.length);
      this.all.push(e);
    } else this.all[seq] = e;
    const old = this.keysOf.get(id);
    const keys = this.keyFns.map((f) => f(e));
    keys.forEach((key, i) => {
      const before = old?.[i];
      if (old && before === key) return;
      const index = this.byKey[i];
      if (before !== undefined) {
        const ids = index.get(before);
        if (ids === id) index.delete(before);
        else if (typeof ids === 'object') {
          ids.delete(id);
          if (ids.size === 1) index.set(before, [...ids][0]);
        }
      }
      if (key === undefined) return;
      const ids = index.get(key);
      if (ids === undefined) index.set(key, id);
      else if (typeof ids === 'string') index.set(key, new Set([ids, id]));
      else ids.add(id);
    });
    this.keysOf.set(id, keys);
    this.updated.set(id, e.UpdatedDateUTC);
  }

  /** Ids whose `name` key is `key`; undefined when nothing is indexed under that name. */
  lookup(name: string, key: Key): ReadonlySet<string> | undefined {
    const i = this.names.indexOf(name);
    if (i < 0) return undefined;
    const ids = this.byKey[i].get(key);
    return typeof ids === 'string' ? new Set([ids]) : (ids ?? new Set());
  }

  /** Ids updated strictly after `ms` (epoch milliseconds). */
  modifiedAfter(ms: number): Set<string> {
    return this.updated.after(ms);
  }

  /** Ids any of whose `name` keys is one of `keys`. */
  lookupAny(name: string, keys: Key[]): Set<string> {
    const out = new Set<string>();
    for (const k of keys) for (const id of this.lookup(name, k) ?? []) out.add(id);
    return out;
  }

  /** The candidates a where clause's equalities leave; undefined when it cannot narrow (every entity is one). */
  planned(plan: WherePlan | undefined): ReadonlySet<string> | undefined {
    if (!plan) return undefined;
    if (plan.kind === 'eq') return this.lookup(plan.field, plan.value);
    const parts = plan.parts.map((p) => this.planned(p));
    if (plan.kind === 'or') return parts.some((p) => p === undefined) ? undefined : union(parts as ReadonlySet<string>[]);
    const known = parts.filter((p): p is ReadonlySet<string> => p !== undefined);
    return known.length ? intersection(known) : undefined;
  }

  /**
   * The entities the narrowing sets all hold, in scan order; every entity when no set narrows.
   * Unknown ids are dropped.
   */
  select(narrowing: (ReadonlySet<string> | undefined)[]): T[] {
    const known = narrowing.filter((s): s is ReadonlySet<string> => s !== undefined);
    if (!known.length) return [...this.all];
    const seqs: number[] = [];
    for (const id of intersection(known)) {
      const seq = this.seqOf.get(id);
      if (seq !== undefined) seqs.push(seq);
    }
    return seqs.sort((a, b) => a - b).map((s) => this.all[s]);
  }

  /** The first entity in scan order among these ids that `accept` takes. */
  first(ids: ReadonlySet<string> | undefined, accept: (e: T) => boolean = () => true): T | undefined {
    if (!ids?.size) return undefined;
    return this.select([ids]).find(accept);
  }
}

function union(sets: ReadonlySet<string>[]): Set<string> {
  const out = new Set<string>();
  for (const s of sets) for (const id of s) out.add(id);
  return out;
}

function intersection(sets: ReadonlySet<string>[]): ReadonlySet<string> {
  const [smallest, ...rest] = [...sets].sort((a, b) => a.size - b.size);
  if (!rest.length) return smallest;
  const out = new Set<string>();
  for (const id of smallest) if (rest.every((s) => s.has(id))) out.add(id);
  return out;
}

export type DocumentIndex = EntityIndex<DocumentRec>;
export type ContactIndex = EntityIndex<ContactRec>;

function documentIndex(kind: DocKind): DocumentIndex {
  const [idField, numberField] = kind === 'invoice' ? ['InvoiceID', 'InvoiceNumber'] : ['CreditNoteID', 'CreditNoteNumber'];
  return new EntityIndex<DocumentRec>((d) => d.id, {
    // The fields whereView (render.ts) shows under these names.
    [idField]: (d) => whereKey(d.id),
    [numberField]: (d) => whereKey(d.Number),
    Reference: (d) => whereKey(d.Reference),
    Status: (d) => whereKey(d.Status),
    Type: (d) => whereKey(d.Type),
    'Contact.ContactID': (d) => whereKey(d.ContactID),
    // InvoiceNumbers= and GET by number compare upper-cased, which is not always the same as lower-cased.
    '#number': (d) => d.Number.toUpperCase(),
  });
}

function contactIndex(): ContactIndex {
  return new EntityIndex<ContactRec>((c) => c.ContactID, {
    ContactID: (c) => whereKey(c.ContactID),
    ContactNumber: (c) => whereKey(c.ContactNumber),
    Name: (c) => whereKey(c.Name),
    // Contact names are unique among active contacts once trimmed.
    '#name': (c) => c.Name.trim().toLowerCase(),
  });
}

/** One organisation's indexes, and what changed in it since the state file last wrote. */
export class TenantIndex {
  readonly invoices = documentIndex('invoice');
  readonly creditNotes = documentIndex('creditNote');
  readonly contacts = contactIndex();
  readonly unsaved = { documents: new Map<string, DocumentRec>(), contacts: new Map<string, ContactRec>(), tenant: false };

  documents(kind: DocKind): DocumentIndex {
    return kind === 'invoice' ? this.invoices : this.creditNotes;
  }
}
