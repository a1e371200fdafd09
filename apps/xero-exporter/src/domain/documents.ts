// The exporter's view of one document in Xero: the request item built from the mapper's XeroDocument,
// the outcome read from Xero's answer item, the deep link, and whether a change may still be sent.
import type { DocumentType, XeroDocument } from '@lnbx/contracts';
import { CreditNote, CurrencyCode, Invoice, LineAmountTypes, type LineItem } from 'xero-node';

export type XeroItem = Invoice | CreditNote;

const currency = (code: string): CurrencyCode => CurrencyCode[code as keyof typeof CurrencyCode] ?? (code as unknown as CurrencyCode);

function lines(doc: XeroDocument): LineItem[] {
  return doc.lineItems.map((l) => {
    const line: LineItem = { description: l.description, quantity: l.quantity, unitAmount: l.unitAmount, accountCode: l.accountCode, taxType: l.taxType };
    if (l.itemCode !== undefined) line.itemCode = l.itemCode;
    if (l.taxAmount !== undefined) line.taxAmount = l.taxAmount;
    if (l.lineAmount !== undefined) line.lineAmount = l.lineAmount;
    if (l.discountRate !== undefined) line.discountRate = l.discountRate;
    if (l.tracking?.length) line.tracking = l.tracking.map((t) => ({ name: t.name, option: t.option }));
    return line;
  });
}

/** The request item; `xeroId` set to update that document (POST), absent to create it (PUT). */
export function toXeroItem(doc: XeroDocument, contactId: string, xeroId?: string): XeroItem {
  const common = {
    contact: { contactID: contactId },
    date: doc.date,
    currencyCode: currency(doc.currencyCode),
    lineAmountTypes: LineAmountTypes[doc.lineAmountTypes],
    lineItems: lines(doc),
    ...(doc.brandingThemeID ? { brandingThemeID: doc.brandingThemeID } : {}),
  };
  if (doc.type === 'ACCREC') {
    const inv: Invoice = {
      ...common,
      type: Invoice.TypeEnum.ACCREC,
      invoiceNumber: doc.number,
      status: Invoice.StatusEnum[doc.status],
      ...(doc.reference ? { reference: doc.reference } : {}),
      ...(doc.dueDate ? { dueDate: doc.dueDate } : {}),
    };
    if (xeroId) inv.invoiceID = xeroId;
    return inv;
  }
  const cn: CreditNote = {
    ...common,
    type: CreditNote.TypeEnum.ACCRECCREDIT,
    creditNoteNumber: doc.number,
    status: CreditNote.StatusEnum[doc.status],
  };
  if (xeroId) cn.creditNoteID = xeroId;
  return cn;
}

export const ZERO_GUID = '00000000-0000-0000-0000-000000000000';

export interface XeroFacts {
  xeroId: string;
  number: string;
  status: string;
  subTotal: number;
  totalTax: number;
  total: number;
  /** Invoices: AmountDue; credit notes: RemainingCredit. */
  outstanding: number;
  /** Paid or credited/allocated already: Xero allows no more edits. */
  settled: number;
  contactId?: string;
  date?: string;
  currency?: string;
}

export type ItemOutcome = { ok: true; facts: XeroFacts } | { ok: false; messages: string[] };

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/** What Xero did with one item of a batch (summarizeErrors=false: every item answers for itself). */
export function readItem(item: XeroItem | undefined): ItemOutcome {
  if (!item) return { ok: false, messages: ['Xero gave no answer for this document in the batch.'] };
  const errors = (item.validationErrors ?? []).map((v) => v.message).filter((m): m is string => !!m);
  const facts = factsOf(item);
  if (item.hasErrors || errors.length || String(item.statusAttributeString ?? 'OK').toUpperCase() === 'ERROR' || !facts.xeroId || facts.xeroId === ZERO_GUID) {
    return { ok: false, messages: errors };
  }
  return { ok: true, facts };
}

