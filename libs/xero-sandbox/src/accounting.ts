// The Accounting API's endpoints over one tenant's state, without HTTP: a parsed request in, an answer out.
import { randomUUID } from 'node:crypto';
import { roundMoney } from './money';
import type { SchemaName, SchemaValidator } from './openapi';
import {
  renderAccount,
  renderAttachmentMeta,
  renderContact,
  renderDocument,
  renderOrganisation,
  renderTaxRate,
  renderTrackingCategory,
  whereView,
  contactWhereView,
  msDate,
  ZERO_GUID,
} from './render';
import { checkAllocation, checkContact, checkDocument, findContactById, findContactByNumber, resolveDocumentContact, type Json } from './rules';
import { amountDue, docMap, storeContact, storeDocument, tenantChanged, type ContactRec, type DocKind, type DocumentRec, type TenantState } from './state';
import { compileWhere, compileWhereQuery, WhereParseError } from './where';

export interface ApiRequest {
  method: string;
  /** Path segments after /api.xro/2.0, decoded. */
  segments: string[];
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  tenant: TenantState;
  now: number;
  appName: string;
}

export interface ApiResponse {
  status: number;
  body: unknown;
  contentType?: string;
  /** True when the call changed the tenant's state (persist it). */
  mutated?: boolean;
  /** What kind of refusal this was, for the call statistics. */
  reason?: string;
}

export const NOT_FOUND_TEXT = "The resource you're looking for cannot be found";
const notFound = (): ApiResponse => ({ status: 404, body: NOT_FOUND_TEXT, contentType: 'text/plain; charset=utf-8', reason: 'notfound' });
const isGuid = (v: string): boolean => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v);
const todayOf = (now: number): string => new Date(now).toISOString().slice(0, 10);

class PostDataInvalid extends Error {}

function envelope(req: ApiRequest): Json {
  return { Id: randomUUID(), Status: 'OK', ProviderName: req.appName, DateTimeUTC: msDate(req.now) };
}

function parseJson(req: ApiRequest): Json {
  try {
    const parsed: unknown = JSON.parse(req.body.toString('utf8') || 'null');
    if (!parsed || typeof parsed !== 'object') throw new Error('the body is not a JSON object');
    return parsed as Json;
  } catch (err) {
    throw new PostDataInvalid(`JSON for post data was invalid,${(err as Error).message.replace(/^Unexpected/, ' Unexpected')}`);
  }
}

/** Xero accepts `{Invoices: [...]}`, a bare array, or one document object. */
function itemsOf(body: Json | unknown[], key: string): Json[] {
  if (Array.isArray(body)) return body as Json[];
  const list = (body as Json)[key];
  if (Array.isArray(list)) return list as Json[];
  return [body as Json];
}

function unitdpOf(req: ApiRequest): 2 | 4 {
  return req.query.get('unitdp') === '4' ? 4 : 2;
}

const summarize = (req: ApiRequest): boolean => (req.query.get('summarizeErrors') ?? 'true').toLowerCase() !== 'false';

function validationException(elements: Json[]): ApiResponse {
  return {
    status: 400,
    reason: 'validation',
    body: { ErrorNumber: 10, Type: 'ValidationException', Message: 'A validation exception occurred', Elements: elements },
  };
}

function messages(errors: string[]): Json[] {
  return errors.map((Message) => ({ Message }));
}

export interface AccountingDeps {
  validator: SchemaValidator;
  /** Lists by scanning every document or contact instead of narrowing by the indexes: the reference they are tested against. */
  scan?: boolean;
}

export function handleAccounting(req: ApiRequest, deps: AccountingDeps): ApiResponse {
  try {
    return route(req, deps);
  } catch (err) {
    if (err instanceof PostDataInvalid) {
      return { status: 400, reason: 'invalid-body', body: { ErrorNumber: 14, Type: 'PostDataInvalidException', Message: err.message } };
    }
    if (err instanceof WhereParseError) {
      return { status: 400, reason: 'invalid-query', body: { ErrorNumber: 16, Type: 'QueryParseException', Message: `Invalid where clause: ${err.message}` } };
    }
    throw err;
  }
}

