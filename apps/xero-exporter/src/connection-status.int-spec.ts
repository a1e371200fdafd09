// A connection paused in monitor-api holds its documents in the exporter without a restart (issue 12):
// ConnectionChanged from the real broker, the Xero sandbox over HTTP. While paused a document is recorded as it
// arrives and waits (the held gauge says how many); resumed, it goes to Xero.
import { exampleConnectionChanged } from '@lnbx/contracts';
import { waitFor } from '@lnbx/testing';
import { aMappedInvoice } from './testing';
import { type ExporterRig, startExporterRig } from './testing/harness';

const TIME_SCALE = 60;

describe('xero-exporter: a paused connection sends nothing', () => {
  let rig: ExporterRig;

  beforeAll(async () => {
    rig = await startExporterRig('exporter-connection-status', TIME_SCALE);
  });

  afterAll(async () => {
    await rig?.close();
  });

  const held = async (): Promise<number | undefined> => {
    const text = await (await fetch(`${rig.service.url}/metrics`)).text();
    const value = /^lnbx_exporter_documents_held\{connection="acme",status="paused"[^}]*\} (\d+)$/m.exec(text)?.[1];
    return value === undefined ? undefined : Number(value);
  };
  const tenant = () => rig.sandbox.clients.clientCredentials.tenantId;
  const inXero = (number: string) => rig.sandbox.admin.invoices(tenant()).filter((i) => i.InvoiceNumber === number).length;

  it('holds a paused connection’s documents, and sends them once it is resumed', async () => {
    await rig.publisher.publish([exampleConnectionChanged('acme', 1, 'active', 'created'), exampleConnectionChanged('acme', 2, 'paused', 'paused')]);
    await waitFor(
      'the pause learned',
      async () => (await rig.pool.query(`select version from exporter.connection_statuses where connection_id = 'acme'`)).rows[0]?.version === 2,
    );

    const invoice = aMappedInvoice('PAUSED-1').envelope();
    await rig.publisher.publish([invoice]);
    // The sender looked at the connection with the document waiting, and held it.
    await waitFor('the document held', async () => (await held()) === 1);
    expect(inXero('PAUSED-1')).toBe(0);
    expect(rig.observer.exportedOf(invoice.payload.documentKey)).toEqual([]);

    await rig.publisher.publish([exampleConnectionChanged('acme', 3, 'active', 'resumed')]);
    const exported = await rig.observer.waitExported(invoice.payload.documentKey);
    expect([exported.payload.number, exported.payload.outcome]).toEqual(['PAUSED-1', 'created']);
    expect(inXero('PAUSED-1')).toBe(1);
    await waitFor('the held gauge back to 0', async () => (await held()) === 0);
  });
});
