// Finding documents already in Xero: by number (before sending again, and after "Invoice # must be
// unique.") and by id (before an update). One call per request's worth of documents.
import type { DocumentType } from '@lnbx/contracts';
import { whereAnyOf } from '../domain/contacts';
import type { CreditFacts } from '../domain/allocation';
import { creditFactsOf, factsOf, type XeroFacts } from '../domain/documents';
import type { Tenant, XeroApi } from './xero-api';

const CHUNK = 25;

function* chunks<T>(list: T[], size: number): Generator<T[]> {
  for (let i = 0; i < list.length; i += size) yield list.slice(i, i + size);
}

/** Documents in Xero by number (upper-cased), deleted ones left out: a deleted document frees its number. */
export async function findByNumbers(xero: XeroApi, tenant: Tenant, type: DocumentType, numbers: string[]): Promise<Map<string, XeroFacts>> {
  const found = new Map<string, XeroFacts>();
  for (const part of chunks([...new Set(numbers)], CHUNK)) {
    const items =
      type === 'invoice'
        ? ((await xero.call(tenant, 'GET /Invoices', (api, t) => api.getInvoices(t, undefined, undefined, undefined, undefined, part))).invoices ?? [])
        : ((await xero.call(tenant, 'GET /CreditNotes', (api, t) => api.getCreditNotes(t, undefined, whereAnyOf('CreditNoteNumber', part)))).creditNotes ?? []);
    for (const item of items) {
      const f = factsOf(item);
      if (f.xeroId && f.status !== 'DELETED') found.set(f.number.toUpperCase(), f);
    }
  }
  return found;
}

const byCreditNoteIds = (ids: string[]): string => ids.map((id) => `CreditNoteID==Guid("${id}")`).join(' OR ');

/** Credit notes by id (lower-cased), with the allocations made from them: one call per 25. */
export async function findCreditNotes(xero: XeroApi, tenant: Tenant, ids: string[]): Promise<Map<string, CreditFacts>> {
  const found = new Map<string, CreditFacts>();
  for (const part of chunks([...new Set(ids)], CHUNK)) {
    const items = (await xero.call(tenant, 'GET /CreditNotes', (api, t) => api.getCreditNotes(t, undefined, byCreditNoteIds(part)))).creditNotes ?? [];
    for (const item of items) {
      const f = creditFactsOf(item);
      if (f.xeroId) found.set(f.xeroId.toLowerCase(), f);
    }
  }
  return found;
}

export async function findByIds(xero: XeroApi, tenant: Tenant, type: DocumentType, ids: string[]): Promise<Map<string, XeroFacts>> {
  const found = new Map<string, XeroFacts>();
  for (const part of chunks([...new Set(ids)], CHUNK)) {
    const items =
      type === 'invoice'
        ? ((await xero.call(tenant, 'GET /Invoices', (api, t) => api.getInvoices(t, undefined, undefined, undefined, part))).invoices ?? [])
        : ((await xero.call(tenant, 'GET /CreditNotes', (api, t) => api.getCreditNotes(t, undefined, byCreditNoteIds(part)))).creditNotes ?? []);
    for (const item of items) {
      const f = factsOf(item);
      if (f.xeroId) found.set(f.xeroId.toLowerCase(), f);
    }
  }
  return found;
}