function route(req: ApiRequest, deps: AccountingDeps): ApiResponse {
  const [resource = '', id, sub, subId, extra] = req.segments;
  const r = resource.toLowerCase();
  const m = req.method;
  if (extra !== undefined) return notFound();
  switch (r) {
    case 'organisation':
    case 'organisations':
      return m === 'GET' && !id ? { status: 200, body: { ...envelope(req), Organisations: [renderOrganisation(req.tenant)] } } : notFound();
    case 'taxrates':
      return m === 'GET' && !sub ? listReference(req, 'TaxRates', req.tenant.taxRates.map(renderTaxRate), id, 'TaxType') : notFound();
    case 'accounts':
      return m === 'GET' && !sub
        ? listReference(
            req,
            'Accounts',
            req.tenant.accounts.map((a) => renderAccount(a, req.tenant.createdDateUTC)),
            id,
            'AccountID',
          )
        : notFound();
    case 'currencies':
      return m === 'GET' && !id
        ? listReference(
            req,
            'Currencies',
            req.tenant.currencies.map((c) => ({ Code: c.Code, Description: c.Description })),
            undefined,
            'Code',
          )
        : notFound();
    case 'trackingcategories': {
      if (m !== 'GET' || sub) return notFound();
      const all = req.tenant.trackingCategories.filter((c) => c.Status === 'ACTIVE' || req.query.get('includeArchived') === 'true');
      return listReference(req, 'TrackingCategories', all.map(renderTrackingCategory), id, 'TrackingCategoryID');
    }
    case 'contacts':
      if (sub) return notFound();
      if (m === 'GET') return id ? getContact(req, id) : listContacts(req, deps);
      if (m === 'PUT' && !id) return saveContacts(req, deps, 'create');
      if (m === 'POST') return saveContacts(req, deps, 'upsert', id);
      return notFound();
    case 'invoices':
    case 'creditnotes': {
      const kind: DocKind = r === 'invoices' ? 'invoice' : 'creditNote';
      if (sub?.toLowerCase() === 'attachments') return attachments(req, kind, id!, subId);
      if (sub?.toLowerCase() === 'allocations' && kind === 'creditNote') {
        if (m === 'PUT' && !subId) return allocate(req, deps, id!);
        if (m === 'DELETE' && subId) return deleteAllocation(req, id!, subId);
        return notFound();
      }
      if (sub) return notFound();
      if (m === 'GET') return id ? getDocument(req, kind, id) : listDocuments(req, kind, deps);
      if (m === 'PUT' && !id) return saveDocuments(req, deps, kind, 'create');
      if (m === 'POST') return saveDocuments(req, deps, kind, 'upsert', id);
      return notFound();
    }
    default:
      return notFound();
  }
}

function listReference(req: ApiRequest, key: string, items: Json[], id: string | undefined, idField: string): ApiResponse {
  let out = items;
  if (id) {
    out = items.filter((i) => String(i[idField]).toLowerCase() === id.toLowerCase() || String(i.Code ?? '') === id);
    if (out.length === 0) return notFound();
  }
  const where = req.query.get('where');
  if (where) {
    const pred = compileWhere(where);
    out = out.filter((i) => pred(i));
  }
  return { status: 200, body: { ...envelope(req), [key]: out } };
}

// ---------- documents ----------

function findDocument(t: TenantState, kind: DocKind, idOrNumber: string): DocumentRec | undefined {
  const map = docMap(t, kind);
  if (isGuid(idOrNumber)) {
    const byId = map.get(idOrNumber.toLowerCase());
    if (byId) return byId;
  }
  if (kind === 'invoice') {
    const id = t.invoiceNumbers.get(idOrNumber.toUpperCase());
    if (id) return map.get(id);
  }
  const index = t.index.documents(kind);
  return index.first(index.lookup('#number', idOrNumber.toUpperCase()));
}

