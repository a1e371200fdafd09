// Optional persistence so a demo survives a restart: the whole state as one JSON file, written atomically.
// It holds live access and refresh tokens, so only its owner may read it: the file (and its temporary twin)
// 0600, a folder the sandbox makes for it 0700, and a file left readable by others is narrowed at start.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { IdentitySnapshot } from './oauth';
import type { ContactRec, DocumentRec, TenantState } from './state';

export interface IdempotencyEntry {
  status: number;
  contentType: string;
  body: string;
  at: number;
}

export interface PersistedState {
  version: 1;
  tenants: (Omit<TenantState, 'contacts' | 'invoices' | 'creditNotes' | 'invoiceNumbers'> & {
    contacts: ContactRec[];
    invoices: DocumentRec[];
    creditNotes: DocumentRec[];
  })[];
  identity: IdentitySnapshot;
  revokedTenants: string[];
  idempotency: [string, IdempotencyEntry][];
}

export function toPersisted(tenants: TenantState[], identity: IdentitySnapshot, revokedTenants: string[], idempotency: [string, IdempotencyEntry][]): PersistedState {
  return {
    version: 1,
    tenants: tenants.map((t) => {
      const { contacts, invoices, creditNotes, invoiceNumbers: _numbers, ...rest } = t;
      return { ...rest, contacts: [...contacts.values()], invoices: [...invoices.values()], creditNotes: [...creditNotes.values()] };
    }),
    identity,
    revokedTenants,
    idempotency,
  };
}

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
    return { ...t, contacts: new Map(t.contacts.map((c) => [c.ContactID, c])), invoices, creditNotes, invoiceNumbers };
  });
}

const FILE_MODE = 0o600;
const DIR_MODE = 0o700;

export function readStateFile(file: string): PersistedState | undefined {
  if (!fs.existsSync(file)) return undefined;
  if ((fs.statSync(file).mode & 0o077) !== 0) fs.chmodSync(file, FILE_MODE);
  const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as PersistedState;
  if (parsed.version !== 1) throw new Error(`${file}: unsupported sandbox state version ${String(parsed.version)}`);
  return parsed;
}

export function writeStateFile(file: string, state: PersistedState): void {
  // Only the folders it makes: an existing one (the user's, /tmp) keeps its mode.
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true, mode: DIR_MODE });
  const tmp = `${file}.${process.pid}.tmp`;
  // A leftover from a crash would keep its old mode: made anew, exclusively, so the mode below applies.
  fs.rmSync(tmp, { force: true });
  fs.writeFileSync(tmp, JSON.stringify(state), { mode: FILE_MODE, flag: 'wx' });
  fs.renameSync(tmp, file);
}