export function factsOf(item: XeroItem): XeroFacts {
  const isInvoice = 'invoiceID' in item || 'invoiceNumber' in item;
  const inv = item as Invoice;
  const cn = item as CreditNote;
  return {
    xeroId: (isInvoice ? inv.invoiceID : cn.creditNoteID) ?? '',
    number: (isInvoice ? inv.invoiceNumber : cn.creditNoteNumber) ?? '',
    status: String(item.status ?? ''),
    subTotal: num(item.subTotal),
    totalTax: num(item.totalTax),
    total: num(item.total),
    outstanding: isInvoice ? num(inv.amountDue) : num(cn.remainingCredit),
    settled: isInvoice ? num(inv.amountPaid) + num(inv.amountCredited) : num(cn.total) - num(cn.remainingCredit),
    contactId: item.contact?.contactID,
    date: isoDate(item.date),
    ...(item.currencyCode ? { currency: String(item.currencyCode) } : {}),
  };
}

/** A credit note's facts with the allocations already made from it (to tell an allocation done from one to do). */
export function creditFactsOf(cn: CreditNote): XeroFacts & { allocations: { invoiceId: string; amount: number }[] } {
  const allocations = (cn.allocations ?? [])
    .map((a) => ({ invoiceId: a.invoice?.invoiceID ?? '', amount: num(a.amount) }))
    .filter((a) => a.invoiceId && a.amount > 0);
  return { ...factsOf(cn), allocations };
}

/** Opens the document in Xero (in whichever organisation the user is logged into, or the one named by shortCode). */
export function deepLink(type: DocumentType, xeroId: string, shortCode?: string): string {
  const path = type === 'invoice' ? `/AccountsReceivable/View.aspx?InvoiceID=${xeroId}` : `/AccountsReceivable/ViewCreditNote.aspx?creditNoteID=${xeroId}`;
  if (!shortCode) return `https://go.xero.com${path}`;
  return `https://go.xero.com/organisationlogin/default.aspx?shortcode=${encodeURIComponent(shortCode)}&redirecturl=${encodeURIComponent(path)}`;
}

export type ChangePolicy = 'update' | 'report';

export type ChangeDecision = { send: true } | { send: false; reason: string };

/**
 * A new LNB revision of a document already in Xero. Xero lets DRAFT, SUBMITTED and AUTHORISED
 * documents change until money has moved against them (a payment, a credit, an allocation).
 */
export function decideChange(policy: ChangePolicy, current: Pick<XeroFacts, 'status' | 'settled' | 'number'>): ChangeDecision {
  if (policy === 'report') {
    return { send: false, reason: `${current.number} changed in Le New Black after it was exported to Xero; the Xero document was left as it is.` };
  }
  if (!['DRAFT', 'SUBMITTED', 'AUTHORISED'].includes(current.status)) {
    return { send: false, reason: `${current.number} changed in Le New Black after export, but it is ${current.status} in Xero and can no longer be edited.` };
  }
  if (current.settled > 0) {
    return {
      send: false,
      reason: `${current.number} changed in Le New Black after export, but Xero already has payments or credits against it, so it can no longer be edited.`,
    };
  }
  return { send: true };
}

/** A credit note pays off at most what it has left and what the invoice still owes. */
export function allocationAmount(creditRemaining: number, invoiceOutstanding: number): number {
  const cents = Math.min(Math.round(creditRemaining * 100), Math.round(invoiceOutstanding * 100));
  return cents > 0 ? cents / 100 : 0;
}

/** A file name Xero accepts for the LNB PDF. */
export const pdfFileName = (number: string): string => `${number.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 100) || 'document'}.pdf`;

/** A Xero date as YYYY-MM-DD, from either of its forms ("2026-03-02T00:00:00" or "/Date(1772409600000+0000)/"). */
export function isoDate(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const ms = /^\/Date\((-?\d+)([+-]\d{4})?\)\/$/.exec(value);
  if (ms) return new Date(Number(ms[1])).toISOString().slice(0, 10);
  return /^\d{4}-\d{2}-\d{2}/.test(value) ? value.slice(0, 10) : undefined;
}
