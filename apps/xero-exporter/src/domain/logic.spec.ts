import type { XeroContact } from '@lnbx/contracts';
import { CreditNote, Invoice } from 'xero-node';
import { aMappedCreditNote, aMappedInvoice } from '../testing';
import { chunk, readyToSend, unitdpOf } from './batching';
import { decideContact, type KnownContact, suffixedName, whereAnyOf } from './contacts';
import { allocationAmount, decideChange, deepLink, isoDate, pdfFileName, readItem, toXeroItem, ZERO_GUID } from './documents';
import { batchIdempotencyKey, idempotencyKey, MAX_IDEMPOTENCY_KEY } from './idempotency';
import { classifyStatus, codeForMessage, isDuplicateNumber, lossCode, messageOf, readLimitHeaders, retryAfterMs } from './xero-errors';

describe('batching', () => {
  const policy = { batchSize: 50, lingerMs: 1000 };
  it('sends a full batch at once, a partial one only after the linger time', () => {
    expect(readyToSend(50, 0, 1, policy)).toBe(true);
    expect(readyToSend(12, 0, 999, policy)).toBe(false);
    expect(readyToSend(12, 0, 1000, policy)).toBe(true);
    expect(readyToSend(0, 0, 5000, policy)).toBe(false);
  });
  it('cuts requests by count and by body size, keeping order', () => {
    expect(chunk([1, 2, 3, 4, 5], 2, () => 1)).toEqual([[1, 2], [3, 4], [5]]);
    expect(chunk([1, 2, 3, 4], 50, () => 400, 1000)).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(chunk([1], 50, () => 5000, 1000)).toEqual([[1]]);
  });
  it('asks for 4-decimal unit prices when any document needs them', () => {
    expect(unitdpOf([{ unitdp: 2 }, { unitdp: 2 }])).toBe(2);
    expect(unitdpOf([{ unitdp: 2 }, { unitdp: 4 }])).toBe(4);
  });
});

describe("Xero's answers as codes", () => {
  it("names why a connection was lost from the identity service's refusal", () => {
    expect(lossCode('invalid_grant')).toBe('XERO.INVALID_GRANT');
    expect(lossCode('invalid_client')).toBe('XERO.INVALID_CLIENT');
    expect(lossCode('unauthorized')).toBe('XERO.TOKEN_REFUSED');
    expect(lossCode('refused')).toBe('XERO.CONNECTION_LOST');
  });

  it.each([
    ['Invoice # must be unique.', 'XERO.DUPLICATE_NUMBER'],
    ['The TaxType code NOPE does not exist or cannot be used for this type of transaction.', 'XERO.UNKNOWN_TAX_TYPE'],
    ["Account code '999' is not a valid code for this document.", 'XERO.INVALID_ACCOUNT'],
    ['The document date cannot be before the end of year lock date, currently set at 31-Mar-2024', 'XERO.LOCK_DATE'],
    ['The invoice total does not equal the sum of the lines.', 'XERO.TOTALS'],
    ['Discount must not be greater than the line total.', 'XERO.TOTALS'],
    ['The contact name X is already assigned to another contact. The contact name must be unique across all active contacts.', 'XERO.CONTACT'],
    ['Something new Xero says', 'XERO.VALIDATION'],
  ])('%s -> %s', (message, code) => expect(codeForMessage(message)).toBe(code));

  it('reads statuses as what to do next', () => {
    expect([0, 429, 401, 403, 404, 409, 400, 503, 500].map(classifyStatus)).toEqual([
      'outcome_unknown',
      'rate_limited',
      'unauthorized',
      'forbidden',
      'not_found',
      'outcome_unknown',
      'rejected',
      'outcome_unknown',
      'outcome_unknown',
    ]);
  });
  it('knows the duplicate-number message for invoices and credit notes', () => {
    expect(isDuplicateNumber('Invoice # must be unique.')).toBe(true);
    expect(isDuplicateNumber('Credit Note # must be unique.')).toBe(true);
    expect(isDuplicateNumber('Account code must be unique.')).toBe(false);
  });
  it('reads the limit headers and Retry-After (seconds or a date)', () => {
    expect(readLimitHeaders({ 'x-minlimit-remaining': '12', 'X-DayLimit-Remaining': '4000', 'x-appminlimit-remaining': '9999' })).toEqual({
      minuteRemaining: 12,
      dayRemaining: 4000,
      appMinuteRemaining: 9999,
    });
    expect(retryAfterMs({ 'retry-after': '7' }, 0, 1)).toBe(7000);
    expect(retryAfterMs({ 'Retry-After': new Date(10_000).toUTCString() }, 4000, 1)).toBe(6000);
    expect(retryAfterMs({}, 0, 1234)).toBe(1234);
  });
  it("finds Xero's words in any body shape", () => {
    expect(messageOf({ Elements: [{ ValidationErrors: [{ Message: 'A' }, { Message: 'B' }] }] })).toBe('A B');
    expect(messageOf({ Detail: 'TokenExpired' })).toBe('TokenExpired');
    expect(messageOf('The Xero API is temporarily unavailable.')).toBe('The Xero API is temporarily unavailable.');
  });
});

