// Optional persistence so a demo survives a restart, at a cost per call that does not grow with the state:
// the state file is JSON lines, a compacted part (every tenant, contact, document, the identity and the
// remembered answers) followed by a journal of what each call changed, appended as the call ends. Loading
// replays both; the file is rewritten compacted when the journal has outgrown the compacted part (at start,
// or soon after an append), so the bytes written stay proportional to the bytes changed.
// Durability: an append is written before the call is answered but not fsynced (a killed process loses
// nothing it answered; a machine crash may lose the last seconds); a compaction is fsynced before it
// replaces the file, and the journal is fsynced on close. A torn last line (a crash mid-append) is dropped.
// It holds live access and refresh tokens, so only its owner may read it: the file (and its temporary twin)
// 0600, a folder the sandbox makes for it 0700, and a file left readable by others is narrowed at start.
// The old format (version 1: the whole state as one JSON object) is read and rewritten as this one.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { IdentitySnapshot } from './oauth';
import type { ContactRec, DocumentRec, TenantMeta, TenantState } from './state';

export interface IdempotencyEntry {
  status: number;
  contentType: string;
  body: string;
  at: number;
}

/** The state as the sandbox restores it, whichever format it was read from. */
export interface PersistedState {
  version: 1;
  tenants: (TenantMeta & { contacts: ContactRec[]; invoices: DocumentRec[]; creditNotes: DocumentRec[] })[];
  identity: IdentitySnapshot;
  revokedTenants: string[];
  idempotency: [string, IdempotencyEntry][];
}

/** One line of the state file after its header. */
export type StateRecord =
  | { r: 'tenant'; tenant: TenantMeta }
  | { r: 'contact'; tenantId: string; contact: ContactRec }
  | { r: 'document'; tenantId: string; document: DocumentRec }
  | { r: 'identity'; identity: IdentitySnapshot; revokedTenants: string[] }
  | { r: 'idempotency'; key: string; entry: IdempotencyEntry }
  /** Ends the compacted part: what follows is the journal. */
  | { r: 'compacted' };

const HEADER = { format: 'xero-sandbox-state', version: 2 };

export function fromPersisted(p: PersistedState): TenantState[] {
  return p.tenants.map((t) => {
    const invoices = new Map(t.invoices.map((d) => [d.id, d]));
    const invoiceNumbers = new Map<string, string>();
    for (const d of invoices.values()) {
      if (d.Type === 'ACCREC' && d.Number && d.Status !== 'DELETED') invoiceNumbers.set(d.Number.toUpperCase(), d.id);
    }
    // Allocations are shared between a credit note and its invoice: re-link them to one object each.
    const creditNotes = new Map(t.creditNotes.map((d) => [d.id, d]));
    for (const cn of creditNotes.values()) {
      for (const a of cn.Allocations) {
        const inv = invoices.get(a.InvoiceID);
        if (inv) inv.Allocations = inv.Allocations.map((x) => (x.AllocationID === a.AllocationID ? a : x));
      }
    }
    return { ...t, contacts: new Map(t.contacts.map((c) => [c.ContactID, c])), invoices, creditNotes, invoiceNumbers } as Omit<
      TenantState,
      'index'
    > as TenantState;
  });
}

/** Every record of a compacted state file, in the order that restores the same maps. */
export function* compactedRecords(
  tenants: Iterable<TenantState>,
  identity: IdentitySnapshot,
  revokedTenants: string[],
  idempotency: [string, IdempotencyEntry][],
): Generator<StateRecord> {
  for (const t of tenants) {
    const { contacts, invoices, creditNotes, invoiceNumbers: _numbers, index: _index, ...tenant } = t;
    yield { r: 'tenant', tenant };
    for (const contact of contacts.values()) yield { r: 'contact', tenantId: t.tenantId, contact };
    for (const document of invoices.values()) yield { r: 'document', tenantId: t.tenantId, document };
    for (const document of creditNotes.values()) yield { r: 'document', tenantId: t.tenantId, document };
  }
  yield { r: 'identity', identity, revokedTenants };
  for (const [key, entry] of idempotency) yield { r: 'idempotency', key, entry };
  yield { r: 'compacted' };
}