function getDocument(req: ApiRequest, kind: DocKind, id: string): ApiResponse {
  const d = findDocument(req.tenant, kind, id);
  if (!d) return notFound();
  const key = kind === 'invoice' ? 'Invoices' : 'CreditNotes';
  return { status: 200, body: { ...envelope(req), [key]: [renderDocument(d, req.tenant, unitdpOf(req))] } };
}

function listParam(q: URLSearchParams, name: string): string[] | undefined {
  const v = q.get(name);
  return v
    ? v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : undefined;
}

function applyOrder<T>(items: T[], order: string | null, view: (i: T) => Json): T[] {
  if (!order) return items;
  const [field, dir] = order.trim().split(/\s+/);
  const sign = dir?.toUpperCase() === 'DESC' ? -1 : 1;
  return [...items].sort((a, b) => {
    const x = view(a)[field] as string | number | undefined;
    const y = view(b)[field] as string | number | undefined;
    if (x === y) return 0;
    if (x === undefined || x === null) return 1;
    if (y === undefined || y === null) return -1;
    return (x < y ? -1 : 1) * sign;
  });
}

function paginate<T>(req: ApiRequest, items: T[]): { items: T[]; pagination?: Json } {
  const pageRaw = req.query.get('page');
  if (!pageRaw) return { items };
  const page = Math.max(1, Number.parseInt(pageRaw, 10) || 1);
  const pageSize = Math.min(1000, Math.max(1, Number.parseInt(req.query.get('pageSize') ?? '100', 10) || 100));
  return {
    items: items.slice((page - 1) * pageSize, page * pageSize),
    pagination: { page, pageSize, pageCount: Math.ceil(items.length / pageSize), itemCount: items.length },
  };
}

function modifiedSince(req: ApiRequest): number | undefined {
  const h = req.headers['if-modified-since'];
  const v = Array.isArray(h) ? h[0] : h;
  const ms = v ? Date.parse(v) : NaN;
  return Number.isNaN(ms) ? undefined : ms;
}

function listDocuments(req: ApiRequest, kind: DocKind, deps: AccountingDeps): ApiResponse {
  const t = req.tenant;
  const q = req.query;
  const ids = listParam(q, 'IDs')?.map((s) => s.toLowerCase());
  const numbers = listParam(q, kind === 'invoice' ? 'InvoiceNumbers' : 'CreditNoteNumbers')?.map((s) => s.toUpperCase());
  const contactIds = listParam(q, 'ContactIDs')?.map((s) => s.toLowerCase());
  const statuses = listParam(q, 'Statuses')?.map((s) => s.toUpperCase());
  const since = modifiedSince(req);
  const where = q.get('where');
  const compiled = where ? compileWhereQuery(where) : undefined;
  // The indexes narrow to a superset of the answer; the filters below decide, as they do over a scan.
  const index = t.index.documents(kind);
  let docs = deps.scan
    ? [...docMap(t, kind).values()]
    : index.select([
        ids && new Set(ids),
        numbers && index.lookupAny('#number', numbers),
        contactIds && index.lookupAny('Contact.ContactID', contactIds),
        statuses &&
          index.lookupAny(
            'Status',
            statuses.map((s) => s.toLowerCase()),
          ),
        since === undefined ? undefined : index.modifiedAfter(since),
        index.planned(compiled?.plan),
      ]);
  if (ids) docs = docs.filter((d) => ids.includes(d.id));
  if (numbers) docs = docs.filter((d) => numbers.includes(d.Number.toUpperCase()));
  if (contactIds) docs = docs.filter((d) => contactIds.includes(d.ContactID.toLowerCase()));
  if (statuses) docs = docs.filter((d) => statuses.includes(d.Status));
  if (since !== undefined) docs = docs.filter((d) => d.UpdatedDateUTC > since);
  if (compiled) docs = docs.filter((d) => compiled.matches(whereView(d, t)));
  const searchTerm = q.get('searchTerm')?.toLowerCase();
  if (searchTerm) docs = docs.filter((d) => d.Number.toLowerCase().includes(searchTerm) || (d.Reference ?? '').toLowerCase().includes(searchTerm));
  docs = applyOrder(docs, q.get('order'), (d) => whereView(d, t));
  const { items, pagination } = paginate(req, docs);
  const summaryOnly = q.get('summaryOnly') === 'true';
  const key = kind === 'invoice' ? 'Invoices' : 'CreditNotes';
  return {
    status: 200,
    body: { ...envelope(req), ...(pagination ? { pagination } : {}), [key]: items.map((d) => renderDocument(d, t, unitdpOf(req), !summaryOnly)) },
  };
}