describe('idempotency keys', () => {
  it('are readable, per revision, and never longer than 128 characters', () => {
    expect(idempotencyKey('acme:invoice:INV-1', 'r1')).toBe('create:acme:invoice:INV-1@r1');
    expect(idempotencyKey('acme:invoice:INV-1', 'r2')).not.toBe(idempotencyKey('acme:invoice:INV-1', 'r1'));
    const long = idempotencyKey(`acme:invoice:${'X'.repeat(300)}`, 'f'.repeat(64));
    expect(long.length).toBeLessThanOrEqual(MAX_IDEMPOTENCY_KEY);
    expect(long).toBe(idempotencyKey(`acme:invoice:${'X'.repeat(300)}`, 'f'.repeat(64)));
    expect(idempotencyKey('acme:invoice:été', 'r1')).toMatch(/^[\x21-\x7e]+$/);
  });
  it('name a batch by its set of revisions, in any order', () => {
    const a = idempotencyKey('k1', 'r1');
    const b = idempotencyKey('k2', 'r1');
    expect(batchIdempotencyKey([a, b])).toBe(batchIdempotencyKey([b, a]));
    expect(batchIdempotencyKey([a, b]).length).toBeLessThanOrEqual(MAX_IDEMPOTENCY_KEY);
    expect(batchIdempotencyKey([a])).toBe(a);
  });
});

describe('contacts', () => {
  const wanted: XeroContact = { contactNumber: 'RET-1', name: 'Harbour & Hale Ltd' };
  const c = (patch: Partial<KnownContact>): KnownContact => ({ contactId: 'id-1', name: 'Harbour & Hale Ltd', status: 'ACTIVE', ...patch });
  const suffix = ' ({contactNumber})';
  it('uses the active contact with the retailer reference', () => {
    expect(decideContact(wanted, [c({ contactNumber: 'ret-1', name: 'Renamed in Xero' })], [], suffix)).toEqual({ action: 'use', contactId: 'id-1' });
  });
  it('restores an archived one rather than splitting the ledger, suffixed if its name is now taken', () => {
    expect(decideContact(wanted, [c({ contactNumber: 'RET-1', status: 'ARCHIVED' })], [], suffix)).toEqual({
      action: 'unarchive',
      contactId: 'id-1',
      name: 'Harbour & Hale Ltd',
    });
    expect(decideContact(wanted, [c({ contactNumber: 'RET-1', status: 'ARCHIVED' })], [c({ contactId: 'id-2', contactNumber: 'RET-9' })], suffix)).toEqual({
      action: 'unarchive',
      contactId: 'id-1',
      name: 'Harbour & Hale Ltd (RET-1)',
    });
  });
  it('adopts a namesake with no number, suffixes a clash with another retailer, creates when none', () => {
    expect(decideContact(wanted, [], [c({ name: 'harbour & hale ltd ' })], suffix)).toMatchObject({ action: 'adopt', contactId: 'id-1' });
    expect(decideContact(wanted, [], [c({ contactNumber: 'RET-9' })], suffix)).toMatchObject({ action: 'create', name: 'Harbour & Hale Ltd (RET-1)' });
    expect(decideContact(wanted, [], [c({ contactNumber: 'RET-1' })], suffix)).toEqual({ action: 'use', contactId: 'id-1' });
    expect(decideContact(wanted, [], [], suffix)).toEqual({ action: 'create', name: 'Harbour & Hale Ltd' });
  });
  it("keeps a suffixed name within Xero's 255 characters, and escapes where values", () => {
    expect(suffixedName('N'.repeat(300), suffix, 'RET-1')).toHaveLength(255);
    expect(suffixedName('N'.repeat(300), suffix, 'RET-1').endsWith(' (RET-1)')).toBe(true);
    expect(whereAnyOf('Name', ['A "B"', 'C\\D'])).toBe('Name=="A \\"B\\"" OR Name=="C\\\\D"');
  });
});