const FILE_MODE = 0o600;
const DIR_MODE = 0o700;
/** A journal smaller than this is never worth a compaction, however small the state. */
const MIN_JOURNAL_BYTES = 4 * 1024 * 1024;
const CHUNK_BYTES = 4 * 1024 * 1024;

export interface LoadedState {
  state: PersistedState;
  /** The file should be rewritten compacted before appending to it (old format, or a long journal). */
  compact: boolean;
}

/** The state file: read once at start, then appended to and now and then rewritten compacted. */
export class StateFile {
  private fd: number | undefined;
  private compactedBytes = 0;
  private journalBytes = 0;

  constructor(readonly file: string) {}

  /** What the file holds, or undefined when there is none yet. Narrows a file others could read. */
  load(): LoadedState | undefined {
    if (!fs.existsSync(this.file)) return undefined;
    if ((fs.statSync(this.file).mode & 0o077) !== 0) fs.chmodSync(this.file, FILE_MODE);
    const lines = readLines(this.file);
    const first = lines.next();
    if (first.done) return undefined;
    const head = JSON.parse(first.value.text) as Record<string, unknown>;
    if (head.version === 1 && Array.isArray(head.tenants)) return { state: head as unknown as PersistedState, compact: true };
    if (head.format !== HEADER.format || head.version !== HEADER.version) {
      throw new Error(`${this.file}: unsupported sandbox state version ${String(head.version)}`);
    }
    const replay = new Replay();
    let end = first.value.end;
    for (const line of lines) {
      let record: StateRecord;
      try {
        record = JSON.parse(line.text) as StateRecord;
      } catch (err) {
        // The last line of a crash mid-append: never answered, so never relied on.
        if (line.last && !line.terminated) break;
        throw new Error(`${this.file}: unreadable line at byte ${end}: ${(err as Error).message}`);
      }
      end = line.end;
      if (record.r === 'compacted') this.compactedBytes = end;
      else replay.apply(record, this.file);
    }
    if (fs.statSync(this.file).size > end) fs.truncateSync(this.file, end);
    this.journalBytes = end - this.compactedBytes;
    return { state: replay.result(), compact: this.compactedBytes === 0 || this.outgrown };
  }

  /** Appends records as one write; opens the file (compacted) first if need be. */
  append(records: StateRecord[]): void {
    if (!records.length) return;
    this.fd ??= fs.openSync(this.file, 'a', FILE_MODE);
    const bytes = Buffer.from(records.map((r) => `${JSON.stringify(r)}\n`).join(''), 'utf8');
    fs.writeSync(this.fd, bytes);
    this.journalBytes += bytes.length;
  }

  /** True when the journal has outgrown the compacted part: time for compact(). */
  get outgrown(): boolean {
    return this.journalBytes > Math.max(this.compactedBytes, MIN_JOURNAL_BYTES);
  }

  /** Rewrites the file as these records (ending with a `compacted` record), atomically. */
  compact(records: Iterable<StateRecord>): void {
    this.close();
    // Only the folders it makes: an existing one (the user's, /tmp) keeps its mode.
    fs.mkdirSync(path.dirname(path.resolve(this.file)), { recursive: true, mode: DIR_MODE });
    const tmp = `${this.file}.${process.pid}.tmp`;
    // A leftover from a crash would keep its old mode: made anew, exclusively, so the mode below applies.
    fs.rmSync(tmp, { force: true });
    const fd = fs.openSync(tmp, 'wx', FILE_MODE);
    let size = 0;
    try {
      let chunk: string[] = [];
      let chunkLength = 0;
      const flush = (): void => {
        const bytes = Buffer.from(chunk.join(''), 'utf8');
        fs.writeSync(fd, bytes);
        size += bytes.length;
        chunk = [];
        chunkLength = 0;
      };
      chunk.push(`${JSON.stringify(HEADER)}\n`);
      for (const record of records) {
        const line = `${JSON.stringify(record)}\n`;
        chunk.push(line);
        chunkLength += line.length;
        if (chunkLength >= CHUNK_BYTES) flush();
      }
      flush();
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, this.file);
    this.compactedBytes = size;
    this.journalBytes = 0;
  }