function nextNumber(t: TenantState, kind: DocKind): string {
  for (;;) {
    const n = kind === 'invoice' ? `INV-${String(t.nextInvoiceNumber++).padStart(4, '0')}` : `CN-${String(t.nextCreditNoteNumber++).padStart(4, '0')}`;
    tenantChanged(t);
    if (!findDocument(t, kind, n)) return n;
  }
}

function createContactFrom(t: TenantState, now: number, c: { Name: string; ContactNumber?: string; EmailAddress?: string }): ContactRec {
  const rec: ContactRec = { ContactID: randomUUID(), ...c, ContactStatus: 'ACTIVE', IsCustomer: true, IsSupplier: false, UpdatedDateUTC: now };
  storeContact(t, rec);
  return rec;
}

interface ItemResult {
  input: Json;
  errors: string[];
  rendered?: Json;
}

function saveDocuments(req: ApiRequest, deps: AccountingDeps, kind: DocKind, mode: 'create' | 'upsert', pathId?: string): ApiResponse {
  const t = req.tenant;
  const key = kind === 'invoice' ? 'Invoices' : 'CreditNotes';
  const schema: SchemaName = kind === 'invoice' ? 'Invoice' : 'CreditNote';
  const idField = kind === 'invoice' ? 'InvoiceID' : 'CreditNoteID';
  const numberField = kind === 'invoice' ? 'InvoiceNumber' : 'CreditNoteNumber';
  const unitdp = unitdpOf(req);
  const today = todayOf(req.now);
  const items = itemsOf(parseJson(req), key);
  const results: ItemResult[] = [];
  let mutated = false;
  for (const input of items) {
    const schemaErrors = deps.validator.validate(schema, input);
    if (schemaErrors.length > 0) {
      results.push({ input, errors: schemaErrors });
      continue;
    }
    let existing: DocumentRec | undefined;
    const givenId = pathId ?? (typeof input[idField] === 'string' ? (input[idField] as string) : undefined);
    if (givenId) {
      existing = findDocument(t, kind, givenId);
      if (!existing) {
        results.push({ input, errors: [`${kind === 'invoice' ? 'Invoice' : 'Credit Note'} could not be found`] });
        continue;
      }
    } else if (mode === 'upsert' && typeof input[numberField] === 'string' && (kind === 'creditNote' || input.Type === 'ACCREC' || input.Type === undefined)) {
      existing = findDocument(t, kind, input[numberField] as string);
    }
    const contact = input.Contact !== undefined || !existing ? resolveDocumentContact(t, input.Contact) : undefined;
    const outcome = checkDocument(input, existing, { tenant: t, kind, unitdp, today, contact });
    if (!outcome.draft) {
      results.push({ input, errors: outcome.errors });
      continue;
    }
    const draft = outcome.draft;
    if (contact?.ok && contact.create) draft.ContactID = createContactFrom(t, req.now, contact.create).ContactID;
    if (!draft.Number && (draft.Type === 'ACCREC' || draft.Type === 'ACCRECCREDIT')) draft.Number = nextNumber(t, kind);
    const previousLines = new Map(existing?.LineItems.map((l) => [l.LineItemID, l]) ?? []);
    for (const l of draft.LineItems) if (!l.LineItemID || !previousLines.has(l.LineItemID)) l.LineItemID = randomUUID();
    const doc: DocumentRec = {
      ...draft,
      id: existing?.id ?? randomUUID(),
      Attachments: existing?.Attachments ?? [],
      Allocations: existing?.Allocations ?? [],
      Payments: existing?.Payments ?? [],
      CreatedDateUTC: existing?.CreatedDateUTC ?? req.now,
      UpdatedDateUTC: req.now,
    };
    if (doc.Status === 'AUTHORISED' && doc.Total === 0 && kind === 'invoice') {
      doc.Status = 'PAID';
      doc.FullyPaidOnDate = doc.Date;
    }
    if (existing && kind === 'invoice' && existing.Number && existing.Type === 'ACCREC') t.invoiceNumbers.delete(existing.Number.toUpperCase());
    if (kind === 'invoice' && doc.Type === 'ACCREC' && doc.Number && doc.Status !== 'DELETED') t.invoiceNumbers.set(doc.Number.toUpperCase(), doc.id);
    storeDocument(t, doc);
    mutated = true;
    results.push({ input, errors: [], rendered: renderDocument(doc, t, unitdp) });
  }
  return batchAnswer(req, key, results, mutated, (input) => ({ ...input, [idField]: ZERO_GUID }), 'HasErrors');
}

