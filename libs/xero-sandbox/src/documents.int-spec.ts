// The Accounting API through xero-node itself, with only its basePath changed.
import { Account, Allocation, CreditNote, CurrencyCode, Invoice, type AccountingApi } from 'xero-node';
import { startXeroSandbox, type XeroSandbox } from './sandbox';
import { aCreditNote, aLine, anInvoice, expectXeroFailure, uniqueNumber, xeroNodeFor } from './testing';

let sandbox: XeroSandbox;
let api: AccountingApi;
let uk: string;
let eu: string;

beforeAll(async () => {
  sandbox = await startXeroSandbox({ limits: false });
  ({ api } = await xeroNodeFor(sandbox));
  [uk, eu] = sandbox.tenantIds;
});
afterAll(() => sandbox.close());

describe('reference data', () => {
  it('serves each organisation its own currencies, tax rates, accounts and tracking', async () => {
    const org = (await api.getOrganisations(uk)).body.organisations![0];
    expect(org).toMatchObject({ name: 'Demo Fashion Ltd', baseCurrency: 'GBP', organisationID: uk });
    expect((await api.getOrganisations(eu)).body.organisations![0].baseCurrency).toBe('EUR');
    expect((await api.getCurrencies(uk)).body.currencies!.map((c) => c.code)).toEqual(['GBP', 'EUR', 'USD']);
    const rates = (await api.getTaxRates(uk, 'TaxType=="OUTPUT2"')).body.taxRates!;
    expect(rates.map((r) => [r.taxType, r.effectiveRate])).toEqual([['OUTPUT2', 20]]);
    const accounts = (await api.getAccounts(uk)).body.accounts!;
    expect(accounts.find((a) => a.systemAccount === Account.SystemAccountEnum.ROUNDING)?.code).toBe('860');
    expect(accounts.find((a) => a.code === '200')?.name).toBe('Sales');
    const tracking = (await api.getTrackingCategories(uk)).body.trackingCategories!;
    expect(tracking.map((c) => c.name)).toEqual(['Season', 'Collection']);
  });
});

