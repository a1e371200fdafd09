import { type CreditFacts, decideAllocation, refusal } from './allocation';
import type { XeroFacts } from './documents';

const subject = { creditNoteNumber: 'CN-000002', invoiceNumber: 'INV-000007', date: '2026-03-05' };
const CONTACT = '5b1c6c5e-0000-4000-8000-000000000001';

const aCredit = (over: Partial<CreditFacts> = {}): CreditFacts => ({
  xeroId: 'c0000000-0000-4000-8000-000000000001',
  number: 'CN-000002',
  status: 'AUTHORISED',
  subTotal: 100,
  totalTax: 20,
  total: 120,
  outstanding: 120,
  settled: 0,
  contactId: CONTACT,
  date: '2026-03-05',
  currency: 'GBP',
  allocations: [],
  ...over,
});
const anInvoice = (over: Partial<XeroFacts> = {}): XeroFacts => ({
  xeroId: 'i0000000-0000-4000-8000-000000000007',
  number: 'INV-000007',
  status: 'AUTHORISED',
  subTotal: 400,
  totalTax: 80,
  total: 480,
  outstanding: 480,
  settled: 0,
  contactId: CONTACT,
  date: '2026-03-01',
  currency: 'GBP',
  ...over,
});

describe('decideAllocation', () => {
  it('allocates the whole credit when both are approved and the invoice owes more', () => {
    const d = decideAllocation(subject, aCredit(), anInvoice(), '2026-12-01');
    expect(d).toMatchObject({ kind: 'allocate', amount: 120, remainingCredit: 0, date: '2026-03-05', currency: 'GBP' });
    expect(d.message).toBe('Allocated 120.00 GBP of credit note CN-000002 to invoice INV-000007.');
  });

  it('allocates up to what the invoice still owes and says what credit stays on the account', () => {
    const d = decideAllocation(subject, aCredit({ outstanding: 120 }), anInvoice({ outstanding: 96 }), '2026-12-01');
    expect(d).toMatchObject({ kind: 'allocate', amount: 96, remainingCredit: 24 });
    expect(d.message).toBe(
      "Allocated 96.00 GBP of credit note CN-000002 to invoice INV-000007. 24.00 GBP of credit stays on the customer's account: the invoice owed only 96.00 GBP.",
    );
  });

  it('never dates an allocation before the invoice it pays', () => {
    const d = decideAllocation({ ...subject, date: '2026-02-01' }, aCredit(), anInvoice({ date: '2026-03-01' }), '2026-12-01');
    expect(d).toMatchObject({ kind: 'allocate', date: '2026-03-01' });
  });

  it.each([
    ['DRAFT', 'AUTHORISED', ['credit_note_approval'], 'waits until CN-000002 is approved in Xero'],
    ['AUTHORISED', 'DRAFT', ['invoice_approval'], 'waits until INV-000007 is approved in Xero'],
    ['DRAFT', 'SUBMITTED', ['credit_note_approval', 'invoice_approval'], 'waits until CN-000002 and INV-000007 are approved in Xero'],
  ])('waits (not fails) while the credit note is %s and the invoice %s', (cn, inv, waitingFor, words) => {
    const d = decideAllocation(subject, aCredit({ status: cn }), anInvoice({ status: inv }), '2026-12-01');
    expect(d).toMatchObject({ kind: 'wait', waitingFor });
    expect(d.message).toContain(`Allocation of credit note CN-000002 to invoice INV-000007 ${words}`);
    expect(d.message).toContain('nothing has failed');
  });

  it('waits for an invoice that has not reached Xero yet', () => {
    expect(decideAllocation(subject, aCredit({ status: 'DRAFT' }), undefined, '2026-12-01')).toMatchObject({
      kind: 'wait',
      waitingFor: ['invoice_in_xero', 'credit_note_approval'],
      message: expect.stringContaining('waits until invoice INV-000007 reaches Xero, and CN-000002 is approved in Xero'),
    });
  });

  it('finds an allocation already made (a lost answer, or a person in Xero) and sends nothing', () => {
    const d = decideAllocation(
      subject,
      aCredit({ outstanding: 0, status: 'PAID', allocations: [{ invoiceId: 'I0000000-0000-4000-8000-000000000007', amount: 120 }] }),
      anInvoice(),
      '2026-12-01',
    );
    expect(d).toMatchObject({ kind: 'done', amount: 120, remainingCredit: 0 });
  });

  it.each([
    [
      'an invoice already paid',
      aCredit(),
      anInvoice({ status: 'PAID', outstanding: 0 }),
      'XERO.ALLOCATION_INVOICE_PAID',
      'Invoice INV-000007 has already been paid in Xero',
    ],
    ['an approved invoice owing nothing', aCredit(), anInvoice({ outstanding: 0 }), 'XERO.ALLOCATION_INVOICE_PAID', 'already been paid'],
    [
      'another contact',
      aCredit(),
      anInvoice({ contactId: '5b1c6c5e-0000-4000-8000-000000000002' }),
      'XERO.ALLOCATION_CONTACT_MISMATCH',
      'belong to different contacts',
    ],
    ['another currency', aCredit(), anInvoice({ currency: 'EUR' }), 'XERO.ALLOCATION_CURRENCY_MISMATCH', 'is in GBP and invoice INV-000007 in EUR'],
    ['a voided invoice', aCredit(), anInvoice({ status: 'VOIDED' }), 'XERO.ALLOCATION_VOIDED', 'Invoice INV-000007 is voided in Xero'],
    ['a deleted credit note', aCredit({ status: 'DELETED' }), anInvoice(), 'XERO.ALLOCATION_VOIDED', 'Credit note CN-000002 is deleted in Xero'],
    ['a credit note gone from Xero', undefined, anInvoice(), 'XERO.ALLOCATION_VOIDED', 'Credit note CN-000002 is no longer in Xero'],
    ['a credit note used up elsewhere', aCredit({ status: 'PAID', outstanding: 0 }), anInvoice(), 'XERO.ALLOCATION_NO_CREDIT_LEFT', 'has no credit left'],
  ])('says plainly why it cannot be done: %s', (_what, credit, invoice, code, words) => {
    const d = decideAllocation(subject, credit, invoice, '2026-12-01');
    expect(d).toMatchObject({ kind: 'not_possible', code });
    expect(d.message).toContain(words);
  });

  it("reads Xero's refusals", () => {
    expect(refusal(subject, 'The invoice you are trying to allocate to has already been paid off')).toMatchObject({ code: 'XERO.ALLOCATION_INVOICE_PAID' });
    expect(refusal(subject, 'Something else')).toMatchObject({
      code: 'XERO.ALLOCATION_REFUSED',
      message: 'Xero refused to allocate credit note CN-000002 to invoice INV-000007: Something else',
    });
  });
});
