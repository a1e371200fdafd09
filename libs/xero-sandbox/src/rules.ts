// Xero's business rules for invoices, credit notes, contacts and allocations, as pure functions over a
// tenant's state. They never mutate: the caller stores what they return.
import { computeLine, computeTotals, roundMoney, type ComputedLine, type LineAmountType } from './money';
import { amountDue, type ContactRec, type DocKind, type DocumentRec, type LineRec, type TenantState, type TrackingRef } from './state';

export type Json = Record<string, unknown>;

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const INVOICE_TYPES = ['ACCREC', 'ACCPAY'];
const CREDIT_NOTE_TYPES = ['ACCRECCREDIT', 'ACCPAYCREDIT'];
const LINE_AMOUNT_TYPES: LineAmountType[] = ['Exclusive', 'Inclusive', 'NoTax'];

/** Accepts the forms Xero accepts: 2024-01-31, 2024-01-31T00:00:00, /Date(1706659200000+0000)/. */
export function parseXeroDate(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const ms = /^\/Date\((-?\d+)([+-]\d{4})?\)\/$/.exec(value);
  if (ms) {
    // Past what a Date can hold (about 275,000 years either way) it is no date: refused, never a 500.
    const at = new Date(Number(ms[1]));
    return Number.isNaN(at.getTime()) ? undefined : at.toISOString().slice(0, 10);
  }
  const iso = /^(\d{4})-(\d{2})-(\d{2})(?:[T ][0-9:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$/.exec(value);
  if (!iso) return undefined;
  const d = new Date(Date.UTC(Number(iso[1]), Number(iso[2]) - 1, Number(iso[3])));
  // A day or a month the calendar lacks (2026-02-30, 2026-13-01) rolls over in Date.UTC: refused instead.
  return d.getUTCDate() === Number(iso[3]) && d.getUTCMonth() === Number(iso[2]) - 1 ? d.toISOString().slice(0, 10) : undefined;
}

export function formatLockDate(isoDate: string): string {
  const [y, m, d] = isoDate.split('-');
  return `${d}-${MONTHS[Number(m) - 1]}-${y}`;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const isGuid = (v: string): boolean => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v);

export type ContactResolution =
  { ok: true; contactId: string; create?: { Name: string; ContactNumber?: string; EmailAddress?: string } } | { ok: false; message: string };

/** How Xero matches the Contact on a document: ContactID, then ContactNumber, then Name (creating it if new). */
export function resolveDocumentContact(tenant: TenantState, input: unknown): ContactResolution {
  if (!input || typeof input !== 'object') return { ok: false, message: 'A Contact must be specified for this type of transaction' };
  const c = input as Json;
  const id = str(c.ContactID);
  if (id) {
    const found = findContactById(tenant, id);
    return found ? { ok: true, contactId: found.ContactID } : { ok: false, message: `The contact with ContactID ${id} could not be found.` };
  }
  const number = str(c.ContactNumber);
  if (number) {
    const found = findContactByNumber(tenant, number);
    if (found) return { ok: true, contactId: found.ContactID };
  }
  const name = str(c.Name)?.trim();
  if (name) {
    const found = findActiveContactByName(tenant, name);
    if (found) return { ok: true, contactId: found.ContactID };
    return { ok: true, contactId: '', create: { Name: name, ContactNumber: number, EmailAddress: str(c.EmailAddress) } };
  }
  if (number) return { ok: false, message: `The contact with ContactNumber ${number} could not be found.` };
  return { ok: false, message: 'A Contact must be specified for this type of transaction' };
}

/** By id, ignoring case. */
export function findContactById(tenant: TenantState, id: string): ContactRec | undefined {
  const { contacts } = tenant.index;
  return tenant.contacts.get(id.toLowerCase()) ?? contacts.first(contacts.lookup('ContactID', id.toLowerCase()));
}

/** The first active contact with this number (ignoring case), else the first archived one. */
export function findContactByNumber(tenant: TenantState, number: string): ContactRec | undefined {
  const { contacts } = tenant.index;
  const holders = contacts.lookup('ContactNumber', number.toLowerCase());
  return contacts.first(holders, (c) => c.ContactStatus === 'ACTIVE') ?? contacts.first(holders);
}

export function findActiveContactByName(tenant: TenantState, name: string, exceptId?: string): ContactRec | undefined {
  const { contacts } = tenant.index;
  return contacts.first(contacts.lookup('#name', name.trim().toLowerCase()), (c) => c.ContactStatus === 'ACTIVE' && c.ContactID !== exceptId);
}

export interface DocumentRuleContext {
  tenant: TenantState;
  kind: DocKind;
  unitdp: 2 | 4;
  today: string;
  contact?: ContactResolution;
}

export type DocumentDraft = Omit<DocumentRec, 'id' | 'Attachments' | 'Allocations' | 'Payments' | 'CreatedDateUTC' | 'UpdatedDateUTC'>;

export interface DocumentOutcome {
  errors: string[];
  draft?: DocumentDraft;
}

const ALLOWED_TRANSITIONS: Record<string, string[]> = {
  DRAFT: ['DRAFT', 'SUBMITTED', 'AUTHORISED', 'DELETED'],
  SUBMITTED: ['DRAFT', 'SUBMITTED', 'AUTHORISED', 'DELETED'],
  AUTHORISED: ['AUTHORISED', 'VOIDED'],
  PAID: [],
  VOIDED: [],
  DELETED: [],
};

function lineInput(l: LineRec): Json {
  return { ...l, Tracking: l.Tracking.map((t) => ({ Name: t.Name, Option: t.Option })) };
}

/**
 * Validates one invoice or credit note (new, or `existing` being updated) and computes what Xero would
 * store. The Total a client sends is ignored; tax is computed per line, rounded, then summed.
 */
export function checkDocument(input: Json, existing: DocumentRec | undefined, ctx: DocumentRuleContext): DocumentOutcome {
  const { tenant, kind } = ctx;
  const errors: string[] = [];
  const label = kind === 'invoice' ? 'Invoice' : 'Credit Note';
  const types = kind === 'invoice' ? INVOICE_TYPES : CREDIT_NOTE_TYPES;

  if (existing) {
    if (existing.AmountPaid > 0 || existing.AmountAllocated > 0) {
      return { errors: ['This document cannot be edited as it has a payment or credit note allocated to it.'] };
    }
    if (ALLOWED_TRANSITIONS[existing.Status]?.length === 0) {
      return { errors: [`${label} not of valid status for modification`] };
    }
  }

  const type = str(input.Type) ?? existing?.Type;
  if (!type) errors.push(`${label} Type must be specified`);
  else if (!types.includes(type)) errors.push(`${label} Type '${type}' is not valid for this document.`);
  const isSales = type === 'ACCREC' || type === 'ACCRECCREDIT';

  const status = str(input.Status) ?? existing?.Status ?? 'DRAFT';
  if (!existing && !['DRAFT', 'SUBMITTED', 'AUTHORISED'].includes(status)) {
    errors.push(`${label} not of valid status for creation`);
  } else if (existing && !ALLOWED_TRANSITIONS[existing.Status]?.includes(status)) {
    errors.push(`${label} not of valid status for modification`);
  }

  let contactId = existing?.ContactID ?? '';
  if (input.Contact !== undefined || !existing) {
    const res = ctx.contact ?? resolveDocumentContact(tenant, input.Contact);
    if (!res.ok) errors.push(res.message);
    else contactId = res.contactId;
  }

  const rawDate = input.Date;
  const date = rawDate === undefined || rawDate === null ? (existing?.Date ?? ctx.today) : parseXeroDate(rawDate);
  if (!date) errors.push(`The date '${String(rawDate)}' is not a valid date.`);
  const rawDue = input.DueDate;
  const dueDate = rawDue === undefined || rawDue === null ? existing?.DueDate : parseXeroDate(rawDue);
  if (rawDue !== undefined && rawDue !== null && !dueDate) errors.push(`The due date '${String(rawDue)}' is not a valid date.`);
  if (kind === 'invoice' && !dueDate && (status === 'SUBMITTED' || status === 'AUTHORISED')) {
    errors.push('Due Date must be specified.');
  }
  for (const d of new Set([date, existing?.Date])) {
    if (!d) continue;
    if (tenant.endOfYearLockDate && d <= tenant.endOfYearLockDate) {
      errors.push(`The document date cannot be before the end of year lock date, currently set at ${formatLockDate(tenant.endOfYearLockDate)}`);
      break;
    }
    if (tenant.periodLockDate && d <= tenant.periodLockDate) {
      errors.push(`The document date cannot be before the period lock date, currently set at ${formatLockDate(tenant.periodLockDate)}`);
      break;
    }
  }

  const currencyCode = str(input.CurrencyCode) ?? existing?.CurrencyCode ?? tenant.baseCurrency;
  const currency = tenant.currencies.find((c) => c.Code === currencyCode);
  if (!currency) errors.push(`Organisation is not subscribed to currency ${currencyCode}`);
  let currencyRate = currencyCode === tenant.baseCurrency ? 1 : (num(input.CurrencyRate) ?? existing?.CurrencyRate ?? currency?.rate ?? 1);
  if (currencyRate <= 0) {
    errors.push('The currency rate must be greater than zero.');
    currencyRate = 1;
  }

  const lat = (str(input.LineAmountTypes) ?? existing?.LineAmountTypes ?? 'Exclusive') as LineAmountType;
  if (!LINE_AMOUNT_TYPES.includes(lat)) errors.push(`LineAmountTypes '${lat}' is not valid.`);

  let number = str(kind === 'invoice' ? input.InvoiceNumber : input.CreditNoteNumber) ?? existing?.Number ?? '';
  if (number.length > 255) errors.push(`${kind === 'invoice' ? 'Invoice' : 'Credit Note'} Number must be no more than 255 characters long.`);
  number = number.trim();
  if (kind === 'invoice' && type === 'ACCREC' && number) {
    const holder = tenant.invoiceNumbers.get(number.toUpperCase());
    if (holder && holder !== existing?.id) errors.push('Invoice # must be unique.');
  }

  const rawLines = Array.isArray(input.LineItems) ? (input.LineItems as Json[]) : existing ? existing.LineItems.map(lineInput) : [];
  if (rawLines.length === 0 && status !== 'DELETED' && status !== 'VOIDED') errors.push('At least one line item must be specified.');
  const lines: LineRec[] = [];
  const computed: ComputedLine[] = [];
  rawLines.forEach((raw, i) => {
    const r = checkLine(raw, i, { tenant, isSales, status, lat: LINE_AMOUNT_TYPES.includes(lat) ? lat : 'Exclusive', unitdp: ctx.unitdp, kind, type });
    errors.push(...r.errors);
    if (r.line && r.computed) {
      lines.push(r.line);
      computed.push(r.computed);
    }
  });
  const totals = computeTotals(computed, lat);
  if (totals.Total < 0) errors.push(`The ${kind === 'invoice' ? 'invoice' : 'credit note'} total must be greater than or equal to zero.`);

  if (errors.length > 0 || !type || !date) return { errors: [...new Set(errors)] };
  return {
    errors: [],
    draft: {
      kind,
      Type: type,
      Number: number,
      Reference: str(input.Reference) ?? existing?.Reference,
      ContactID: contactId,
      Date: date,
      DueDate: dueDate,
      Status: status,
      LineAmountTypes: lat,
      CurrencyCode: currencyCode,
      CurrencyRate: currencyRate,
      LineItems: lines,
      ...totals,
      AmountPaid: existing?.AmountPaid ?? 0,
      AmountAllocated: existing?.AmountAllocated ?? 0,
      Url: str(input.Url) ?? existing?.Url,
      SentToContact: typeof input.SentToContact === 'boolean' ? input.SentToContact : existing?.SentToContact,
      BrandingThemeID: str(input.BrandingThemeID) ?? existing?.BrandingThemeID,
      ExpectedPaymentDate: parseXeroDate(input.ExpectedPaymentDate) ?? existing?.ExpectedPaymentDate,
    },
  };
}

interface LineContext {
  tenant: TenantState;
  isSales: boolean;
  status: string;
  lat: LineAmountType;
  unitdp: 2 | 4;
  kind: DocKind;
  type: string | undefined;
}

function checkLine(raw: Json, index: number, ctx: LineContext): { errors: string[]; line?: LineRec; computed?: ComputedLine } {
  const { tenant } = ctx;
  const errors: string[] = [];
  const description = str(raw.Description);
  const itemCode = str(raw.ItemCode);
  if (!description?.trim() && !itemCode) errors.push('The description field is mandatory for each line item.');
  if (itemCode && itemCode.length > 30) errors.push(`Item code '${itemCode}' must be no more than 30 characters long.`);
  for (const f of ['Quantity', 'UnitAmount', 'LineAmount', 'DiscountRate', 'DiscountAmount', 'TaxAmount']) {
    if (raw[f] !== undefined && raw[f] !== null && num(raw[f]) === undefined) errors.push(`Line ${index + 1}: ${f} must be a number.`);
  }
  const hasDiscount = (num(raw.DiscountRate) ?? 0) !== 0 || (num(raw.DiscountAmount) ?? 0) !== 0;
  if (hasDiscount && ctx.type === 'ACCPAY') errors.push('Discounts may not be applied to ACCPAY invoices.');

  const accountCode = str(raw.AccountCode);
  const account = accountCode !== undefined ? tenant.accounts.find((a) => a.Code === accountCode) : undefined;
  if (accountCode !== undefined) {
    if (!account || account.Type === 'BANK' || (account.SystemAccount && account.SystemAccount !== 'ROUNDING')) {
      errors.push(`Account code '${accountCode}' is not a valid code for this document.`);
    } else if (account.Status !== 'ACTIVE') {
      errors.push(`Account code '${accountCode}' has been archived, or has been deleted. Each line item must reference a valid account.`);
    }
  } else if (ctx.status === 'SUBMITTED' || ctx.status === 'AUTHORISED') {
    errors.push('Account code must be specified for each line item.');
  }

  let taxType = str(raw.TaxType);
  if (!taxType) taxType = ctx.lat === 'NoTax' ? 'NONE' : (account?.TaxType ?? tenant.defaultSalesTax);
  const taxRate = tenant.taxRates.find((t) => t.TaxType === taxType);
  const suits = taxRate && taxRate.Status === 'ACTIVE' && (ctx.isSales ? taxRate.CanApplyToRevenue : taxRate.CanApplyToExpenses);
  if (taxType && !suits) errors.push(`The TaxType code ${taxType} does not exist or cannot be used for this type of transaction.`);

  const tracking: TrackingRef[] = [];
  const rawTracking = Array.isArray(raw.Tracking) ? (raw.Tracking as Json[]) : [];
  if (rawTracking.length > 2) errors.push('A line item can have a maximum of 2 tracking categories.');
  for (const t of rawTracking.slice(0, 2)) {
    const catKey = str(t.TrackingCategoryID)?.toLowerCase();
    const name = str(t.Name)?.toLowerCase();
    const cat = tenant.trackingCategories.find((c) => (catKey ? c.TrackingCategoryID === catKey : c.Name.toLowerCase() === name));
    if (!cat || cat.Status !== 'ACTIVE') {
      errors.push(`Tracking category '${str(t.Name) ?? catKey ?? ''}' does not exist.`);
      continue;
    }
    const optKey = str(t.TrackingOptionID)?.toLowerCase();
    const optName = str(t.Option)?.toLowerCase();
    const opt = cat.Options.find((o) => (optKey ? o.TrackingOptionID === optKey : o.Name.toLowerCase() === optName));
    if (!opt || opt.Status !== 'ACTIVE') {
      errors.push(`The tracking option '${str(t.Option) ?? optKey ?? ''}' is not valid for tracking category '${cat.Name}'.`);
      continue;
    }
    tracking.push({ TrackingCategoryID: cat.TrackingCategoryID, TrackingOptionID: opt.TrackingOptionID, Name: cat.Name, Option: opt.Name });
  }

  const c = computeLine(
    {
      Quantity: num(raw.Quantity),
      UnitAmount: num(raw.UnitAmount),
      LineAmount: num(raw.LineAmount),
      DiscountRate: num(raw.DiscountRate),
      DiscountAmount: num(raw.DiscountAmount),
      TaxAmount: num(raw.TaxAmount),
    },
    suits ? taxRate.Rate : 0,
    ctx.lat,
    ctx.unitdp,
  );
  errors.push(...c.errors);
  if (errors.length > 0) return { errors };
  const lineItemId = str(raw.LineItemID);
  return {
    errors,
    computed: c,
    line: {
      LineItemID: lineItemId && isGuid(lineItemId) ? lineItemId : '',
      Description: description,
      Quantity: c.quantity,
      UnitAmount: c.unitAmount,
      ItemCode: itemCode,
      AccountCode: accountCode,
      AccountID: account?.AccountID,
      TaxType: taxType,
      TaxAmount: c.taxAmount,
      LineAmount: c.lineAmount,
      DiscountRate: num(raw.DiscountRate),
      DiscountAmount: num(raw.DiscountAmount),
      Tracking: tracking,
    },
  };
}

export interface ContactDraft {
  fields: Partial<ContactRec>;
}

/** A contact create or update: the name is required and unique among active contacts. */
export function checkContact(input: Json, existing: ContactRec | undefined, tenant: TenantState): { errors: string[]; fields?: Partial<ContactRec> } {
  const errors: string[] = [];
  const name = (str(input.Name) ?? existing?.Name ?? '').trim();
  const status = (str(input.ContactStatus) ?? existing?.ContactStatus ?? 'ACTIVE') as ContactRec['ContactStatus'];
  if (!['ACTIVE', 'ARCHIVED', 'GDPRREQUEST'].includes(status)) errors.push(`ContactStatus '${status}' is not valid.`);
  if (!name) errors.push('The contact name must be specified.');
  else if (name.length > 255) errors.push('The contact name must be no more than 255 characters long.');
  else if (status === 'ACTIVE' && findActiveContactByName(tenant, name, existing?.ContactID)) {
    errors.push(`The contact name ${name} is already assigned to another contact. The contact name must be unique across all active contacts.`);
  }
  const number = str(input.ContactNumber);
  if (number !== undefined && number.length > 50) errors.push('The ContactNumber must be no more than 50 characters long.');
  const email = str(input.EmailAddress);
  if (email && !/^[^@\s]+@[^@\s]+$/.test(email)) errors.push('Email address must be valid.');
  const currency = str(input.DefaultCurrency);
  if (currency && !tenant.currencies.some((c) => c.Code === currency)) errors.push(`Organisation is not subscribed to currency ${currency}`);
  if (errors.length > 0) return { errors };
  const fields: Partial<ContactRec> = { Name: name, ContactStatus: status };
  for (const k of [
    'ContactNumber',
    'AccountNumber',
    'FirstName',
    'LastName',
    'EmailAddress',
    'CompanyNumber',
    'TaxNumber',
    'DefaultCurrency',
    'AccountsReceivableTaxType',
    'SalesDefaultAccountCode',
  ] as const) {
    const v = str(input[k]);
    if (v !== undefined) fields[k] = v;
  }
  for (const k of ['IsCustomer', 'IsSupplier'] as const) if (typeof input[k] === 'boolean') fields[k] = input[k] as boolean;
  if (Array.isArray(input.Addresses)) fields.Addresses = input.Addresses;
  if (Array.isArray(input.Phones)) fields.Phones = input.Phones;
  return { errors, fields };
}

/** A credit note allocated to an invoice: same contact and currency, both approved, within what is left. */
export function checkAllocation(
  creditNote: DocumentRec,
  invoice: DocumentRec | undefined,
  input: Json,
  tenant: TenantState,
  today: string,
): { errors: string[]; amount?: number; date?: string } {
  const errors: string[] = [];
  const amount = num(input.Amount);
  if (amount === undefined || amount <= 0) errors.push('Amount must be greater than zero.');
  const rawDate = input.Date;
  const date = rawDate === undefined || rawDate === null ? today : parseXeroDate(rawDate);
  if (!date) errors.push(`The date '${String(rawDate)}' is not a valid date.`);
  if (!invoice) {
    errors.push('Invoice could not be found.');
    return { errors };
  }
  if (creditNote.Status !== 'AUTHORISED') errors.push('Credit note must be AUTHORISED before it can be allocated.');
  if (invoice.Status === 'PAID' || (invoice.Status === 'AUTHORISED' && amountDue(invoice) <= 0)) {
    errors.push('The invoice you are trying to allocate to has already been paid off');
  } else if (invoice.Status !== 'AUTHORISED') errors.push('Invoice must be AUTHORISED before a credit note can be allocated to it.');
  const salesPair = (creditNote.Type === 'ACCRECCREDIT') === (invoice.Type === 'ACCREC');
  if (!salesPair) errors.push('The credit note type does not match the invoice type.');
  if (invoice.ContactID !== creditNote.ContactID) errors.push('The credit note and the invoice must be for the same contact.');
  if (invoice.CurrencyCode !== creditNote.CurrencyCode) errors.push('The credit note and the invoice must be in the same currency.');
  if (amount !== undefined && amount > 0) {
    const rounded = roundMoney(amount, 2);
    if (errors.length === 0 && rounded > amountDue(invoice)) {
      errors.push('Credit Note cannot be allocated as amount is greater than amount outstanding');
    } else if (rounded > amountDue(creditNote)) {
      errors.push('Allocation amount cannot be greater than the remaining credit on the credit note.');
    }
  }
  if (date) {
    if (tenant.endOfYearLockDate && date <= tenant.endOfYearLockDate) {
      errors.push(`The document date cannot be before the end of year lock date, currently set at ${formatLockDate(tenant.endOfYearLockDate)}`);
    }
  }
  return errors.length ? { errors: [...new Set(errors)] } : { errors, amount: roundMoney(amount!, 2), date: date! };
}