function batchAnswer(
  req: ApiRequest,
  key: string,
  results: ItemResult[],
  mutated: boolean,
  echo: (input: Json) => Json,
  errorFlag: 'HasErrors' | 'HasValidationErrors',
): ApiResponse {
  if (!summarize(req)) {
    const out = results.map((r) =>
      r.rendered
        ? { ...r.rendered, StatusAttributeString: 'OK', [errorFlag]: false, ValidationErrors: [] }
        : { ...echo(r.input), StatusAttributeString: 'ERROR', [errorFlag]: true, ValidationErrors: messages(r.errors) },
    );
    const anyError = results.some((r) => !r.rendered);
    return { status: 200, mutated, reason: anyError ? 'validation' : undefined, body: { ...envelope(req), [key]: out } };
  }
  const failed = results.filter((r) => !r.rendered);
  if (failed.length > 0) {
    // As in Xero: the valid items of the batch were stored even though the answer is a 400.
    const res = validationException(failed.map((r) => ({ ...echo(r.input), [errorFlag]: true, ValidationErrors: messages(r.errors) })));
    return { ...res, mutated };
  }
  return { status: 200, mutated, body: { ...envelope(req), [key]: results.map((r) => r.rendered) } };
}

// ---------- allocations ----------

function allocate(req: ApiRequest, deps: AccountingDeps, creditNoteId: string): ApiResponse {
  const t = req.tenant;
  const cn = findDocument(t, 'creditNote', creditNoteId);
  if (!cn) return notFound();
  const items = itemsOf(parseJson(req), 'Allocations');
  const results: ItemResult[] = [];
  let mutated = false;
  const today = todayOf(req.now);
  for (const input of items) {
    const schemaErrors = deps.validator.validate('Allocation', input);
    if (schemaErrors.length > 0) {
      results.push({ input, errors: schemaErrors });
      continue;
    }
    const invRef = (input.Invoice ?? {}) as Json;
    const invKey = typeof invRef.InvoiceID === 'string' ? invRef.InvoiceID : typeof invRef.InvoiceNumber === 'string' ? invRef.InvoiceNumber : '';
    const invoice = invKey ? findDocument(t, 'invoice', invKey) : undefined;
    const check = checkAllocation(cn, invoice, input, t, today);
    if (check.errors.length > 0 || !invoice || check.amount === undefined || !check.date) {
      results.push({ input, errors: check.errors });
      continue;
    }
    const alloc = { AllocationID: randomUUID(), InvoiceID: invoice.id, CreditNoteID: cn.id, Amount: check.amount, Date: check.date };
    cn.Allocations.push(alloc);
    invoice.Allocations.push(alloc);
    cn.AmountAllocated = roundMoney(cn.AmountAllocated + alloc.Amount, 2);
    invoice.AmountAllocated = roundMoney(invoice.AmountAllocated + alloc.Amount, 2);
    for (const d of [cn, invoice]) {
      d.UpdatedDateUTC = req.now;
      if (amountDue(d) <= 0) {
        d.Status = 'PAID';
        d.FullyPaidOnDate = alloc.Date;
      }
      storeDocument(t, d);
    }
    mutated = true;
    results.push({
      input,
      errors: [],
      rendered: {
        AllocationID: alloc.AllocationID,
        Amount: alloc.Amount,
        Date: msDate(Date.parse(`${alloc.Date}T00:00:00Z`)),
        Invoice: renderDocument(invoice, t, 2, false),
        CreditNote: renderDocument(cn, t, 2, false),
        IsDeleted: false,
      },
    });
  }
  return batchAnswer(req, 'Allocations', results, mutated, (i) => i, 'HasErrors');
}

