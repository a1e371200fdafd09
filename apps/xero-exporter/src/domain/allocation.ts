// A credit note's allocation to its invoice, decided from what Xero holds of both. Xero allocates only
// between approved (AUTHORISED) documents of one contact and currency, and at most what the invoice
// still owes: anything else either waits (for an approval, for the invoice to reach Xero) or cannot be
// done, said in words a finance person acts on. Pure: the caller reads Xero and carries out the decision.
import type { AllocationWait } from '@lnbx/contracts';
import { allocationAmount, type XeroFacts } from './documents';
import { CODES } from './xero-errors';

/** What the exporter asks for: this credit note (in Xero) against this invoice (by number). */
export interface AllocationSubject {
  creditNoteNumber: string;
  invoiceNumber: string;
  /** The credit note's date (YYYY-MM-DD): the allocation is dated then, never before the invoice. */
  date?: string;
}

/** The credit note as Xero holds it, with the allocations already made from it. */
export interface CreditFacts extends XeroFacts {
  currency?: string;
  allocations: { invoiceId: string; amount: number }[];
}

export type AllocationDecision =
  | { kind: 'allocate'; invoice: XeroFacts; amount: number; date: string; remainingCredit: number; currency: string; message: string }
  /** Allocated already (an earlier attempt whose answer was lost, or someone in Xero): nothing to send. */
  | { kind: 'done'; invoice: XeroFacts; amount: number; remainingCredit: number; currency: string; message: string }
  | { kind: 'wait'; waitingFor: AllocationWait[]; message: string }
  | { kind: 'not_possible'; code: string; message: string };

const ALLOCATION_CODES = {
  invoicePaid: CODES.allocationInvoicePaid,
  contactMismatch: CODES.allocationContactMismatch,
  currencyMismatch: CODES.allocationCurrencyMismatch,
  voided: CODES.allocationVoided,
  noCreditLeft: CODES.allocationNoCreditLeft,
  refused: CODES.allocationRefused,
} as const;

const GONE = ['VOIDED', 'DELETED'];
const cents = (n: number): number => Math.round(n * 100);
export const money = (amount: number, currency: string): string => `${amount.toFixed(2)} ${currency}`.trim();

function waitMessage(s: AllocationSubject, waitingFor: AllocationWait[]): string {
  const lead = `Allocation of credit note ${s.creditNoteNumber} to invoice ${s.invoiceNumber} waits`;
  const approvals = [
    ...(waitingFor.includes('credit_note_approval') ? [s.creditNoteNumber] : []),
    ...(waitingFor.includes('invoice_approval') ? [s.invoiceNumber] : []),
  ];
  const parts: string[] = [];
  if (waitingFor.includes('invoice_in_xero')) parts.push(`invoice ${s.invoiceNumber} reaches Xero`);
  if (approvals.length === 2) parts.push(`${approvals[0]} and ${approvals[1]} are approved in Xero`);
  else if (approvals.length === 1) parts.push(`${approvals[0]} is approved in Xero`);
  if (waitingFor.includes('xero_answer')) parts.push('Xero answers again');
  return `${lead} until ${parts.join(', and ')}. Xero allocates credit only between approved documents; nothing has failed.`;
}

export function waiting(s: AllocationSubject, waitingFor: AllocationWait[]): Extract<AllocationDecision, { kind: 'wait' }> {
  return { kind: 'wait', waitingFor, message: waitMessage(s, waitingFor) };
}

/**
 * @param credit the credit note read back from Xero (undefined: Xero no longer has it)
 * @param invoice the invoice found by number (undefined: not in Xero, or deleted there)
 * @param today YYYY-MM-DD, for an allocation whose documents carry no date
 */
