// npm run exporter:rebuild against what the exporter wrote: documents exported, failed and allocated end to
// end, the tables emptied, rebuilt from the document-<key> streams, and found as they were; and a stream a
// previous release wrote (no lifecycle events) completed from the rows it left.
import { createEnvelope, DocumentExported } from '@lnbx/contracts';
import { PostgresEventStore } from '@lnbx/event-store';
import { waitFor } from '@lnbx/testing';
import { rebuildDocuments } from './cli/rebuild';
import { aMappedCreditNote, aMappedInvoice, SenderWorker } from './testing';
import { type ExporterRig, startExporterRig } from './testing/harness';

const TIME_SCALE = 60;

describe('exporter:rebuild', () => {
  let rig: ExporterRig;

  beforeAll(async () => {
    rig = await startExporterRig('exporter-rebuild', TIME_SCALE);
  });

  afterAll(async () => {
    await rig?.close();
  });

  const documents = async () => (await rig.pool.query('select * from exporter.documents order by document_key')).rows;
  /** The allocations' state; `checks` and `next_check_at` are their schedule, a work queue the rebuild does not own. */
  const allocations = async () =>
    (await rig.pool.query('select * from exporter.allocations order by document_key')).rows.map(({ checks: _checks, next_check_at: _next, ...state }) => state);

  it("rewrites exporter.documents and the allocations' state from the streams as the workers left them", async () => {
    const inv = aMappedInvoice('RB-INV-1').envelope();
    const cn = aMappedCreditNote('RB-CN-1').allocatingTo('RB-INV-1').withLines({ quantity: 1, unitAmount: 10 }).envelope();
    const refused = aMappedInvoice('RB-TAX').withLines({ taxType: 'NOPE' }).envelope();
    await rig.publisher.publish([inv, cn, refused]);
    await rig.observer.waitExported(inv.payload.documentKey);
    await rig.observer.waitExported(cn.payload.documentKey);
    await rig.observer.waitFailed(refused.payload.documentKey, 'XERO.UNKNOWN_TAX_TYPE');
    await rig.observer.waitAllocation(cn.payload.documentKey, 'CreditNoteAllocated');
    // The same revision again: said exported from the stream, without a call.
    await rig.publisher.publish([aMappedInvoice('RB-INV-1').inRun('run-again').envelope()]);
    await waitFor('the retry answered', () => rig.observer.exportedOf(inv.payload.documentKey).length === 2);

    const sender = rig.service.app.get(SenderWorker);
    await sender.stop();
    try {
      const before = { documents: await documents(), allocations: await allocations() };
      expect(before.documents.map((d) => [d.document_key, d.number, d.status, d.needs_lookup])).toEqual([
        ['acme:credit_note:RB-CN-1', 'RB-CN-1', 'AUTHORISED', false],
        ['acme:invoice:RB-INV-1', 'RB-INV-1', 'AUTHORISED', false],
        ['acme:invoice:RB-TAX', null, null, false],
      ]);
      expect(before.allocations).toMatchObject([
        { document_key: 'acme:credit_note:RB-CN-1', state: 'allocated', invoice_number: 'RB-INV-1', credit_note_date: '2026-03-02' },
      ]);

      await rig.pool.query('truncate exporter.documents, exporter.allocations');
      const counts = await rebuildDocuments(rig.pool);
      expect(counts.streams).toBe(3);
      expect({ documents: await documents(), allocations: await allocations() }).toEqual(before);
    } finally {
      sender.start();
    }
  });

  it("completes a previous release's stream from its rows: Xero's status, a pending look-up, an allocation not yet looked at", async () => {
    const store = new PostgresEventStore(rig.pool, 'exporter');
    const exported = createEnvelope(
      DocumentExported.definition,
      {
        documentKey: 'acme:credit_note:OLD-CN',
        documentType: 'credit_note',
        revision: 'r1',
        runId: 'run-old',
        xeroTenantId: 't-1',
        xeroId: 'c0000000-0000-4000-8000-00000000000a',
        number: 'OLD-CN',
        url: 'https://go.xero.com/x',
        subTotal: 10,
        totalTax: 2,
        total: 12,
        outcome: 'created',
      },
      { producer: 'xero-exporter', connectionId: 'acme', correlationId: 'run-old', causationId: 'cause-old', key: 'acme:credit_note:OLD-CN' },
    );
    // As the previous release stored it: the envelope on its topic (already published long ago).
    await store.append(
      'document-acme:credit_note:OLD-CN',
      [{ eventId: exported.eventId, type: exported.type, data: exported, topic: DocumentExported.definition.topic, kafkaKey: exported.key }],
      { expectedVersion: 'no_stream' },
    );
    await rig.pool.query(
      `insert into exporter.documents (document_key, connection_id, doc_type, xero_tenant_id, xero_id, number, revision, status, sub_total, total_tax, total, url, needs_lookup)
       values ('acme:credit_note:OLD-CN', 'acme', 'credit_note', 't-1', 'c0000000-0000-4000-8000-00000000000a', 'OLD-CN', 'r1', 'AUTHORISED', 10, 2, 12, 'https://go.xero.com/x', false),
              ('acme:invoice:OLD-LOST', 'acme', 'invoice', null, null, null, null, null, null, null, null, null, true)`,
    );
    await rig.pool.query(
      `insert into exporter.allocations (document_key, connection_id, revision, run_id, correlation_id, causation_id, credit_note_xero_id, credit_note_number, invoice_number, credit_note_date, next_check_at)
       values ('acme:credit_note:OLD-CN', 'acme', 'r1', 'run-old', 'run-old', 'cause-old', 'c0000000-0000-4000-8000-00000000000a', 'OLD-CN', 'OLD-INV', '2026-03-01', now() + interval '1 day')`,
    );
    const sender = rig.service.app.get(SenderWorker);
    await sender.stop();
    try {
      await rebuildDocuments(rig.pool);
      const rows = (
        await rig.pool.query(
          "select document_key, xero_id, status, total::float8 as total, needs_lookup from exporter.documents where document_key like '%:OLD-%' order by document_key",
        )
      ).rows;
      expect(rows).toEqual([
        { document_key: 'acme:credit_note:OLD-CN', xero_id: 'c0000000-0000-4000-8000-00000000000a', status: 'AUTHORISED', total: 12, needs_lookup: false },
        { document_key: 'acme:invoice:OLD-LOST', xero_id: null, status: null, total: null, needs_lookup: true },
      ]);
      expect(
        (await rig.pool.query("select state, invoice_number, credit_note_date from exporter.allocations where document_key = 'acme:credit_note:OLD-CN'")).rows,
      ).toEqual([{ state: 'waiting', invoice_number: 'OLD-INV', credit_note_date: '2026-03-01' }]);
    } finally {
      sender.start();
    }
  });
});
