import { approveDocument, findDocument, handleAccounting, recordPayment, type ApiResponse } from './accounting';
import { seededRandom } from './faults';
import { builtinValidator } from './openapi';
import { findActiveContactByName, findContactByNumber, type Json } from './rules';
import { buildTenant, DEMO_FASHION_UK } from './seed';
import type { ContactRec, DocKind, TenantState } from './state';

// Random organisations built through the API, then the same queries answered by the indexes and by a
// scan of every record: the answers must be identical, order and paging included.
const START = Date.UTC(2026, 2, 10);

interface World {
  t: TenantState;
  now: number;
  pick<T>(list: readonly T[]): T;
  chance(p: number): boolean;
  int(n: number): number;
}

function world(seed: number): World {
  const random = seededRandom(seed);
  const int = (n: number): number => Math.floor(random() * n);
  return { t: buildTenant(DEMO_FASHION_UK, START), now: START, int, pick: (list) => list[int(list.length)], chance: (p) => random() < p };
}

function call(
  w: World,
  method: string,
  segments: string[],
  query: Record<string, string> = {},
  body?: unknown,
  headers: Record<string, string> = {},
  scan = false,
): ApiResponse {
  return handleAccounting(
    {
      method,
      segments,
      query: new URLSearchParams(query),
      headers,
      body: Buffer.from(body === undefined ? '' : JSON.stringify(body)),
      tenant: w.t,
      now: w.now,
      appName: 'indexes.spec',
    },
    { validator: builtinValidator, scan },
  );
}

/** Invoice numbers that collide by case, including two that are equal upper-cased but not lower-cased. */
const NUMBERS = [...Array.from({ length: 60 }, (_, i) => `INV-${i}`), 'FIX-1', 'fıx-1', 'fix-1', 'Straße-9', 'STRASSE-9'];
const REFERENCES = ['PO-1', 'po-1', 'PO-2', 'Season SS26', undefined];
const NAMES = Array.from({ length: 25 }, (_, i) => `Boutique ${i % 20}${i >= 20 ? ' ' : ''}`);
const CONTACT_NUMBERS = Array.from({ length: 25 }, (_, i) => (i % 3 === 0 ? `ret-${i % 12}` : `RET-${i % 12}`));
const STATUSES = ['DRAFT', 'SUBMITTED', 'AUTHORISED'];

const contacts = (w: World): ContactRec[] => [...w.t.contacts.values()];
const someCase = (w: World, s: string): string => (w.chance(0.3) ? s.toLowerCase() : w.chance(0.3) ? s.toUpperCase() : s);

function contactRef(w: World): Json {
  const known = contacts(w);
  const c = w.pick(known);
  if (w.chance(0.3)) return { ContactID: someCase(w, c.ContactID) };
  if (w.chance(0.4)) return { ContactNumber: someCase(w, w.pick(CONTACT_NUMBERS)), Name: w.pick(NAMES) };
  return { Name: w.pick(NAMES) };
}

function documentInput(w: World, kind: DocKind): Json {
  const sales = w.chance(0.8);
  const type = kind === 'invoice' ? (sales ? 'ACCREC' : 'ACCPAY') : sales ? 'ACCRECCREDIT' : 'ACCPAYCREDIT';
  const reference = w.pick(REFERENCES);
  return {
    Type: type,
    Contact: contactRef(w),
    Date: '2026-03-02',
    DueDate: '2026-04-01',
    ...(kind === 'invoice' ? { InvoiceNumber: someCase(w, w.pick(NUMBERS)) } : w.chance(0.5) ? { CreditNoteNumber: someCase(w, `CN-${w.int(20)}`) } : {}),
    ...(reference ? { Reference: reference } : {}),
    Status: w.pick(STATUSES),
    LineItems: [
      { Description: 'Coat', Quantity: 1 + w.int(3), UnitAmount: 10 + w.int(200), AccountCode: sales ? '200' : '400', TaxType: sales ? 'OUTPUT2' : 'INPUT2' },
    ],
  };
}

