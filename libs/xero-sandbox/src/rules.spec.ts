import { checkAllocation, checkContact, checkDocument, parseXeroDate, type DocumentRuleContext, type Json } from './rules';
import { buildTenant, DEMO_FASHION_UK } from './seed';
import type { DocumentRec, TenantState } from './state';

const NOW = Date.UTC(2026, 2, 10);

function tenant(): TenantState {
  return buildTenant(DEMO_FASHION_UK, NOW);
}

function ctx(t: TenantState, kind: 'invoice' | 'creditNote' = 'invoice'): DocumentRuleContext {
  return { tenant: t, kind, unitdp: 2, today: '2026-03-10' };
}

const contactId = (t: TenantState) => [...t.contacts.keys()][0];

function invoice(t: TenantState, over: Json = {}): Json {
  return {
    Type: 'ACCREC',
    Contact: { ContactID: contactId(t) },
    Date: '2026-03-02',
    DueDate: '2026-04-01',
    InvoiceNumber: 'LNB-1',
    Status: 'AUTHORISED',
    LineItems: [{ Description: 'Coat', Quantity: 2, UnitAmount: 120, AccountCode: '200', TaxType: 'OUTPUT2' }],
    ...over,
  };
}

function stored(t: TenantState, over: Json = {}): DocumentRec {
  const out = checkDocument(invoice(t, over), undefined, ctx(t));
  if (!out.draft) throw new Error(out.errors.join('; '));
  const doc: DocumentRec = {
    ...out.draft,
    id: `id-${out.draft.Number}`,
    Attachments: [],
    Allocations: [],
    Payments: [],
    CreatedDateUTC: NOW,
    UpdatedDateUTC: NOW,
  };
  (doc.kind === 'invoice' ? t.invoices : t.creditNotes).set(doc.id, doc);
  if (doc.kind === 'invoice') t.invoiceNumbers.set(doc.Number.toUpperCase(), doc.id);
  return doc;
}

const errorsOf = (t: TenantState, over: Json) => checkDocument(invoice(t, over), undefined, ctx(t)).errors;

describe('checkDocument', () => {
  it('computes the totals itself and ignores a Total that disagrees', () => {
    const t = tenant();
    const out = checkDocument(invoice(t, { Total: 999 }), undefined, ctx(t));
    expect(out.errors).toEqual([]);
    expect(out.draft).toMatchObject({ SubTotal: 240, TotalTax: 48, Total: 288, CurrencyRate: 1, LineAmountTypes: 'Exclusive' });
  });

  it('keeps ACCREC invoice numbers unique, ignoring case, except for the invoice being updated', () => {
    const t = tenant();
    const first = stored(t);
    expect(errorsOf(t, { InvoiceNumber: 'lnb-1' })).toEqual(['Invoice # must be unique.']);
    expect(checkDocument(invoice(t), first, ctx(t)).errors).toEqual([]);
    expect(errorsOf(t, { Type: 'ACCPAY', LineItems: [{ Description: 'Fabric', Quantity: 1, UnitAmount: 5, AccountCode: '310', TaxType: 'INPUT2' }] })).toEqual(
      [],
    );
  });

  it('accepts only tax types that exist and suit the document', () => {
    const t = tenant();
    const line = (TaxType: string) => ({ LineItems: [{ Description: 'Coat', Quantity: 1, UnitAmount: 10, AccountCode: '200', TaxType }] });
    expect(errorsOf(t, line('INPUT2'))).toEqual(['The TaxType code INPUT2 does not exist or cannot be used for this type of transaction.']);
    expect(errorsOf(t, line('NOPE'))).toEqual(['The TaxType code NOPE does not exist or cannot be used for this type of transaction.']);
    expect(errorsOf(t, line('OUTPUT'))).toEqual(['The TaxType code OUTPUT does not exist or cannot be used for this type of transaction.']);
    expect(errorsOf(t, line('ECZROUTPUTSERVICES'))).toEqual([]);
  });

  it('accepts only active account codes that suit a document, including the ROUNDING account', () => {
    const t = tenant();
    const line = (AccountCode: string) => ({ LineItems: [{ Description: 'x', Quantity: 1, UnitAmount: 10, AccountCode, TaxType: 'NONE' }] });
    expect(errorsOf(t, line('999'))).toEqual(["Account code '999' is not a valid code for this document."]);
    expect(errorsOf(t, line('090'))).toEqual(["Account code '090' is not a valid code for this document."]);
    expect(errorsOf(t, line('610'))).toEqual(["Account code '610' is not a valid code for this document."]);
    expect(errorsOf(t, line('205'))).toEqual(["Account code '205' has been archived, or has been deleted. Each line item must reference a valid account."]);
    expect(errorsOf(t, line('860'))).toEqual([]);
  });

  it('requires an enabled currency, a DueDate when approved, a date after the lock date, a line, a description', () => {
    const t = tenant();
    expect(errorsOf(t, { CurrencyCode: 'JPY' })).toEqual(['Organisation is not subscribed to currency JPY']);
    expect(checkDocument(invoice(t, { CurrencyCode: 'EUR' }), undefined, ctx(t)).draft?.CurrencyRate).toBe(1.17);
    expect(errorsOf(t, { DueDate: undefined })).toEqual(['Due Date must be specified.']);
    expect(errorsOf(t, { DueDate: undefined, Status: 'DRAFT' })).toEqual([]);
    expect(errorsOf(t, { Date: '2024-03-31' })).toEqual(['The document date cannot be before the end of year lock date, currently set at 31-Mar-2024']);
    expect(errorsOf(t, { LineItems: [] })).toEqual(['At least one line item must be specified.']);
    expect(errorsOf(t, { LineItems: [{ Quantity: 1, UnitAmount: 1, AccountCode: '200' }] })).toEqual([
      'The description field is mandatory for each line item.',
    ]);
    expect(errorsOf(t, { Status: 'PAID' })).toEqual(['Invoice not of valid status for creation']);
    expect(errorsOf(t, { Date: '2026-02-30' })).toEqual(["The date '2026-02-30' is not a valid date."]);
  });

  it('resolves tracking by name and allows at most two categories', () => {
    const t = tenant();
    const withTracking = (Tracking: Json[]) => ({ LineItems: [{ Description: 'x', Quantity: 1, UnitAmount: 10, AccountCode: '200', Tracking }] });
    const ok = checkDocument(
      invoice(
        t,
        withTracking([
          { Name: 'Season', Option: 'SS25' },
          { Name: 'Collection', Option: 'Capsule' },
        ]),
      ),
      undefined,
      ctx(t),
    );
    expect(ok.draft?.LineItems[0].Tracking.map((x) => `${x.Name}:${x.Option}`)).toEqual(['Season:SS25', 'Collection:Capsule']);
    expect(errorsOf(t, withTracking([{ Name: 'Season', Option: 'XX' }]))).toEqual(["The tracking option 'XX' is not valid for tracking category 'Season'."]);
    expect(
      errorsOf(
        t,
        withTracking([
          { Name: 'A', Option: 'x' },
          { Name: 'Season', Option: 'SS25' },
          { Name: 'Collection', Option: 'Capsule' },
        ]),
      ),
    ).toContain('A line item can have a maximum of 2 tracking categories.');
  });

  it('refuses to edit an invoice with a payment or allocation, and a voided one', () => {
    const t = tenant();
    const paid = stored(t);
    paid.AmountPaid = 10;
    expect(checkDocument({ Reference: 'x' }, paid, ctx(t)).errors).toEqual([
      'This document cannot be edited as it has a payment or credit note allocated to it.',
    ]);
    const voided = stored(t, { InvoiceNumber: 'LNB-2' });
    voided.Status = 'VOIDED';
    expect(checkDocument({ Reference: 'x' }, voided, ctx(t)).errors).toEqual(['Invoice not of valid status for modification']);
    const approved = stored(t, { InvoiceNumber: 'LNB-3' });
    expect(checkDocument({ Status: 'DRAFT' }, approved, ctx(t)).errors).toEqual(['Invoice not of valid status for modification']);
  });
});

