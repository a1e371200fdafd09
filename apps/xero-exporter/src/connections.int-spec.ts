// One exporter serving two brands (issue 12): each connected by its own consent to its own organisation of
// the sandbox ("Demo Fashion Ltd" and "Demo Fashion BV"), each document sent with its connection's tokens to
// its connection's organisation, each organisation's reference data told for its connection; when one brand
// loses its Xero connection, that brand alone waits while the other's documents keep going; and Xero's app-wide
// limit is shared between the two organisations (both progress, Xero never refuses a call for it). Its metrics
// count each brand under its own connection, and are read with the metrics token only.
import { metricValue, parseMetrics, readMetrics, waitFor } from '@lnbx/testing';
import { createHash, randomBytes } from 'node:crypto';
import { aMappedInvoice } from './testing';
import { countByNumber, type ExporterRig, startExporterRig, TEST_SERVICE_TOKEN } from './testing/harness';

const TIME_SCALE = 60;
const UK = 'brand-uk';
const NL = 'brand-nl';
const APP_LIMIT = 6;
const METRICS_TOKEN = 'a-metrics-token-for-tests-0123456789abcdef';

describe('xero-exporter: two connections, two organisations, one process', () => {
  let rig: ExporterRig;
  let ukTenant: string;
  let nlTenant: string;

  beforeAll(async () => {
    rig = await startExporterRig(
      'exporter-connections',
      TIME_SCALE,
      (sandbox) => ({
        XERO_GRANT: 'authorization_code',
        XERO_CLIENT_ID: sandbox.clients.authorizationCode.clientId,
        XERO_CLIENT_SECRET: sandbox.clients.authorizationCode.clientSecret,
        // The app's budget made small enough to bind (two organisations could each make 60 a minute), and
        // Xero's (the sandbox's) twice that: the exporter's estimate of the rolling minute can never pass it.
        XERO_APP_LIMIT_PER_MINUTE: String(APP_LIMIT),
        XERO_BATCH_SIZE: '2',
        METRICS_TOKEN,
      }),
      { limits: { appPerMinute: 2 * APP_LIMIT } },
    );
    ukTenant = rig.sandbox.tenants.find((t) => t.name === 'Demo Fashion Ltd')!.tenantId;
    nlTenant = rig.sandbox.tenants.find((t) => t.name === 'Demo Fashion BV')!.tenantId;
  });

  afterAll(async () => {
    await rig?.close();
  });

  const internal = async (path: string, body: unknown) => {
    const res = await fetch(`${rig.service.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_SERVICE_TOKEN}` },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json().catch(() => ({}))) as Record<string, unknown> };
  };

  /** What monitor-api does for a brand's operator, who picks the brand's organisation on Xero's consent screen. */
  async function connect(connectionId: string, tenantId: string): Promise<Record<string, unknown>> {
    const codeVerifier = randomBytes(32).toString('base64url');
    const codeChallenge = createHash('sha256').update(codeVerifier).digest('base64url');
    const link = await internal('/internal/xero/authorize-url', { connectionId, state: randomBytes(32).toString('base64url'), codeChallenge });
    expect(link.status).toBe(200);
    const consent = new URL(String(link.body.url));
    consent.searchParams.set('tenants', tenantId);
    const back = new URL((await fetch(consent, { redirect: 'manual' })).headers.get('location')!);
    const exchanged = await internal('/internal/xero/exchange', { connectionId, code: back.searchParams.get('code'), codeVerifier });
    expect(exchanged.status).toBe(200);
    return exchanged.body;
  }

  const row = async (connectionId: string) =>
    (
      await rig.pool.query<{ status: string; xero_tenant_id: string; access_token: string }>(
        'select status, xero_tenant_id, access_token from exporter.connections where connection_id = $1',
        [connectionId],
      )
    ).rows[0];
  const metrics = () => readMetrics(rig.service.url, { authorization: `Bearer ${METRICS_TOKEN}` });
  const inXero = (tenantId: string, number: string) => countByNumber(rig.sandbox.admin.invoices(tenantId), 'InvoiceNumber').get(number) ?? 0;
  const ukInvoice = (n: string) => aMappedInvoice(n).inConnection(UK);
  const nlInvoice = (n: string) => aMappedInvoice(n).inConnection(NL).withXero({ currencyCode: 'EUR', expectedTotal: 457.38 }).withLines({ taxType: 'OUTPUT' });

  it('connects each brand to the organisation chosen for it, with tokens of its own, and tells each its reference data', async () => {
    expect(await connect(UK, ukTenant)).toEqual({ xeroTenantId: ukTenant, tenantName: 'Demo Fashion Ltd' });
    expect(await connect(NL, nlTenant)).toEqual({ xeroTenantId: nlTenant, tenantName: 'Demo Fashion BV' });
    const [uk, nl] = [await row(UK), await row(NL)];
    expect([uk.status, uk.xero_tenant_id, nl.status, nl.xero_tenant_id]).toEqual(['connected', ukTenant, 'connected', nlTenant]);
    expect(uk.access_token).not.toBe(nl.access_token);

    const ukRef = await waitFor('the British reference data', () => rig.observer.reference.find((r) => r.connectionId === UK));
    const nlRef = await waitFor('the Dutch reference data', () => rig.observer.reference.find((r) => r.connectionId === NL));
    expect([ukRef.payload.xeroTenantId, ukRef.payload.baseCurrency, ukRef.key]).toEqual([ukTenant, 'GBP', `${UK}:xero-reference`]);
    expect([nlRef.payload.xeroTenantId, nlRef.payload.baseCurrency, nlRef.key]).toEqual([nlTenant, 'EUR', `${NL}:xero-reference`]);
  });

  it("sends each brand's documents to its own organisation, never to the other", async () => {
    const uk = ukInvoice('TWO-UK-1').envelope();
    const nl = nlInvoice('TWO-NL-1').envelope();
    await rig.publisher.publish([uk, nl]);
    const [ukDone, nlDone] = await Promise.all([rig.observer.waitExported(uk.payload.documentKey), rig.observer.waitExported(nl.payload.documentKey)]);
    expect([ukDone.connectionId, ukDone.payload.outcome, nlDone.connectionId, nlDone.payload.outcome]).toEqual([UK, 'created', NL, 'created']);
    expect([inXero(ukTenant, 'TWO-UK-1'), inXero(nlTenant, 'TWO-UK-1')]).toEqual([1, 0]);
    expect([inXero(nlTenant, 'TWO-NL-1'), inXero(ukTenant, 'TWO-NL-1')]).toEqual([1, 0]);

    // Each brand's export counted under its own connection (counted once the unit commits: waited for).
    const exported = (text: string, connection: string) =>
      metricValue(text, 'lnbx_documents_exported_total', { connection, type: 'invoice', outcome: 'created' });
    const text = await waitFor('both exports counted', async () => {
      const t = await metrics();
      return exported(t, UK) === 1 && exported(t, NL) === 1 ? t : undefined;
    });
    const calls = (connection: string) => metricValue(text, 'lnbx_xero_calls_total', { connection, endpoint: 'PUT /Invoices' });
    expect([calls(UK), calls(NL)]).toEqual([1, 1]);
  });

  it('serves its metrics with the metrics token only, when it has one', async () => {
    expect((await fetch(`${rig.service.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${rig.service.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}x` } })).status).toBe(401);
    // The service token opens the internal routes, not the metrics.
    expect((await fetch(`${rig.service.url}/metrics`, { headers: { authorization: `Bearer ${TEST_SERVICE_TOKEN}` } })).status).toBe(401);
    expect((await fetch(`${rig.service.url}/health`)).status).toBe(200);
  });

  it("pauses only the brand whose organisation revoked the app: the other brand's documents keep going", async () => {
    rig.sandbox.admin.revokeConnection(ukTenant);
    const ukWaiting = ukInvoice('TWO-UK-LOST').envelope();
    await rig.publisher.publish([ukWaiting]);
    const lost = await rig.observer.waitLost(1);
    expect([lost.connectionId, lost.payload.xeroTenantId, lost.payload.code]).toEqual([UK, ukTenant, 'XERO.CONSENT_REVOKED']);
    expect((await row(UK)).status).toBe('disconnected');

    // While the British brand waits, the Dutch one exports as before.
    const nlAfter = ['TWO-NL-2', 'TWO-NL-3'].map((n) => nlInvoice(n).envelope());
    await rig.publisher.publish(nlAfter);
    for (const e of nlAfter) expect((await rig.observer.waitExported(e.payload.documentKey)).payload.outcome).toBe('created');
    expect((await row(NL)).status).toBe('connected');
    expect(rig.observer.lost.map((l) => l.connectionId)).toEqual([UK]);
    expect(rig.observer.exportedOf(ukWaiting.payload.documentKey)).toEqual([]);
    expect(inXero(ukTenant, 'TWO-UK-LOST')).toBe(0);
    // The lost connection is the British brand's alone.
    const up = async () =>
      parseMetrics(await metrics())
        .filter((s) => s.name === 'lnbx_xero_connection_up')
        .map((s) => `${s.labels.connection} ${s.labels.tenant} ${s.value}`)
        .sort();
    const expected = [`${NL} ${nlTenant} 1`, `${UK} ${ukTenant} 0`].sort();
    await waitFor('the British connection down, the Dutch one up', async () => (JSON.stringify(await up()) === JSON.stringify(expected) ? true : undefined));

    // Connected again, the British document goes, once.
    rig.sandbox.admin.restoreConnection(ukTenant);
    await connect(UK, ukTenant);
    expect((await rig.observer.waitRestored(1)).connectionId).toBe(UK);
    await rig.observer.waitExported(ukWaiting.payload.documentKey);
    expect([inXero(ukTenant, 'TWO-UK-LOST'), inXero(nlTenant, 'TWO-UK-LOST')]).toEqual([1, 0]);
    expect(rig.observer.failedOf(ukWaiting.payload.documentKey)).toEqual([]);
  });

  it("shares Xero's app-wide limit between the organisations: both progress together, and Xero never refuses a call", async () => {
    // Each document of its own retailer: a look-up and a new contact per batch, so each organisation alone
    // would call faster than the app's budget allows for two.
    const docs = (brand: string, invoice: (n: string) => ReturnType<typeof aMappedInvoice>) =>
      Array.from({ length: 12 }, (_, i) =>
        invoice(`APP-${brand}-${i}`)
          .withContact({ contactNumber: `RET-${brand}-${i}`, name: `Retailer ${brand} ${i}` })
          .envelope(),
      );
    const uk = docs('UK', ukInvoice);
    const nl = docs('NL', nlInvoice);
    const done = (envs: typeof uk) => envs.filter((e) => rig.observer.exportedOf(e.payload.documentKey).length > 0).length;
    const start = Date.now();
    await rig.publisher.publish([...uk, ...nl]);
    await waitFor('both brands done', () => (done(uk) === uk.length && done(nl) === nl.length ? true : undefined), { timeoutMs: 60_000 });

    // Neither waited for the other: while both had work (until the first finished), each made about as many
    // calls as the other. Calls, not documents, are what is shared: a batch whose retailers are new takes more.
    const times = rig.sandbox.admin.callTimes();
    const since = (tenant: string) => times[tenant].calls.filter((c) => c.at >= start);
    const end = Math.min(...[ukTenant, nlTenant].map((t) => Math.max(...since(t).map((c) => c.at))));
    const [ukCalls, nlCalls] = [ukTenant, nlTenant].map((t) => since(t).filter((c) => c.at <= end).length);
    expect(Math.min(ukCalls, nlCalls)).toBeGreaterThanOrEqual(Math.max(ukCalls, nlCalls) / 2);
    expect(uk.map((e) => inXero(ukTenant, e.payload.xero.number))).toEqual(uk.map(() => 1));
    expect(nl.map((e) => inXero(nlTenant, e.payload.xero.number))).toEqual(nl.map(() => 1));
    const refused = [ukTenant, nlTenant].flatMap((t) => rig.sandbox.admin.calls({ tenantId: t, limit: 5000 }).recent.filter((c) => c.status === 429));
    expect(refused).toEqual([]);
    // The budget did bind: each organisation waited for its share at times.
    const text = await metrics();
    const waits = (tenant: string) => metricValue(text, 'lnbx_xero_app_budget_waits_total', { tenant });
    expect([waits(ukTenant) > 0, waits(nlTenant) > 0]).toEqual([true, true]);
  });
});