/** Creates, updates, archives, approves, pays and allocates at random, the clock now and then going back. */
function populate(w: World, steps: number): void {
  for (let i = 0; i < steps; i++) {
    w.now += w.chance(0.1) ? -w.int(60_000) : w.int(5_000);
    const r = w.int(100);
    if (r < 15) {
      const items = Array.from({ length: 1 + w.int(4) }, () => ({
        Name: w.pick(NAMES),
        ...(w.chance(0.8) ? { ContactNumber: someCase(w, w.pick(CONTACT_NUMBERS)) } : {}),
      }));
      call(w, w.chance(0.5) ? 'PUT' : 'POST', ['Contacts'], { summarizeErrors: 'false' }, { Contacts: items });
    } else if (r < 20) {
      const c = w.pick(contacts(w));
      call(
        w,
        'POST',
        ['Contacts', c.ContactID],
        {},
        {
          Contacts: [
            {
              ContactID: c.ContactID,
              ContactStatus: w.chance(0.5) ? 'ARCHIVED' : 'ACTIVE',
              ...(w.chance(0.3) ? { ContactNumber: w.pick(CONTACT_NUMBERS) } : {}),
            },
          ],
        },
      );
    } else if (r < 60) {
      const kind: DocKind = w.chance(0.8) ? 'invoice' : 'creditNote';
      const items = Array.from({ length: 1 + w.int(5) }, () => documentInput(w, kind));
      call(
        w,
        w.chance(0.7) ? 'PUT' : 'POST',
        [kind === 'invoice' ? 'Invoices' : 'CreditNotes'],
        { summarizeErrors: 'false' },
        { [kind === 'invoice' ? 'Invoices' : 'CreditNotes']: items },
      );
    } else if (r < 75 && w.t.invoices.size) {
      const d = w.pick([...w.t.invoices.values()]);
      const change: Json = w.chance(0.5)
        ? { Status: w.pick(['AUTHORISED', 'DELETED', 'VOIDED']) }
        : { Reference: w.pick(REFERENCES) ?? 'none', Contact: contactRef(w) };
      call(w, 'POST', ['Invoices', d.id], {}, { Invoices: [{ ...change, InvoiceID: d.id }] });
    } else if (r < 82 && w.t.invoices.size) {
      const d = w.pick([...w.t.invoices.values()]);
      approveDocument(w.t, 'invoice', d.id, w.now);
      recordPayment(w.t, d.id, 1 + w.int(50), '2026-03-05', w.now);
    } else if (r < 90 && w.t.creditNotes.size && w.t.invoices.size) {
      const cn = w.pick([...w.t.creditNotes.values()]);
      const inv = w.pick([...w.t.invoices.values()]);
      call(
        w,
        'PUT',
        ['CreditNotes', cn.id, 'Allocations'],
        {},
        { Allocations: [{ Invoice: { InvoiceID: inv.id }, Amount: 1 + w.int(20), Date: '2026-03-05' }] },
      );
    } else if (r < 95 && w.t.invoices.size) {
      const d = w.pick([...w.t.invoices.values()]);
      call(w, 'PUT', ['Invoices', d.id, 'Attachments', `file-${w.int(3)}.txt`], {}, `note ${i}`);
    }
  }
}

const quote = (s: string): string => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