export function decideAllocation(s: AllocationSubject, credit: CreditFacts | undefined, invoice: XeroFacts | undefined, today: string): AllocationDecision {
  const cn = s.creditNoteNumber;
  const inv = s.invoiceNumber;
  if (!credit || GONE.includes(credit.status)) {
    return {
      kind: 'not_possible',
      code: ALLOCATION_CODES.voided,
      message: `Credit note ${cn} is ${credit ? credit.status.toLowerCase() : 'no longer'} in Xero, so it cannot be allocated to invoice ${inv}.`,
    };
  }
  const currency = credit.currency ?? '';
  if (invoice) {
    const already = credit.allocations.filter((a) => a.invoiceId.toLowerCase() === invoice.xeroId.toLowerCase());
    if (already.length) {
      const amount = already.reduce((sum, a) => sum + cents(a.amount), 0) / 100;
      return {
        kind: 'done',
        invoice,
        amount,
        remainingCredit: credit.outstanding,
        currency,
        message: `Credit note ${cn} is allocated to invoice ${inv} in Xero (${money(amount, currency)}).`,
      };
    }
  }
  if (credit.status !== 'DRAFT' && credit.status !== 'SUBMITTED' && cents(credit.outstanding) <= 0) {
    return {
      kind: 'not_possible',
      code: ALLOCATION_CODES.noCreditLeft,
      message: `Credit note ${cn} has no credit left in Xero (it was allocated or refunded there), so nothing was allocated to invoice ${inv}.`,
    };
  }
  if (!invoice) {
    const waits: AllocationWait[] = ['invoice_in_xero'];
    if (credit.status !== 'AUTHORISED') waits.push('credit_note_approval');
    return waiting(s, waits);
  }
  if (GONE.includes(invoice.status)) {
    return {
      kind: 'not_possible',
      code: ALLOCATION_CODES.voided,
      message: `Invoice ${inv} is ${invoice.status.toLowerCase()} in Xero, so credit note ${cn} cannot be allocated to it; its credit stays on the customer's account.`,
    };
  }
  if (invoice.status === 'PAID' || (invoice.status === 'AUTHORISED' && cents(invoice.outstanding) <= 0)) {
    return {
      kind: 'not_possible',
      code: ALLOCATION_CODES.invoicePaid,
      message: `Invoice ${inv} has already been paid in Xero, so credit note ${cn} was not allocated to it; its credit stays on the customer's account.`,
    };
  }
  if (credit.contactId && invoice.contactId && credit.contactId.toLowerCase() !== invoice.contactId.toLowerCase()) {
    return {
      kind: 'not_possible',
      code: ALLOCATION_CODES.contactMismatch,
      message: `Credit note ${cn} and invoice ${inv} belong to different contacts in Xero; a credit note can only be allocated to its own customer's invoice.`,
    };
  }
  if (credit.currency && invoice.currency && credit.currency !== invoice.currency) {
    return {
      kind: 'not_possible',
      code: ALLOCATION_CODES.currencyMismatch,
      message: `Credit note ${cn} is in ${credit.currency} and invoice ${inv} in ${invoice.currency}; Xero allocates only within one currency.`,
    };
  }
  const waits: AllocationWait[] = [];
  if (credit.status !== 'AUTHORISED') waits.push('credit_note_approval');
  if (invoice.status !== 'AUTHORISED') waits.push('invoice_approval');
  if (waits.length) return waiting(s, waits);

  const amount = allocationAmount(credit.outstanding, invoice.outstanding);
  const remainingCredit = (cents(credit.outstanding) - cents(amount)) / 100;
  // Dated when the credit was issued, but never before the invoice it pays.
  const date =
    [s.date ?? credit.date, invoice.date]
      .filter((d): d is string => !!d)
      .sort()
      .pop() ?? today;
  const rest =
    remainingCredit > 0
      ? ` ${money(remainingCredit, currency)} of credit stays on the customer's account: the invoice owed only ${money(invoice.outstanding, currency)}.`
      : '';
  return {
    kind: 'allocate',
    invoice,
    amount,
    date,
    remainingCredit,
    currency,
    message: `Allocated ${money(amount, currency)} of credit note ${cn} to invoice ${inv}.${rest}`,
  };
}

/** What Xero said when it refused an allocation, read as a decision (its words kept for the finance team). */
export function refusal(s: AllocationSubject, xeroMessage: string): Extract<AllocationDecision, { kind: 'not_possible' }> {
  if (/already been paid/i.test(xeroMessage)) {
    return {
      kind: 'not_possible',
      code: ALLOCATION_CODES.invoicePaid,
      message: `Invoice ${s.invoiceNumber} has already been paid in Xero, so credit note ${s.creditNoteNumber} was not allocated to it; its credit stays on the customer's account.`,
    };
  }
  return {
    kind: 'not_possible',
    code: ALLOCATION_CODES.refused,
    message: `Xero refused to allocate credit note ${s.creditNoteNumber} to invoice ${s.invoiceNumber}: ${xeroMessage}`,
  };
}