describe('checkAllocation', () => {
  it('allocates up to what is outstanding on the invoice and left on the credit note', () => {
    const t = tenant();
    const inv = stored(t);
    const out = checkDocument(
      invoice(t, {
        Type: 'ACCRECCREDIT',
        CreditNoteNumber: 'CN-1',
        InvoiceNumber: undefined,
        LineItems: [{ Description: 'Return', Quantity: 1, UnitAmount: 500, AccountCode: '200' }],
      }),
      undefined,
      ctx(t, 'creditNote'),
    );
    const cn: DocumentRec = { ...out.draft!, id: 'cn', Attachments: [], Allocations: [], Payments: [], CreatedDateUTC: NOW, UpdatedDateUTC: NOW };
    expect(checkAllocation(cn, inv, { Amount: 100, Date: '2026-03-05' }, t, '2026-03-10')).toEqual({ errors: [], amount: 100, date: '2026-03-05' });
    expect(checkAllocation(cn, inv, { Amount: 300 }, t, '2026-03-10').errors).toEqual([
      'Credit Note cannot be allocated as amount is greater than amount outstanding',
    ]);
    inv.AmountAllocated = 288;
    expect(checkAllocation(cn, inv, { Amount: 1 }, t, '2026-03-10').errors).toEqual(['The invoice you are trying to allocate to has already been paid off']);
  });
});

describe('checkContact', () => {
  it('requires a name unique among active contacts', () => {
    const t = tenant();
    expect(checkContact({ Name: 'boutique sample ltd' }, undefined, t).errors).toEqual([
      'The contact name boutique sample ltd is already assigned to another contact. The contact name must be unique across all active contacts.',
    ]);
    expect(checkContact({ Name: 'Boutique Sample Ltd', ContactStatus: 'ARCHIVED' }, undefined, t).errors).toEqual([]);
    expect(checkContact({}, undefined, t).errors).toEqual(['The contact name must be specified.']);
    expect(checkContact({ Name: 'X', ContactNumber: 'N'.repeat(51) }, undefined, t).errors).toEqual([
      'The ContactNumber must be no more than 50 characters long.',
    ]);
  });
});

describe('parseXeroDate', () => {
  it.each([
    ['2026-03-02', '2026-03-02'],
    ['2026-03-02T00:00:00', '2026-03-02'],
    ['/Date(1772409600000+0000)/', '2026-03-02'],
    ['02/03/2026', undefined],
    [42, undefined],
    // Days and months the calendar lacks, and instants past what a Date holds: refused, never a 500.
    ['2026-02-30', undefined],
    ['2026-13-01', undefined],
    ['/Date(99999999999999999)/', undefined],
  ])('%s -> %s', (input, expected) => expect(parseXeroDate(input)).toBe(expected));
});