function documentQuery(w: World, kind: DocKind): { query: Record<string, string>; headers: Record<string, string> } {
  const docs = [...(kind === 'invoice' ? w.t.invoices : w.t.creditNotes).values()];
  const someDoc = () => w.pick(docs);
  const numberField = kind === 'invoice' ? 'InvoiceNumber' : 'CreditNoteNumber';
  const idField = kind === 'invoice' ? 'InvoiceID' : 'CreditNoteID';
  const query: Record<string, string> = {};
  const headers: Record<string, string> = {};
  const pickMany = (f: () => string) => Array.from({ length: 1 + w.int(5) }, f).join(',');
  if (w.chance(0.2)) query.IDs = pickMany(() => someCase(w, w.chance(0.9) ? someDoc().id : '00000000-0000-0000-0000-000000000001'));
  if (w.chance(0.25))
    query[kind === 'invoice' ? 'InvoiceNumbers' : 'CreditNoteNumbers'] = pickMany(() => someCase(w, w.chance(0.8) ? someDoc().Number : w.pick(NUMBERS)));
  if (w.chance(0.2)) query.ContactIDs = pickMany(() => someCase(w, someDoc().ContactID));
  if (w.chance(0.2)) query.Statuses = pickMany(() => someCase(w, w.pick([...STATUSES, 'PAID', 'DELETED', 'VOIDED'])));
  if (w.chance(0.3)) headers['if-modified-since'] = new Date(START + w.int(w.now - START + 1)).toUTCString();
  if (w.chance(0.6)) {
    const terms = [
      () => `${numberField}==${quote(someCase(w, w.chance(0.8) ? someDoc().Number : w.pick(NUMBERS)))}`,
      () => `Reference==${quote(someCase(w, w.pick(REFERENCES) ?? 'PO-1'))}`,
      () => `Status==${quote(w.pick([...STATUSES, 'PAID']))}`,
      () => `Type==${quote(w.pick(['ACCREC', 'ACCPAY', 'ACCRECCREDIT']))}`,
      () => `Contact.ContactID==Guid(${quote(someDoc().ContactID)})`,
      () => `${idField}==Guid(${quote(someCase(w, someDoc().id))})`,
      () => `Contact.ContactNumber==${quote(w.pick(CONTACT_NUMBERS))}`,
      () => `Total > ${w.int(300)}`,
      () => `Reference == null`,
      () => `NOT Status=="DRAFT"`,
    ];
    const term = () => w.pick(terms)();
    const joined = Array.from({ length: 1 + w.int(4) }, term).reduce((acc, t) => `${acc} ${w.pick(['OR', 'AND', '||', '&&'])} ${t}`);
    query.where = w.chance(0.2) ? `(${joined}) AND ${term()}` : joined;
  }
  if (w.chance(0.3)) query.page = String(1 + w.int(3));
  if (w.chance(0.3)) query.pageSize = String(1 + w.int(40));
  if (w.chance(0.2)) query.order = `${w.pick([numberField, 'Date', 'Total', 'UpdatedDateUTC'])} ${w.pick(['ASC', 'DESC'])}`;
  return { query, headers };
}

function contactQuery(w: World): { query: Record<string, string>; headers: Record<string, string> } {
  const query: Record<string, string> = {};
  const headers: Record<string, string> = {};
  const some = () => w.pick(contacts(w));
  if (w.chance(0.2)) query.IDs = Array.from({ length: 1 + w.int(4) }, () => someCase(w, some().ContactID)).join(',');
  if (w.chance(0.5)) query.includeArchived = 'true';
  if (w.chance(0.3)) headers['if-modified-since'] = new Date(START + w.int(w.now - START + 1)).toUTCString();
  if (w.chance(0.7)) {
    // The exporter's lookup: numbers OR names, plus terms no index answers.
    const terms = [
      () => `ContactNumber==${quote(someCase(w, w.pick(CONTACT_NUMBERS)))}`,
      () => `Name==${quote(someCase(w, w.pick(NAMES)))}`,
      () => `ContactID==Guid(${quote(some().ContactID)})`,
      () => `ContactStatus=="ARCHIVED"`,
      () => `Name.StartsWith("Boutique 1")`,
    ];
    query.where = Array.from({ length: 1 + w.int(5) }, () => w.pick(terms)()).reduce((acc, t) => `${acc} ${w.pick(['OR', 'AND'])} ${t}`);
  }
  if (w.chance(0.3)) query.page = String(1 + w.int(2));
  return { query, headers };
}