describe('invoices', () => {
  it('creates with PUT and finds again by id, by InvoiceNumbers, by where, and paged', async () => {
    const number = uniqueNumber();
    const created = await api.createInvoices(uk, { invoices: [anInvoice({ invoiceNumber: number, total: 1 })] }, false);
    const inv = created.body.invoices![0];
    expect(inv).toMatchObject({ invoiceNumber: number, subTotal: 240, totalTax: 48, total: 288, amountDue: 288, status: 'AUTHORISED', hasErrors: false });
    expect(inv.date).toEqual(new Date('2026-03-02T00:00:00Z'));
    expect((created.response.data as { Invoices: { DateString: string }[] }).Invoices[0].DateString).toBe('2026-03-02T00:00:00');
    const id = inv.invoiceID!;
    expect((await api.getInvoice(uk, id)).body.invoices![0].invoiceNumber).toBe(number);
    const byNumber = await api.getInvoices(uk, undefined, undefined, undefined, undefined, [number, 'NOT-THERE']);
    expect(byNumber.body.invoices!.map((i) => i.invoiceID)).toEqual([id]);
    const byWhere = await api.getInvoices(uk, undefined, `InvoiceNumber=="${number}" AND Status=="AUTHORISED"`);
    expect(byWhere.body.invoices!.map((i) => i.invoiceID)).toEqual([id]);
    const paged = await api.getInvoices(
      uk,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      1,
      undefined,
      undefined,
      undefined,
      undefined,
      1,
    );
    expect(paged.body.invoices).toHaveLength(1);
    expect(paged.body.pagination).toMatchObject({ page: 1, pageSize: 1 });
    expect((await expectXeroFailure(api.getInvoice(uk, '6f0e8d0a-0000-4000-8000-000000000000'))).statusCode).toBe(404);
  });

  it('updates with POST when the InvoiceNumber matches, and creates otherwise', async () => {
    const number = uniqueNumber();
    await api.createInvoices(uk, { invoices: [anInvoice({ invoiceNumber: number, status: Invoice.StatusEnum.DRAFT })] });
    const updated = await api.updateOrCreateInvoices(uk, { invoices: [anInvoice({ invoiceNumber: number, reference: 'changed' }), anInvoice()] }, false);
    expect(updated.body.invoices!.map((i) => i.statusAttributeString)).toEqual(['OK', 'OK']);
    expect(sandbox.admin.invoices(uk).filter((i) => i.InvoiceNumber === number)).toHaveLength(1);
    expect(sandbox.admin.invoices(uk).find((i) => i.InvoiceNumber === number)?.Reference).toBe('changed');
  });

  it('with summarizeErrors=false answers 200 and marks each item OK or ERROR', async () => {
    const dup = uniqueNumber();
    const res = await api.createInvoices(
      uk,
      { invoices: [anInvoice({ invoiceNumber: dup }), anInvoice({ invoiceNumber: dup }), anInvoice({ lineItems: [aLine({ taxType: 'INPUT2' })] })] },
      false,
    );
    expect(res.response.status).toBe(200);
    const [ok, duplicate, badTax] = res.body.invoices!;
    expect(ok).toMatchObject({ hasErrors: false, statusAttributeString: 'OK', validationErrors: [] });
    expect(duplicate).toMatchObject({ hasErrors: true, statusAttributeString: 'ERROR', invoiceID: '00000000-0000-0000-0000-000000000000' });
    expect(duplicate.validationErrors!.map((e) => e.message)).toEqual(['Invoice # must be unique.']);
    expect(badTax.validationErrors!.map((e) => e.message)).toEqual(['The TaxType code INPUT2 does not exist or cannot be used for this type of transaction.']);
  });

  it('with summarizeErrors=true (the default) stores the valid items and answers 400 listing only the errors', async () => {
    const good = uniqueNumber();
    const failure = await expectXeroFailure(
      api.createInvoices(uk, { invoices: [anInvoice({ invoiceNumber: good }), anInvoice({ currencyCode: CurrencyCode.JPY })] }),
    );
    expect(failure.statusCode).toBe(400);
    const body = failure.body as { Type: string; Elements: { ValidationErrors: { Message: string }[] }[] };
    expect(body.Type).toBe('ValidationException');
    expect(body.Elements).toHaveLength(1);
    expect(body.Elements[0].ValidationErrors).toEqual([{ Message: 'Organisation is not subscribed to currency JPY' }]);
    expect(sandbox.admin.invoices(uk).some((i) => i.InvoiceNumber === good)).toBe(true);
  });

  it.each([
    [
      'an archived account',
      { lineItems: [aLine({ accountCode: '205' })] },
      "Account code '205' has been archived, or has been deleted. Each line item must reference a valid account.",
    ],
    ['an approved invoice without DueDate', { dueDate: undefined }, 'Due Date must be specified.'],
    ['a date in the locked year', { date: '2024-01-15' }, 'The document date cannot be before the end of year lock date, currently set at 31-Mar-2024'],
    ['a discount above the line', { lineItems: [aLine({ discountAmount: 1000 })] }, 'Discount must not be greater than the line total.'],
  ])('refuses %s', async (_what, over, message) => {
    const res = await api.createInvoices(uk, { invoices: [anInvoice(over as Partial<Invoice>)] }, false);
    expect(res.body.invoices![0].validationErrors!.map((e) => e.message)).toEqual([message]);
  });

  it('rounds tax per line, honours unitdp=4 and a rounding line on the ROUNDING account', async () => {
    const lines = [1, 2, 3].map(() => aLine({ quantity: 1, unitAmount: 10.04 }));
    const perLine = (await api.createInvoices(uk, { invoices: [anInvoice({ lineItems: lines })] }, false)).body.invoices![0];
    expect([perLine.subTotal, perLine.totalTax, perLine.total]).toEqual([30.12, 6.03, 36.15]);
    const rounding = aLine({ description: 'Rounding', quantity: 1, unitAmount: -0.01, accountCode: '860', taxType: 'NONE' });
    const fixed = (await api.createInvoices(uk, { invoices: [anInvoice({ lineItems: [...lines, rounding] })] }, false)).body.invoices![0];
    expect(fixed.total).toBe(36.14);
    const fine = (await api.createInvoices(uk, { invoices: [anInvoice({ lineItems: [aLine({ quantity: 3, unitAmount: 1.2345 })] })] }, false, 4)).body
      .invoices![0];
    expect(fine.lineItems![0].unitAmount).toBe(1.2345);
    expect(fine.subTotal).toBe(3.7);
  });

  it('tracks lines by category and option name', async () => {
    const res = await api.createInvoices(
      uk,
      {
        invoices: [
          anInvoice({
            lineItems: [
              aLine({
                tracking: [
                  { name: 'Season', option: 'AW25' },
                  { name: 'Collection', option: 'Capsule' },
                ],
              }),
            ],
          }),
        ],
      },
      false,
    );
    expect(res.body.invoices![0].lineItems![0].tracking!.map((t) => t.option)).toEqual(['AW25', 'Capsule']);
  });
});

