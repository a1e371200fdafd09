// The exporter in-process against the Xero sandbox (over HTTP) with real Kafka and Postgres: batches,
// contacts, credit-note allocation, attachments, Xero's refusals mapped to codes, and the faults that
// must never produce a duplicate (lost answers, 5xx, dropped connections, 429s, the day limit).
import {
  AllocationCheckRequested,
  allocationChecksKey,
  createEnvelope,
  type DocumentMapped,
  type EventEnvelope,
  exampleConnectionChanged,
} from '@lnbx/contracts';
import { metricValue, readMetrics, waitFor } from '@lnbx/testing';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { AccountingApi, Contact, CurrencyCode, Invoice, LineAmountTypes } from 'xero-node';
import { aMappedCreditNote, aMappedInvoice, SenderWorker } from './testing';
import { countByNumber, type ExporterRig, startExporterRig } from './testing/harness';

const TIME_SCALE = 60;

describe('xero-exporter against the Xero sandbox', () => {
  let rig: ExporterRig;
  let pdfServer: http.Server;
  let pdfUrl: string;
  let tenant: string;

  beforeAll(async () => {
    pdfServer = http.createServer((req, res) => {
      if (req.url === '/missing.pdf') return void res.writeHead(404).end();
      res.writeHead(200, { 'Content-Type': 'application/pdf' }).end(Buffer.from('%PDF-1.4 LNB invoice\n%%EOF'));
    });
    await new Promise<void>((r) => pdfServer.listen(0, '127.0.0.1', r));
    pdfUrl = `http://127.0.0.1:${(pdfServer.address() as AddressInfo).port}`;
    rig = await startExporterRig('exporter', TIME_SCALE, () => ({ XERO_ATTACH_PDF: 'true', XERO_CHANGED_AFTER_EXPORT: 'update' }));
    tenant = rig.sandbox.clients.clientCredentials.tenantId;
  });

  afterAll(async () => {
    await rig?.close();
    await new Promise((r) => pdfServer?.close(r));
  });

  const invoices = () => countByNumber(rig.sandbox.admin.invoices(tenant), 'InvoiceNumber');
  const creditNotes = () => countByNumber(rig.sandbox.admin.creditNotes(tenant), 'CreditNoteNumber');
  const invoice = (n: string) => rig.sandbox.admin.invoices(tenant).find((d) => d.InvoiceNumber === n);
  const creditNote = (n: string) => rig.sandbox.admin.creditNotes(tenant).find((d) => d.CreditNoteNumber === n);
  /** Xero as an accountant (or another app) uses it, beside the exporter. */
  const byHand = async () => {
    const api = new AccountingApi(rig.sandbox.accountingBasePath);
    api.accessToken = (await rig.sandbox.clientCredentialsToken()).access_token;
    return api;
  };
  /** "Check allocations now", as the monitor sends it. */
  const checkNow = (documents?: string[]) =>
    rig.publisher.publish([
      createEnvelope(
        AllocationCheckRequested.definition,
        { requestedBy: 'finance@brand', ...(documents ? { documents } : {}) },
        {
          producer: 'monitor-api',
          connectionId: 'acme',
          correlationId: allocationChecksKey('acme'),
          causationId: null,
          key: allocationChecksKey('acme'),
        },
      ),
    ]);
  const calls = (method: string, path: string) =>
    rig.sandbox.admin.calls({ tenantId: tenant, limit: 2000 }).recent.filter((c) => c.method === method && c.path === path);
  /**
   * Documents that reach the exporter together: the sender is held until all are recorded, so they go as one
   * batch (an idle organisation's first document otherwise goes at once, alone, and the rest follow together).
   */
  const publishTogether = async (envs: EventEnvelope<DocumentMapped.Value>[]) => {
    const sender = rig.service.app.get(SenderWorker);
    await sender.stop();
    try {
      await rig.publisher.publish(envs);
      const keys = envs.map((e) => e.payload.documentKey);
      await waitFor(
        'the documents recorded',
        async () => (await rig.pool.query('select count(*)::int as n from exporter.pending where document_key = any($1)', [keys])).rows[0].n === keys.length,
      );
    } finally {
      sender.start();
    }
  };

  it('connects a connection by itself once monitor-api publishes it, publishes the reference data and tells the monitor with XeroConnectionChanged', async () => {
    await rig.publisher.publish([exampleConnectionChanged('acme', 1, 'active', 'created')]);
    const ref = await waitFor('reference data', () => rig.observer.reference[0]);
    expect(ref.payload).toMatchObject({ xeroTenantId: tenant, organisationName: 'Demo Fashion Ltd', baseCurrency: 'GBP' });
    expect(ref.payload.taxRates.map((t) => t.taxType)).toContain('OUTPUT2');
    expect(ref.payload.accounts.find((a) => a.code === '860')?.systemAccount).toBe('ROUNDING');
    const told = await rig.observer.waitChange('connected');
    expect(told).toMatchObject({ key: 'acme:xero-connection', connectionId: 'acme' });
    expect(told.payload).toEqual({
      status: 'connected',
      change: 'connected',
      grant: 'client_credentials',
      xeroTenantId: tenant,
      tenantName: 'Demo Fashion Ltd',
      connectedAt: expect.any(String),
    });
    expect(JSON.stringify(told)).not.toMatch(/token|secret/i);
    expect((await rig.pool.query("select status from exporter.connections where connection_id = 'acme'")).rows).toEqual([{ status: 'connected' }]);
  });

  it('sends a run of invoices as one batch, creates the contact once, and reports what Xero computed', async () => {
    const envs = ['B-1', 'B-2', 'B-3', 'B-4'].map((n, i) =>
      aMappedInvoice(n)
        .inRun('run-batch')
        .withLines({ quantity: i + 1, unitAmount: 10.5 })
        .envelope(),
    );
    const before = rig.sandbox.admin.calls({ tenantId: tenant }).stats.byStatus;
    await publishTogether(envs);
    const done = await Promise.all(envs.map((e) => rig.observer.waitExported(e.payload.documentKey)));
    expect(done.map((d) => d.payload.outcome)).toEqual(['created', 'created', 'created', 'created']);
    expect(done[2].payload).toMatchObject({ number: 'B-3', subTotal: 31.5, totalTax: 6.3, total: 37.8, xeroTenantId: tenant });
    expect(done[2].payload.url).toMatch(/^https:\/\/go\.xero\.com\/.*InvoiceID(%3D|=)[0-9a-f-]{36}/);
    expect(done[0]).toMatchObject({ correlationId: 'run-batch', causationId: envs[0].eventId, key: envs[0].key, producer: 'xero-exporter' });
    const creates = rig.sandbox.admin.calls({ tenantId: tenant, limit: 500 }).recent.filter((c) => c.method === 'PUT' && c.path === '/Invoices');
    expect(creates.length).toBe(1);
    expect(rig.sandbox.admin.contacts(tenant).filter((c) => c.ContactNumber === 'RET-0042')).toHaveLength(1);
    expect(before).toBeDefined();
    for (const n of ['B-1', 'B-2', 'B-3', 'B-4']) expect(invoices().get(n)).toBe(1);
  });

  it('leaves preview documents alone and applies a redelivered event once', async () => {
    const preview = aMappedInvoice('PV-1').asPreview().envelope();
    const twice = aMappedInvoice('TW-1').envelope();
    await rig.publisher.publish([preview, twice]);
    await rig.publisher.publish([twice]);
    await rig.observer.waitExported(twice.payload.documentKey);
    const { rows } = await rig.pool.query('select count(*)::int as n from exporter.processed_events where event_id = $1', [twice.eventId]);
    expect(rows[0].n).toBe(1);
    expect(invoices().get('PV-1')).toBeUndefined();
    expect(rig.observer.exportedOf(twice.payload.documentKey)).toHaveLength(1);
  });

  it('allocates a credit note to its invoice and attaches the LNB PDF to both', async () => {
    const inv = aMappedInvoice('AL-INV-1').withPdf(`${pdfUrl}/AL-INV-1.pdf`).envelope();
    const cn = aMappedCreditNote('AL-CN-1').allocatingTo('AL-INV-1').withLines({ quantity: 1, unitAmount: 50 }).withPdf(`${pdfUrl}/AL-CN-1.pdf`).envelope();
    await rig.publisher.publish([inv, cn]);
    await rig.observer.waitExported(inv.payload.documentKey);
    const exported = await rig.observer.waitExported(cn.payload.documentKey);
    expect(exported.payload.total).toBe(60);
    const allocated = await waitFor('the allocation', () => (invoice('AL-INV-1')?.AmountCredited === 60 ? invoice('AL-INV-1') : undefined));
    expect(allocated.AmountDue).toBe(453.6 - 60);
    expect(creditNote('AL-CN-1')?.Status).toBe('PAID');
    await waitFor('both PDFs attached', () => invoice('AL-INV-1')?.HasAttachments === true && creditNote('AL-CN-1')?.HasAttachments === true);
    expect(invoice('AL-INV-1')?.Attachments).toMatchObject([{ FileName: 'AL-INV-1.pdf', MimeType: 'application/pdf' }]);
    expect(rig.observer.failedOf(cn.payload.documentKey)).toEqual([]);
  });

  it('reports an allocation Xero cannot make on its own, after the credit note was exported, and never as a failed export', async () => {
    const inv = aMappedInvoice('AL-INV-2').envelope();
    await rig.publisher.publish([inv]);
    const done = await rig.observer.waitExported(inv.payload.documentKey);
    rig.sandbox.admin.recordPayment(tenant, done.payload.xeroId, 453.6);
    const cn = aMappedCreditNote('AL-CN-2').allocatingTo('AL-INV-2').envelope();
    await rig.publisher.publish([cn]);
    const refused = await rig.observer.waitAllocation(cn.payload.documentKey, 'CreditNoteLeftUnallocated');
    expect(refused.payload).toMatchObject({
      code: 'XERO.ALLOCATION_INVOICE_PAID',
      creditNoteNumber: 'AL-CN-2',
      invoiceNumber: 'AL-INV-2',
      runId: cn.payload.runId,
    });
    expect(refused.payload.message).toBe(
      "Invoice AL-INV-2 has already been paid in Xero, so credit note AL-CN-2 was not allocated to it; its credit stays on the customer's account.",
    );
    expect(refused).toMatchObject({ correlationId: cn.payload.runId, key: cn.payload.documentKey, producer: 'xero-exporter' });
    expect(rig.observer.exportedOf(cn.payload.documentKey)[0].occurredAt <= refused.occurredAt).toBe(true);
    expect(rig.observer.failedOf(cn.payload.documentKey)).toEqual([]);
    expect(creditNotes().get('AL-CN-2')).toBe(1);
    expect(metricValue(await readMetrics(rig.service.url), 'lnbx_documents_export_failed_total', { type: 'credit_note' })).toBe(0);
  });

  it('exports DRAFT credit notes as exported, waits for the approvals made in Xero later, then allocates once', async () => {
    const draft = { status: 'DRAFT' as const };
    const inv = aMappedInvoice('DR-INV-1').withXero(draft).envelope();
    const cn = aMappedCreditNote('DR-CN-1').allocatingTo('DR-INV-1').withXero(draft).withLines({ quantity: 1, unitAmount: 80 }).envelope();
    await rig.publisher.publish([inv, cn]);
    await rig.observer.waitExported(inv.payload.documentKey);
    await rig.observer.waitExported(cn.payload.documentKey);
    // The credit note may reach Xero before its invoice (another batch): then it first waits for the invoice too.
    const waits = await waitFor('waiting for both approvals', () =>
      rig.observer
        .allocationsOf(cn.payload.documentKey)
        .find((e) => e.type === 'CreditNoteAllocationDeferred' && e.payload.waitingFor.join() === 'credit_note_approval,invoice_approval'),
    );
    expect(waits.payload).toMatchObject({ invoiceNumber: 'DR-INV-1', creditNoteNumber: 'DR-CN-1' });
    expect(waits.payload.message).toContain('waits until DR-CN-1 and DR-INV-1 are approved in Xero');

    // Approved one at a time, as a person would in Xero; "check now" (the Integration Center's button) each time.
    rig.sandbox.admin.approve(tenant, 'creditNote', 'DR-CN-1');
    await checkNow();
    const invoiceOnly = await waitFor('waiting for the invoice only', () =>
      rig.observer
        .allocationsOf(cn.payload.documentKey)
        .find((e) => e.type === 'CreditNoteAllocationDeferred' && e.payload.waitingFor.join() === 'invoice_approval'),
    );
    expect(invoiceOnly.payload.message).toContain('waits until DR-INV-1 is approved in Xero');
    expect(invoice('DR-INV-1')?.AmountCredited).toBe(0);

    rig.sandbox.admin.approve(tenant, 'invoice', 'DR-INV-1');
    await checkNow();
    const allocated = await rig.observer.waitAllocation(cn.payload.documentKey, 'CreditNoteAllocated');
    expect(allocated.payload).toMatchObject({ amount: 96, currency: 'GBP', remainingCredit: 0, outcome: 'allocated', invoiceNumber: 'DR-INV-1' });
    expect(allocated.payload.message).toBe('Allocated 96.00 GBP of credit note DR-CN-1 to invoice DR-INV-1.');
    expect(invoice('DR-INV-1')).toMatchObject({ AmountCredited: 96, AmountDue: 453.6 - 96 });

    // Asked again: nothing more happens in Xero.
    await checkNow(['DR-CN-1']);
    await waitFor(
      'the re-check answered',
      () =>
        rig.observer.allocationsOf(cn.payload.documentKey).filter((e) => e.type === 'CreditNoteAllocated').length === 1 &&
        calls('PUT', `/CreditNotes/${allocated.payload.creditNoteXeroId}/Allocations`).length === 1,
    );
    expect(creditNote('DR-CN-1')?.Allocations).toHaveLength(1);
    expect(rig.observer.failedOf(cn.payload.documentKey)).toEqual([]);
  });

  it('allocates a credit note larger than what its invoice still owes up to that amount, and reports the rest', async () => {
    const inv = aMappedInvoice('PT-INV-1').envelope();
    await rig.publisher.publish([inv]);
    const done = await rig.observer.waitExported(inv.payload.documentKey);
    rig.sandbox.admin.recordPayment(tenant, done.payload.xeroId, 400);
    const cn = aMappedCreditNote('PT-CN-1').allocatingTo('PT-INV-1').withLines({ quantity: 1, unitAmount: 100 }).envelope();
    await rig.publisher.publish([cn]);
    const allocated = await rig.observer.waitAllocation(cn.payload.documentKey, 'CreditNoteAllocated');
    expect(allocated.payload).toMatchObject({ amount: 53.6, remainingCredit: 66.4, outcome: 'allocated' });
    expect(allocated.payload.message).toBe(
      "Allocated 53.60 GBP of credit note PT-CN-1 to invoice PT-INV-1. 66.40 GBP of credit stays on the customer's account: the invoice owed only 53.60 GBP.",
    );
    expect(invoice('PT-INV-1')).toMatchObject({ Status: 'PAID', AmountDue: 0 });
    expect(creditNote('PT-CN-1')).toMatchObject({ Status: 'AUTHORISED', RemainingCredit: 66.4 });
    expect(rig.observer.failedOf(cn.payload.documentKey)).toEqual([]);
  });

  it('waits for an invoice that reaches Xero after its credit note, and allocates when it does', async () => {
    const cn = aMappedCreditNote('LT-CN-1').allocatingTo('LT-INV-1').withLines({ quantity: 1, unitAmount: 10 }).envelope();
    await rig.publisher.publish([cn]);
    const waits = await rig.observer.waitAllocation(cn.payload.documentKey, 'CreditNoteAllocationDeferred');
    expect(waits.payload.waitingFor).toEqual(['invoice_in_xero']);
    await rig.publisher.publish([aMappedInvoice('LT-INV-1').envelope()]);
    const allocated = await rig.observer.waitAllocation(cn.payload.documentKey, 'CreditNoteAllocated');
    expect(allocated.payload).toMatchObject({ amount: 12, remainingCredit: 0 });
  });

  it('keeps the export when the PDF cannot be fetched: a warning, not a failure', async () => {
    const env = aMappedInvoice('PDF-MISSING').withPdf(`${pdfUrl}/missing.pdf`).envelope();
    await rig.publisher.publish([env]);
    await rig.observer.waitExported(env.payload.documentKey);
    await waitFor(
      'the attachment given up',
      async () => metricValue(await readMetrics(rig.service.url), 'lnbx_xero_attachments_failed_total', { connection: 'acme', type: 'invoice' }) === 1,
    );
    expect(rig.observer.failedOf(env.payload.documentKey)).toEqual([]);
    expect(invoice('PDF-MISSING')?.HasAttachments).toBe(false);
  });

  it("maps Xero's refusals to stable codes, each document on its own, in one request", async () => {
    const before = calls('PUT', '/Invoices').length;
    const envs = [
      aMappedInvoice('RF-OK').envelope(),
      aMappedInvoice('RF-TAX').withLines({ taxType: 'NOPE' }).envelope(),
      aMappedInvoice('RF-ACC').withLines({ accountCode: '999' }).envelope(),
      aMappedInvoice('RF-LOCK').withXero({ date: '2024-01-15', dueDate: '2024-02-15' }).envelope(),
    ];
    await publishTogether(envs);
    await rig.observer.waitExported(envs[0].payload.documentKey);
    const codes = await Promise.all(envs.slice(1).map(async (e) => (await rig.observer.waitFailed(e.payload.documentKey)).payload));
    expect(codes.map((c) => [c.problems[0].code, c.retriable, c.attempt])).toEqual([
      ['XERO.UNKNOWN_TAX_TYPE', false, 1],
      ['XERO.INVALID_ACCOUNT', false, 1],
      ['XERO.LOCK_DATE', false, 1],
    ]);
    expect(calls('PUT', '/Invoices').length - before).toBe(1);
  });

  it('links an invoice already typed into Xero under the same number (already_present)', async () => {
    const api = await byHand();
    const typed = await api.createInvoices(
      tenant,
      {
        invoices: [
          {
            type: Invoice.TypeEnum.ACCREC,
            invoiceNumber: 'HAND-1',
            contact: { name: 'Walk-in customer' },
            date: '2026-03-01',
            dueDate: '2026-03-31',
            currencyCode: CurrencyCode.GBP,
            status: Invoice.StatusEnum.AUTHORISED,
            lineAmountTypes: LineAmountTypes.Exclusive,
            lineItems: [{ description: 'Typed by hand', quantity: 1, unitAmount: 10, accountCode: '200', taxType: 'OUTPUT2' }],
          },
        ],
      },
      false,
    );
    const env = aMappedInvoice('HAND-1').envelope();
    await rig.publisher.publish([env]);
    const done = await rig.observer.waitExported(env.payload.documentKey);
    expect(done.payload).toMatchObject({ outcome: 'already_present', xeroId: typed.body.invoices![0].invoiceID, total: 12 });
    expect(invoices().get('HAND-1')).toBe(1);
  });

  it('after an answer lost once Xero stored the batch, looks the numbers up before sending again', async () => {
    rig.sandbox.admin.addFault({ kind: 'outcomeUnknown', tenantId: tenant, method: 'PUT', pathPrefix: '/Invoices', times: 1 });
    const envs = ['OU-1', 'OU-2', 'OU-3'].map((n) => aMappedInvoice(n).envelope());
    await publishTogether(envs);
    const done = await Promise.all(envs.map((e) => rig.observer.waitExported(e.payload.documentKey)));
    expect(done.map((d) => d.payload.outcome)).toEqual(['already_present', 'already_present', 'already_present']);
    for (const n of ['OU-1', 'OU-2', 'OU-3']) expect(invoices().get(n)).toBe(1);
  });

  it('treats a timeout as an unknown outcome: credit notes (which Xero lets repeat) are still created once', async () => {
    rig.sandbox.admin.addFault({ kind: 'outcomeUnknown', tenantId: tenant, method: 'PUT', pathPrefix: '/CreditNotes', times: 1, hangMs: 8000 });
    const envs = ['TO-CN-1', 'TO-CN-2'].map((n) => aMappedCreditNote(n).envelope());
    await rig.publisher.publish(envs);
    await Promise.all(envs.map((e) => rig.observer.waitExported(e.payload.documentKey)));
    expect(rig.sandbox.admin.faults().filter((f) => f.pathPrefix === '/CreditNotes')).toEqual([]);
    expect(creditNotes().get('TO-CN-1')).toBe(1);
    expect(creditNotes().get('TO-CN-2')).toBe(1);
  });

  it('rides out 5xx answers and dropped connections without a duplicate', async () => {
    // Every create fails until the faults are spent (4 answers 503, then 2 sockets dropped before anything is stored):
    // how many creates the exporter sends depends on how it batches, so the faults must not depend on it.
    rig.sandbox.admin.addFault({ kind: 'error', status: 503, tenantId: tenant, method: 'PUT', pathPrefix: '/Invoices', rate: 1, times: 4 });
    rig.sandbox.admin.addFault({ kind: 'drop', tenantId: tenant, method: 'PUT', pathPrefix: '/Invoices', rate: 1, times: 2 });
    const numbers = Array.from({ length: 12 }, (_, i) => `FX-${i}`);
    const envs = numbers.map((n) => aMappedInvoice(n).envelope());
    await rig.publisher.publish(envs);
    await Promise.all(envs.map((e) => rig.observer.waitExported(e.payload.documentKey)));
    for (const n of numbers) expect(invoices().get(n)).toBe(1);
    expect(rig.sandbox.admin.faults().filter((f) => f.tenantId === tenant)).toEqual([]);
  });

  it('updates a changed document while Xero allows it, and reports it once Xero no longer does', async () => {
    const draft = aMappedInvoice('CH-1').withXero({ status: 'DRAFT' });
    await rig.publisher.publish([draft.envelope()]);
    await rig.observer.waitExported('acme:invoice:CH-1');
    await rig.publisher.publish([draft.withRevision('r2').withLines({ quantity: 3, unitAmount: 100 }).envelope()]);
    const updated = await waitFor('CH-1 updated', () => rig.observer.exportedOf('acme:invoice:CH-1').find((e) => e.payload.outcome === 'updated'));
    expect(updated.payload).toMatchObject({ revision: 'r2', total: 360 });
    expect(invoice('CH-1')?.Total).toBe(360);
    expect(invoices().get('CH-1')).toBe(1);

    const paid = aMappedInvoice('CH-2');
    await rig.publisher.publish([paid.envelope()]);
    const first = await rig.observer.waitExported('acme:invoice:CH-2');
    rig.sandbox.admin.recordPayment(tenant, first.payload.xeroId, 10);
    await rig.publisher.publish([paid.withRevision('r2').withLines({ quantity: 1, unitAmount: 1 }).envelope()]);
    const refused = await rig.observer.waitFailed('acme:invoice:CH-2', 'XERO.CHANGED_AFTER_EXPORT');
    expect(refused.payload).toMatchObject({ revision: 'r2', retriable: false });
    expect(invoice('CH-2')?.Total).toBe(453.6);
  });

  it('finds contacts by number, adopts a hand-made namesake, suffixes a clash and restores an archived one', async () => {
    const api = await byHand();
    await api.createContacts(
      tenant,
      { contacts: [{ name: 'Hand Made Ltd' }, { name: 'Clash Ltd', contactNumber: 'OTHER-1' }, { name: 'Archived Ltd', contactNumber: 'RET-ARCH' }] },
      false,
    );
    const archived = rig.sandbox.admin.contacts(tenant).find((c) => c.ContactNumber === 'RET-ARCH')!;
    await api.updateContact(tenant, String(archived.ContactID), {
      contacts: [{ contactID: String(archived.ContactID), contactStatus: Contact.ContactStatusEnum.ARCHIVED }],
    });
    const envs = [
      aMappedInvoice('CT-1').withContact({ contactNumber: 'RET-HAND', name: 'Hand Made Ltd' }).envelope(),
      aMappedInvoice('CT-2').withContact({ contactNumber: 'RET-CLASH', name: 'Clash Ltd' }).envelope(),
      aMappedInvoice('CT-3').withContact({ contactNumber: 'RET-ARCH', name: 'Archived Ltd' }).envelope(),
    ];
    await rig.publisher.publish(envs);
    await Promise.all(envs.map((e) => rig.observer.waitExported(e.payload.documentKey)));
    const contacts = rig.sandbox.admin.contacts(tenant);
    const named = (n: string) => contacts.filter((c) => c.Name === n);
    expect(named('Hand Made Ltd')).toMatchObject([{ ContactNumber: 'RET-HAND', ContactStatus: 'ACTIVE' }]);
    expect(named('Clash Ltd (RET-CLASH)')).toMatchObject([{ ContactNumber: 'RET-CLASH', ContactStatus: 'ACTIVE' }]);
    expect(named('Clash Ltd')).toMatchObject([{ ContactNumber: 'OTHER-1' }]);
    expect(contacts.filter((c) => c.ContactNumber === 'RET-ARCH')).toMatchObject([{ ContactID: archived.ContactID, ContactStatus: 'ACTIVE' }]);
    expect((invoice('CT-3')?.Contact as { ContactID: string }).ContactID).toBe(archived.ContactID);
  });

  it('creates two retailers of the same name sent together: the one Xero refuses for the name is suffixed, not failed', async () => {
    // Found by the fault suite (tools/fault): two batches created namesakes at once, and the second document failed.
    const envs = [
      aMappedInvoice('TWIN-INV-1').withContact({ contactNumber: 'RET-TWIN-1', name: 'Twin Boutique' }).envelope(),
      aMappedInvoice('TWIN-INV-2').withContact({ contactNumber: 'RET-TWIN-2', name: 'Twin Boutique' }).envelope(),
    ];
    await rig.publisher.publish(envs);
    await Promise.all(envs.map((e) => rig.observer.waitExported(e.payload.documentKey)));
    expect(envs.flatMap((e) => rig.observer.failedOf(e.payload.documentKey))).toEqual([]);
    const twins = rig.sandbox.admin.contacts(tenant).filter((c) => String(c.ContactNumber).startsWith('RET-TWIN-'));
    expect(twins).toHaveLength(2);
    // One keeps the name, the other gets its number as a suffix (which one depends on which Xero saw first).
    const [plain, suffixed] = [twins.filter((c) => c.Name === 'Twin Boutique'), twins.filter((c) => c.Name === `Twin Boutique (${c.ContactNumber})`)];
    expect([plain.length, suffixed.length]).toEqual([1, 1]);
  });

  it('gives up after XERO_MAX_ATTEMPTS on a document Xero keeps failing, says a retry is safe, and a retry run exports it once', async () => {
    const fault = rig.sandbox.admin.addFault({ kind: 'error', status: 503, tenantId: tenant, method: 'PUT', pathPrefix: '/CreditNotes' });
    const cn = aMappedCreditNote('GU-CN-1');
    await rig.publisher.publish([cn.envelope()]);
    const failed = await rig.observer.waitFailed('acme:credit_note:GU-CN-1', 'XERO.UNAVAILABLE');
    expect(failed.payload).toMatchObject({ retriable: true, attempt: 8 });
    expect(failed.payload.problems[0].message).toMatch(/gave up after 8 attempts/);
    rig.sandbox.admin.removeFault(fault.id);
    await rig.publisher.publish([cn.inRun('run-retry').envelope()]);
    const done = await rig.observer.waitExported('acme:credit_note:GU-CN-1');
    expect(done.payload).toMatchObject({ runId: 'run-retry', outcome: 'created' });
    expect(creditNotes().get('GU-CN-1')).toBe(1);
  });

  it('waits out a 429 storm (Retry-After) and the day limit, then sends, with nothing reported failed', async () => {
    rig.sandbox.admin.addFault({ kind: 'error', status: 429, tenantId: tenant, method: 'PUT', pathPrefix: '/Invoices', times: 3 });
    rig.sandbox.admin.forceDayLimit(tenant, 240);
    const envs = ['RL-1', 'RL-2'].map((n) => aMappedInvoice(n).envelope());
    await rig.publisher.publish(envs);
    await Promise.all(envs.map((e) => rig.observer.waitExported(e.payload.documentKey)));
    const rejected = rig.sandbox.admin.calls({ tenantId: tenant }).stats.rejectedByReason;
    expect(rejected['limit:day']).toBeGreaterThanOrEqual(1);
    expect(envs.flatMap((e) => rig.observer.failedOf(e.payload.documentKey))).toEqual([]);
    for (const n of ['RL-1', 'RL-2']) expect(invoices().get(n)).toBe(1);
  });
});