/** The answer without the envelope's random Id. */
function answer(res: ApiResponse): unknown {
  const body = res.body as Record<string, unknown>;
  const { Id: _id, ...rest } = body;
  return { status: res.status, body: rest };
}

describe('indexes', () => {
  it.each([1, 2, 3])('answer every list exactly as a scan does (seed %i)', (seed) => {
    const w = world(seed);
    populate(w, 800);
    // The random organisation is not trivial: it holds what the queries need to tell index from scan apart.
    expect(w.t.invoices.size).toBeGreaterThan(200);
    expect(w.t.creditNotes.size).toBeGreaterThan(20);
    expect(w.t.contacts.size).toBeGreaterThan(15);
    for (let i = 0; i < 400; i++) {
      const kind: DocKind = w.chance(0.75) ? 'invoice' : 'creditNote';
      const { query, headers } = documentQuery(w, kind);
      const segments = [kind === 'invoice' ? 'Invoices' : 'CreditNotes'];
      expect({ query, headers, answer: answer(call(w, 'GET', segments, query, undefined, headers)) }).toEqual({
        query,
        headers,
        answer: answer(call(w, 'GET', segments, query, undefined, headers, true)),
      });
    }
    for (let i = 0; i < 200; i++) {
      const { query, headers } = contactQuery(w);
      expect({ query, headers, answer: answer(call(w, 'GET', ['Contacts'], query, undefined, headers)) }).toEqual({
        query,
        headers,
        answer: answer(call(w, 'GET', ['Contacts'], query, undefined, headers, true)),
      });
    }
  });

  it.each([4, 5])('find documents and contacts by number, id and name as a scan does (seed %i)', (seed) => {
    const w = world(seed);
    populate(w, 600);
    for (const kind of ['invoice', 'creditNote'] as DocKind[]) {
      const map = kind === 'invoice' ? w.t.invoices : w.t.creditNotes;
      expect(w.t.index.documents(kind).all).toEqual([...map.values()]);
      for (const n of [...NUMBERS, ...[...map.values()].map((d) => d.Number)]) {
        const wanted = someCase(w, n);
        const byInvoiceNumbers = kind === 'invoice' ? w.t.invoiceNumbers.get(wanted.toUpperCase()) : undefined;
        const scanned =
          (byInvoiceNumbers ? map.get(byInvoiceNumbers) : undefined) ?? [...map.values()].find((d) => d.Number.toUpperCase() === wanted.toUpperCase());
        expect({ wanted, found: findDocument(w.t, kind, wanted)?.id }).toEqual({ wanted, found: scanned?.id });
      }
    }
    expect(w.t.index.contacts.all).toEqual(contacts(w));
    for (const number of CONTACT_NUMBERS) {
      const wanted = someCase(w, number);
      const holders = contacts(w).filter((c) => c.ContactNumber?.toLowerCase() === wanted.toLowerCase());
      const scanned = holders.find((c) => c.ContactStatus === 'ACTIVE') ?? holders[0];
      expect({ wanted, found: findContactByNumber(w.t, wanted)?.ContactID }).toEqual({ wanted, found: scanned?.ContactID });
    }
    for (const name of NAMES) {
      const wanted = ` ${someCase(w, name)}`;
      const except = w.chance(0.3) ? w.pick(contacts(w)).ContactID : undefined;
      const scanned = contacts(w).find(
        (c) => c.ContactStatus === 'ACTIVE' && c.ContactID !== except && c.Name.trim().toLowerCase() === wanted.trim().toLowerCase(),
      );
      expect({ wanted, found: findActiveContactByName(w.t, wanted, except)?.ContactID }).toEqual({ wanted, found: scanned?.ContactID });
    }
  });
});