describe('documents', () => {
  it("builds xero-node's invoice from the mapper's document, with only the contact's id", () => {
    const doc = aMappedInvoice('INV-1')
      .withLines({ discountRate: 10, tracking: [{ name: 'Season', option: 'SS26' }] })
      .build().xero;
    const item = toXeroItem(doc, 'contact-1') as Invoice;
    expect(item).toMatchObject({
      type: 'ACCREC',
      invoiceNumber: 'INV-1',
      contact: { contactID: 'contact-1' },
      status: 'AUTHORISED',
      currencyCode: 'GBP',
      lineAmountTypes: 'Exclusive',
      dueDate: '2026-04-01',
      reference: 'PO-7781',
      lineItems: [{ quantity: 2, unitAmount: 189, accountCode: '200', taxType: 'OUTPUT2', discountRate: 10, tracking: [{ name: 'Season', option: 'SS26' }] }],
    });
    expect(item.invoiceID).toBeUndefined();
    const cn = toXeroItem(aMappedCreditNote('CN-1').build().xero, 'contact-1', 'xero-id') as CreditNote;
    expect(cn).toMatchObject({ type: 'ACCRECCREDIT', creditNoteNumber: 'CN-1', creditNoteID: 'xero-id' });
  });
  it("reads each batch item's own outcome", () => {
    expect(
      readItem({
        invoiceID: 'id-1',
        invoiceNumber: 'INV-1',
        status: Invoice.StatusEnum.AUTHORISED,
        subTotal: 10,
        totalTax: 2,
        total: 12,
        amountDue: 12,
        hasErrors: false,
      }),
    ).toEqual({ ok: true, facts: expect.objectContaining({ xeroId: 'id-1', number: 'INV-1', total: 12, outstanding: 12, settled: 0 }) });
    expect(readItem({ invoiceID: ZERO_GUID, invoiceNumber: 'INV-2', hasErrors: true, validationErrors: [{ message: 'Invoice # must be unique.' }] })).toEqual({
      ok: false,
      messages: ['Invoice # must be unique.'],
    });
    expect(readItem(undefined)).toMatchObject({ ok: false });
  });
  it('lets a change through only while Xero allows edits, and never under the report policy', () => {
    expect(decideChange('update', { status: 'DRAFT', settled: 0, number: 'A' })).toEqual({ send: true });
    expect(decideChange('update', { status: 'AUTHORISED', settled: 0, number: 'A' })).toEqual({ send: true });
    expect(decideChange('update', { status: 'AUTHORISED', settled: 5, number: 'A' })).toMatchObject({ send: false });
    expect(decideChange('update', { status: 'PAID', settled: 12, number: 'A' })).toMatchObject({ send: false, reason: expect.stringMatching(/PAID/) });
    expect(decideChange('report', { status: 'DRAFT', settled: 0, number: 'A' })).toMatchObject({ send: false });
  });
  it('allocates what both sides allow, to the cent', () => {
    expect(allocationAmount(60, 453.6)).toBe(60);
    expect(allocationAmount(60, 10.01)).toBe(10.01);
    expect(allocationAmount(60, 0)).toBe(0);
  });
  it('links to the document in Xero, names the PDF, reads dates', () => {
    expect(deepLink('invoice', 'abc')).toBe('https://go.xero.com/AccountsReceivable/View.aspx?InvoiceID=abc');
    expect(deepLink('invoice', 'abc', '!x1Y')).toBe(
      'https://go.xero.com/organisationlogin/default.aspx?shortcode=!x1Y&redirecturl=%2FAccountsReceivable%2FView.aspx%3FInvoiceID%3Dabc',
    );
    expect(pdfFileName('INV/2026 01')).toBe('INV_2026_01.pdf');
    expect(isoDate('/Date(1772409600000+0000)/')).toBe('2026-03-02');
    expect(isoDate('2026-03-02T00:00:00')).toBe('2026-03-02');
  });
});