describe('contacts', () => {
  it('finds a contact by ContactNumber in the path, by where and by searchTerm, and keeps active names unique', async () => {
    const number = uniqueNumber('RET');
    const name = `Retailer ${number}`;
    const created = (await api.createContacts(uk, { contacts: [{ name, contactNumber: number, emailAddress: 'ap@retailer.example' }] })).body.contacts![0];
    expect((await api.getContactByContactNumber(uk, number)).body.contacts![0].contactID).toBe(created.contactID);
    expect((await api.getContacts(uk, undefined, `ContactNumber=="${number}"`)).body.contacts!.map((c) => c.contactID)).toEqual([created.contactID]);
    const search = await api.getContacts(uk, undefined, undefined, undefined, undefined, undefined, undefined, undefined, number.toLowerCase());
    expect(search.body.contacts!.map((c) => c.name)).toEqual([name]);
    const dup = await api.createContacts(uk, { contacts: [{ name }] }, false);
    expect(dup.body.contacts![0].validationErrors!.map((e) => e.message)).toEqual([
      `The contact name ${name} is already assigned to another contact. The contact name must be unique across all active contacts.`,
    ]);
    await api.updateContact(uk, created.contactID!, { contacts: [{ contactStatus: 'ARCHIVED' as never }] });
    expect((await api.getContacts(uk, undefined, `ContactNumber=="${number}"`)).body.contacts).toEqual([]);
    const archived = await api.getContacts(uk, undefined, `ContactNumber=="${number}"`, undefined, undefined, undefined, true);
    expect(archived.body.contacts!.map((c) => c.contactStatus)).toEqual(['ARCHIVED']);
    expect((await api.createContacts(uk, { contacts: [{ name }] })).body.contacts![0].name).toBe(name);
    expect((await expectXeroFailure(api.getContactByContactNumber(uk, 'NO-SUCH-NUMBER'))).statusCode).toBe(404);
  });

  it('puts a new contact named on an invoice in the address book and uses a ContactID once known', async () => {
    const name = `Walk-in ${uniqueNumber()}`;
    const inv = (await api.createInvoices(uk, { invoices: [anInvoice({ contact: { name } })] }, false)).body.invoices![0];
    const contactID = inv.contact!.contactID!;
    expect((await api.getContact(uk, contactID)).body.contacts![0].name).toBe(name);
    const again = (await api.createInvoices(uk, { invoices: [anInvoice({ contact: { contactID } })] }, false)).body.invoices![0];
    expect(again.contact!.name).toBe(name);
  });
});

