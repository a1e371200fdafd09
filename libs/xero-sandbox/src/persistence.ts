// Optional persistence so a demo survives a restart: the whole state as one JSON file, written atomically.
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

export function readStateFile(file: string): PersistedState | undefined {
  if (!fs.existsSync(file)) return undefined;
  const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as PersistedState;
  if (parsed.version !== 1) throw new Error(`${file}: unsupported sandbox state version ${String(parsed.version)}`);
  return parsed;
}

export function writeStateFile(file: string, state: PersistedState): void {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(state));
  fs.renameSync(tmp, file);
}