function deleteAllocation(req: ApiRequest, creditNoteId: string, allocationId: string): ApiResponse {
  const t = req.tenant;
  const cn = findDocument(t, 'creditNote', creditNoteId);
  const alloc = cn?.Allocations.find((a) => a.AllocationID.toLowerCase() === allocationId.toLowerCase());
  if (!cn || !alloc) return notFound();
  const invoice = t.invoices.get(alloc.InvoiceID);
  cn.Allocations = cn.Allocations.filter((a) => a !== alloc);
  cn.AmountAllocated = roundMoney(cn.AmountAllocated - alloc.Amount, 2);
  if (cn.Status === 'PAID') cn.Status = 'AUTHORISED';
  cn.UpdatedDateUTC = req.now;
  storeDocument(t, cn);
  if (invoice) {
    invoice.Allocations = invoice.Allocations.filter((a) => a.AllocationID !== alloc.AllocationID);
    invoice.AmountAllocated = roundMoney(invoice.AmountAllocated - alloc.Amount, 2);
    if (invoice.Status === 'PAID' && amountDue(invoice) > 0) invoice.Status = 'AUTHORISED';
    invoice.UpdatedDateUTC = req.now;
    storeDocument(t, invoice);
  }
  return {
    status: 200,
    mutated: true,
    body: { AllocationID: alloc.AllocationID, Amount: alloc.Amount, IsDeleted: true, Date: msDate(Date.parse(`${alloc.Date}T00:00:00Z`)) },
  };
}

// ---------- attachments ----------

const MIME_BY_EXT: Record<string, string> = {
  pdf: 'application/pdf',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  txt: 'text/plain',
  csv: 'text/csv',
  xml: 'application/xml',
  json: 'application/json',
};

const MAX_ATTACHMENTS = 10;
export const MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024;