describe('credit notes, allocations and attachments', () => {
  it('allocates a credit note to an invoice within what is outstanding, then locks the invoice', async () => {
    const inv = (await api.createInvoices(uk, { invoices: [anInvoice()] }, false)).body.invoices![0];
    const cnNumber = uniqueNumber('CN');
    const cn = (await api.createCreditNotes(uk, { creditNotes: [aCreditNote({ creditNoteNumber: cnNumber, lineItems: [aLine({ quantity: 3 })] })] }, false))
      .body.creditNotes![0];
    expect(cn).toMatchObject({ total: 432, remainingCredit: 432, statusAttributeString: 'OK' });
    const found = await api.getCreditNotes(uk, undefined, `CreditNoteNumber=="${cnNumber}"`);
    expect(found.body.creditNotes!.map((c) => c.creditNoteID)).toEqual([cn.creditNoteID]);

    const tooMuch = await expectXeroFailure(
      api.createCreditNoteAllocation(uk, cn.creditNoteID!, {
        allocations: [{ invoice: { invoiceID: inv.invoiceID }, amount: 300, date: '2026-03-06' } as Allocation],
      }),
    );
    expect(tooMuch.statusCode).toBe(400);
    expect(JSON.stringify(tooMuch.body)).toContain('Credit Note cannot be allocated as amount is greater than amount outstanding');

    const alloc = await api.createCreditNoteAllocation(uk, cn.creditNoteID!, {
      allocations: [{ invoice: { invoiceID: inv.invoiceID }, amount: 288, date: '2026-03-06' } as Allocation],
    });
    expect(alloc.body.allocations![0].amount).toBe(288);
    const paid = (await api.getInvoice(uk, inv.invoiceID!)).body.invoices![0];
    expect(paid).toMatchObject({ status: 'PAID', amountDue: 0, amountCredited: 288 });
    expect((await api.getCreditNote(uk, cn.creditNoteID!)).body.creditNotes![0].remainingCredit).toBe(144);

    const again = await expectXeroFailure(
      api.createCreditNoteAllocation(uk, cn.creditNoteID!, {
        allocations: [{ invoice: { invoiceID: inv.invoiceID }, amount: 1, date: '2026-03-06' } as Allocation],
      }),
    );
    expect(JSON.stringify(again.body)).toContain('The invoice you are trying to allocate to has already been paid off');
    const edit = await api.updateOrCreateInvoices(uk, { invoices: [{ invoiceID: inv.invoiceID, reference: 'edit' }] }, false);
    expect(edit.body.invoices![0].validationErrors!.map((e) => e.message)).toEqual([
      'This document cannot be edited as it has a payment or credit note allocated to it.',
    ]);
  });

  it('approves drafts as a person does in Xero (admin API over HTTP), under the rules an approval meets', async () => {
    const noDue = (await api.createInvoices(uk, { invoices: [anInvoice({ status: Invoice.StatusEnum.DRAFT, dueDate: undefined })] }, false)).body.invoices![0];
    const inv = (await api.createInvoices(uk, { invoices: [anInvoice({ status: Invoice.StatusEnum.DRAFT })] }, false)).body.invoices![0];
    const cn = (await api.createCreditNotes(uk, { creditNotes: [aCreditNote({ status: CreditNote.StatusEnum.DRAFT })] }, false)).body.creditNotes![0];
    expect([noDue.status, inv.status, cn.status]).toEqual(['DRAFT', 'DRAFT', 'DRAFT']);
    const approve = (path: string) =>
      fetch(`${sandbox.url}/__admin/tenants/${uk}/${path}/approve`, { method: 'POST', headers: { 'content-type': 'application/json' } });

    const refused = await approve(`invoices/${noDue.invoiceID}`);
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: string }).error).toMatch(/Due ?Date/i);
    expect((await approve(`invoices/${inv.invoiceNumber}`)).status).toBe(200);
    expect((await approve(`credit-notes/${cn.creditNoteID}`)).status).toBe(200);
    expect((await api.getInvoice(uk, inv.invoiceID!)).body.invoices![0].status).toBe('AUTHORISED');
    expect((await api.getCreditNote(uk, cn.creditNoteID!)).body.creditNotes![0].status).toBe('AUTHORISED');
    expect((await approve('invoices/not-there')).status).toBe(400);
  });

  it('refuses to edit an invoice paid in Xero', async () => {
    const inv = (await api.createInvoices(uk, { invoices: [anInvoice()] }, false)).body.invoices![0];
    sandbox.admin.recordPayment(uk, inv.invoiceID!, 100);
    const edit = await api.updateInvoice(uk, inv.invoiceID!, { invoices: [{ reference: 'edit' }] }).catch((e: unknown) => e);
    expect(JSON.stringify(edit)).toContain('This document cannot be edited as it has a payment or credit note allocated to it.');
  });

  it('attaches a PDF to an invoice and a credit note, replacing a file of the same name', async () => {
    const inv = (await api.createInvoices(uk, { invoices: [anInvoice()] }, false)).body.invoices![0];
    const pdf = Buffer.from('%PDF-1.4 invoice');
    const first = await api.createInvoiceAttachmentByFileName(uk, inv.invoiceID!, 'invoice.pdf', pdf, true);
    expect(first.body.attachments![0]).toMatchObject({ fileName: 'invoice.pdf', mimeType: 'application/pdf', contentLength: pdf.length, includeOnline: true });
    await api.createInvoiceAttachmentByFileName(uk, inv.invoiceID!, 'invoice.pdf', Buffer.from('%PDF-1.4 v2'));
    const list = await api.getInvoiceAttachments(uk, inv.invoiceID!);
    expect(list.body.attachments!.map((a) => a.contentLength)).toEqual([11]);
    const cn = (await api.createCreditNotes(uk, { creditNotes: [aCreditNote()] }, false)).body.creditNotes![0];
    const att = await api.createCreditNoteAttachmentByFileName(uk, cn.creditNoteID!, 'credit.pdf', pdf);
    expect(att.body.attachments![0].fileName).toBe('credit.pdf');
    expect((await api.getCreditNote(uk, cn.creditNoteID!)).body.creditNotes![0].hasAttachments).toBe(true);
  });

  it('applies the lock date set through the admin API', async () => {
    sandbox.admin.setLockDates(eu, { periodLockDate: '2026-02-28' });
    const eur = { currencyCode: CurrencyCode.EUR, lineItems: [aLine({ taxType: 'OUTPUT' })] };
    const res = await api.createInvoices(eu, { invoices: [anInvoice({ ...eur, date: '2026-02-10' }), anInvoice(eur)] }, false);
    expect(res.body.invoices!.map((i) => i.validationErrors?.map((e) => e.message) ?? [])).toEqual([
      ['The document date cannot be before the period lock date, currently set at 28-Feb-2026'],
      [],
    ]);
    sandbox.admin.setLockDates(eu, { periodLockDate: null });
  });
});