  /** Makes the journal durable and lets go of the file. */
  close(): void {
    if (this.fd === undefined) return;
    fs.fsyncSync(this.fd);
    fs.closeSync(this.fd);
    this.fd = undefined;
  }
}

/** Builds the persisted shape from records: a later record of an entity replaces the earlier one. */
interface ReplayedTenant {
  meta: TenantMeta;
  contacts: Map<string, ContactRec>;
  invoices: Map<string, DocumentRec>;
  creditNotes: Map<string, DocumentRec>;
}

class Replay {
  private readonly tenants = new Map<string, ReplayedTenant>();
  private identity: IdentitySnapshot = { grants: [], accessTokens: [], refreshTokens: [] };
  private revokedTenants: string[] = [];
  private readonly idempotency = new Map<string, IdempotencyEntry>();

  apply(record: StateRecord, file: string): void {
    switch (record.r) {
      case 'tenant': {
        const known = this.tenants.get(record.tenant.tenantId);
        if (known) known.meta = record.tenant;
        else this.tenants.set(record.tenant.tenantId, { meta: record.tenant, contacts: new Map(), invoices: new Map(), creditNotes: new Map() });
        return;
      }
      case 'contact':
        this.tenant(record.tenantId, file).contacts.set(record.contact.ContactID, record.contact);
        return;
      case 'document': {
        const t = this.tenant(record.tenantId, file);
        (record.document.kind === 'invoice' ? t.invoices : t.creditNotes).set(record.document.id, record.document);
        return;
      }
      case 'identity':
        this.identity = record.identity;
        this.revokedTenants = record.revokedTenants;
        return;
      case 'idempotency':
        // Re-remembered keys move to the end, as IdempotencyBook keeps them: oldest first.
        this.idempotency.delete(record.key);
        this.idempotency.set(record.key, record.entry);
        return;
      case 'compacted':
        return;
      default: {
        const never: never = record;
        throw new Error(`${file}: unknown record ${JSON.stringify(never)}`);
      }
    }
  }

  result(): PersistedState {
    return {
      version: 1,
      tenants: [...this.tenants.values()].map((t) => ({
        ...t.meta,
        contacts: [...t.contacts.values()],
        invoices: [...t.invoices.values()],
        creditNotes: [...t.creditNotes.values()],
      })),
      identity: this.identity,
      revokedTenants: this.revokedTenants,
      idempotency: [...this.idempotency.entries()],
    };
  }

  private tenant(tenantId: string, file: string): ReplayedTenant {
    const t = this.tenants.get(tenantId);
    if (!t) throw new Error(`${file}: a record for tenant ${tenantId} before that tenant's own record`);
    return t;
  }
}

interface Line {
  text: string;
  /** The byte offset just past this line (and its newline). */
  end: number;
  terminated: boolean;
  last: boolean;
}

/** The file's lines, read in chunks: a state file can be larger than one string may be. */
function* readLines(file: string): Generator<Line> {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    let offset = 0;
    // The bytes of the line being read, over as many chunks as it spans (an old-format file is one line).
    let parts: Buffer[] = [];
    while (offset < size) {
      const chunk = Buffer.alloc(Math.min(CHUNK_BYTES, size - offset));
      const read = fs.readSync(fd, chunk, 0, chunk.length, offset);
      if (read === 0) break;
      const chunkStart = offset;
      offset += read;
      // A newline byte is never inside a multi-byte UTF-8 character: splitting on it is safe.
      let start = 0;
      for (let nl = chunk.indexOf(0x0a); nl >= 0 && nl < read; nl = chunk.indexOf(0x0a, start)) {
        const bytes = parts.length ? Buffer.concat([...parts, chunk.subarray(start, nl)]) : chunk.subarray(start, nl);
        parts = [];
        const end = chunkStart + nl + 1;
        if (bytes.length) yield { text: bytes.toString('utf8'), end, terminated: true, last: end === size };
        start = nl + 1;
      }
      if (start < read) parts.push(chunk.subarray(start, read));
    }
    if (parts.length) yield { text: Buffer.concat(parts).toString('utf8'), end: offset, terminated: false, last: true };
  } finally {
    fs.closeSync(fd);
  }
}