function attachments(req: ApiRequest, kind: DocKind, docId: string, fileOrId: string | undefined): ApiResponse {
  const d = findDocument(req.tenant, kind, docId);
  if (!d) return notFound();
  const meta = renderAttachmentMeta(d);
  if (req.method === 'GET') {
    if (!fileOrId) return { status: 200, body: { ...envelope(req), Attachments: d.Attachments.map(meta) } };
    const a = d.Attachments.find((x) => x.FileName === fileOrId || x.AttachmentID.toLowerCase() === fileOrId.toLowerCase());
    if (!a) return notFound();
    return { status: 200, body: Buffer.from(a.content, 'base64'), contentType: a.MimeType };
  }
  if ((req.method !== 'PUT' && req.method !== 'POST') || !fileOrId) return notFound();
  if (req.body.length === 0) {
    return { status: 400, reason: 'validation', body: { ErrorNumber: 10, Type: 'ValidationException', Message: 'The attachment is empty.', Elements: [] } };
  }
  const existing = d.Attachments.find((x) => x.FileName === fileOrId);
  if (!existing && d.Attachments.length >= MAX_ATTACHMENTS) {
    return {
      status: 400,
      reason: 'validation',
      body: { ErrorNumber: 10, Type: 'ValidationException', Message: `A maximum of ${MAX_ATTACHMENTS} attachments can be added to a document.`, Elements: [] },
    };
  }
  const declared = String(req.headers['content-type'] ?? '')
    .split(';')[0]
    .trim();
  const ext = fileOrId.split('.').pop()?.toLowerCase() ?? '';
  const mime =
    declared && declared !== 'application/octet-stream' && declared !== 'application/x-www-form-urlencoded'
      ? declared
      : (MIME_BY_EXT[ext] ?? 'application/octet-stream');
  const rec = {
    AttachmentID: existing?.AttachmentID ?? randomUUID(),
    FileName: fileOrId,
    MimeType: mime,
    ContentLength: req.body.length,
    IncludeOnline: (req.query.get('IncludeOnline') ?? '').toLowerCase() === 'true',
    content: req.body.toString('base64'),
  };
  d.Attachments = [...d.Attachments.filter((x) => x.FileName !== fileOrId), rec];
  d.UpdatedDateUTC = req.now;
  storeDocument(req.tenant, d);
  return { status: 200, mutated: true, body: { ...envelope(req), Attachments: [meta(rec)] } };
}

// ---------- contacts ----------

function findContact(t: TenantState, idOrNumber: string): ContactRec | undefined {
  if (isGuid(idOrNumber)) {
    const c = findContactById(t, idOrNumber);
    if (c) return c;
  }
  return findContactByNumber(t, idOrNumber);
}

function getContact(req: ApiRequest, id: string): ApiResponse {
  const c = findContact(req.tenant, id);
  return c ? { status: 200, body: { ...envelope(req), Contacts: [renderContact(c)] } } : notFound();
}

function listContacts(req: ApiRequest, deps: AccountingDeps): ApiResponse {
  const q = req.query;
  const ids = listParam(q, 'IDs')?.map((s) => s.toLowerCase());
  const since = modifiedSince(req);
  const where = q.get('where');
  const compiled = where ? compileWhereQuery(where) : undefined;
  // As for documents: the indexes narrow, the filters decide.
  const index = req.tenant.index.contacts;
  let list = deps.scan
    ? [...req.tenant.contacts.values()]
    : index.select([ids && index.lookupAny('ContactID', ids), since === undefined ? undefined : index.modifiedAfter(since), index.planned(compiled?.plan)]);
  if (ids) list = list.filter((c) => ids.includes(c.ContactID.toLowerCase()));
  if (q.get('includeArchived') !== 'true') list = list.filter((c) => c.ContactStatus !== 'ARCHIVED');
  if (since !== undefined) list = list.filter((c) => c.UpdatedDateUTC > since);
  if (compiled) list = list.filter((c) => compiled.matches(contactWhereView(c)));
  const term = q.get('searchTerm')?.toLowerCase();
  if (term) {
    list = list.filter((c) => [c.Name, c.FirstName, c.LastName, c.ContactNumber, c.EmailAddress, c.CompanyNumber].some((v) => v?.toLowerCase().includes(term)));
  }
  list = applyOrder(list, q.get('order'), (c) => contactWhereView(c));
  const { items, pagination } = paginate(req, list);
  return { status: 200, body: { ...envelope(req), ...(pagination ? { pagination } : {}), Contacts: items.map(renderContact) } };
}

function saveContacts(req: ApiRequest, deps: AccountingDeps, mode: 'create' | 'upsert', pathId?: string): ApiResponse {
  const t = req.tenant;
  const items = itemsOf(parseJson(req), 'Contacts');
  const results: ItemResult[] = [];
  let mutated = false;
  for (const input of items) {
    const schemaErrors = deps.validator.validate('Contact', input);
    if (schemaErrors.length > 0) {
      results.push({ input, errors: schemaErrors });
      continue;
    }
    let existing: ContactRec | undefined;
    const givenId = pathId ?? (typeof input.ContactID === 'string' ? input.ContactID : undefined);
    if (givenId) {
      existing = findContact(t, givenId);
      if (!existing) {
        results.push({ input, errors: ['Contact could not be found'] });
        continue;
      }
    } else if (mode === 'upsert' && typeof input.ContactNumber === 'string' && input.ContactNumber) {
      existing = findContactByNumber(t, input.ContactNumber);
    }
    const check = checkContact(input, existing, t);
    if (!check.fields) {
      results.push({ input, errors: check.errors });
      continue;
    }
    const rec: ContactRec = existing
      ? { ...existing, ...check.fields, UpdatedDateUTC: req.now }
      : {
          ContactID: randomUUID(),
          IsCustomer: false,
          IsSupplier: false,
          ...check.fields,
          Name: check.fields.Name!,
          ContactStatus: check.fields.ContactStatus ?? 'ACTIVE',
          UpdatedDateUTC: req.now,
        };
    storeContact(t, rec);
    mutated = true;
    results.push({ input, errors: [], rendered: renderContact(rec) });
  }
  return batchAnswer(req, 'Contacts', results, mutated, (i) => ({ ...i, ContactID: ZERO_GUID }), 'HasValidationErrors');
}

// ---------- admin-side operations on documents ----------

/** A payment recorded in Xero by the accountant: the invoice can no longer be edited. */
export function recordPayment(t: TenantState, invoiceId: string, amount: number, date: string, now: number): DocumentRec | string {
  const inv = findDocument(t, 'invoice', invoiceId);
  if (!inv) return 'invoice not found';
  if (inv.Status !== 'AUTHORISED') return `invoice is ${inv.Status}, payments need AUTHORISED`;
  const amt = roundMoney(amount, 2);
  if (amt <= 0 || amt > amountDue(inv)) return `amount must be between 0.01 and ${amountDue(inv)}`;
  inv.Payments.push({ PaymentID: randomUUID(), Amount: amt, Date: date });
  inv.AmountPaid = roundMoney(inv.AmountPaid + amt, 2);
  inv.UpdatedDateUTC = now;
  if (amountDue(inv) <= 0) {
    inv.Status = 'PAID';
    inv.FullyPaidOnDate = date;
  }
  storeDocument(t, inv);
  return inv;
}

/**
 * "Approve" pressed on a draft in Xero: the document becomes AUTHORISED under the rules an API update to
 * that status meets (an invoice needs its due date, a locked period refuses, ...). Returns why not.
 */
export function approveDocument(t: TenantState, kind: DocKind, id: string, now: number): DocumentRec | string {
  const doc = findDocument(t, kind, id);
  if (!doc) return `${kind === 'invoice' ? 'invoice' : 'credit note'} not found`;
  if (doc.Status === 'AUTHORISED') return doc;
  if (doc.Status !== 'DRAFT' && doc.Status !== 'SUBMITTED') return `${doc.Number ?? id} is ${doc.Status} and cannot be approved`;
  const outcome = checkDocument({ Status: 'AUTHORISED' }, doc, { tenant: t, kind, unitdp: 4, today: todayOf(now) });
  if (!outcome.draft) return outcome.errors.join(' ');
  doc.Status = outcome.draft.Status;
  doc.UpdatedDateUTC = now;
  if (doc.Status === 'AUTHORISED' && doc.Total === 0 && kind === 'invoice') {
    doc.Status = 'PAID';
    doc.FullyPaidOnDate = doc.Date;
  }
  storeDocument(t, doc);
  return doc;
}

export { findDocument };
