// A consent that gives access to two organisations of the Xero sandbox (issue 13 part 2), with monitor-api and the
// xero-exporter as their own processes (no XERO_TENANT_ID), the real broker and database: the brand is connected to
// neither, its documents wait, and the panel asks an operator to pick one. A viewer may not pick, an organisation the
// consent did not give is refused naming tenantId, and nothing changes; the operator's pick connects the brand to it,
// its documents go there only, the other organisation is given back at Xero, and the connection records who picked.
// "Disconnect" gives back a consent still waiting for its pick.
import { EventPublisher } from '@lnbx/messaging';
import {
  createTestDatabase,
  http,
  kafkaBrokers,
  setUpConnection,
  type SpawnedService,
  spawnXeroConnectServices,
  type TestDatabase,
  testKafkaEnv,
  uniqueTopicPrefix,
  waitFor,
} from '@lnbx/testing';
import { startXeroSandbox, type XeroSandbox } from '@lnbx/xero-sandbox';
import { Kafka, logLevel } from 'kafkajs';
import { Pool } from 'pg';
import { NONCE_COOKIE, OUTCOME_COOKIE } from './domain/xero-connect';
import type { XeroStatus } from './domain/xero-status';
import { RunEvents } from './domain/testing';

const OPERATOR = 'operator-key-for-choice-0123456789';
const VIEWER = 'viewer-key-for-choice-0123456789';
const ADMIN = 'admin-key-for-choice-0123456789';
const CHOOSE = 'Xero gave access to 2 organisations: pick the one for this brand.';

describe('monitor-api: a consent of two Xero organisations, one picked by an operator', () => {
  const prefix = uniqueTopicPrefix('choice');
  const publisher = new EventPublisher(new Kafka({ clientId: 'choice-test', brokers: kafkaBrokers(), logLevel: logLevel.NOTHING }), prefix);
  let xero: XeroSandbox;
  let db: TestDatabase;
  let pool: Pool;
  let monitor: SpawnedService;
  let exporter: SpawnedService;
  let uk: { tenantId: string; name: string };
  let nl: { tenantId: string; name: string };

  beforeAll(async () => {
    xero = await startXeroSandbox({ port: 0 });
    uk = xero.tenants.find((t) => t.name === 'Demo Fashion Ltd')!;
    nl = xero.tenants.find((t) => t.name === 'Demo Fashion BV')!;
    db = await createTestDatabase('xero_choice');
    pool = new Pool({ connectionString: db.url, max: 2 });
    const env = { DATABASE_URL: db.url, ...testKafkaEnv(), KAFKA_TOPIC_PREFIX: prefix };
    ({ exporter, monitor } = await spawnXeroConnectServices(xero, env, `operator@default:${OPERATOR},viewer@default:${VIEWER},admin:${ADMIN}`, {
      tenantId: null,
    }));
    await setUpConnection(monitor.url, ADMIN, { id: 'default', name: 'Demo Fashion' });
  });

  afterAll(async () => {
    await publisher.close();
    await Promise.all([monitor?.stop(), exporter?.stop()]);
    await pool?.end();
    await db?.drop();
    await xero?.close();
  });

  const status = async () => (await http<XeroStatus>('GET', `${monitor.url}/api/xero/status`, undefined, { 'x-api-key': VIEWER })).body;
  const pick = (tenantId: unknown, key = OPERATOR) =>
    http<{ message: string | string[]; xeroTenantId?: string }>('POST', `${monitor.url}/api/xero/organisation`, { tenantId }, { 'x-api-key': key });
  const exporterRow = async () =>
    (
      await pool.query(
        `select status, xero_tenant_id, candidates, chosen_by, disconnected_by, access_token is not null as has_tokens
         from exporter.connections where connection_id = 'default'`,
      )
    ).rows[0];
  const invoicesIn = (tenantId: string, number: string) => xero.admin.invoices(tenantId).filter((i) => i.InvoiceNumber === number).length;

  /** An operator presses "Connect to Xero" and gives, on Xero's consent page, access to both organisations; the browser comes back. */
  async function connectBoth(): Promise<{ connected: boolean; choosing?: boolean; message: string }> {
    const res = await fetch(`${monitor.url}/api/xero/connect`, { method: 'POST', headers: { 'x-api-key': OPERATOR } });
    expect(res.status).toBe(201);
    const nonce = res.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .find((c) => c.startsWith(`${NONCE_COOKIE}=`))!;
    const consent = new URL(((await res.json()) as { authorizeUrl: string }).authorizeUrl);
    consent.searchParams.set('tenants', `${uk.tenantId},${nl.tenantId}`);
    const back = (await fetch(consent, { redirect: 'manual' })).headers.get('location')!;
    const landed = await fetch(back, { redirect: 'manual', headers: { cookie: nonce } });
    expect(landed.status).toBe(303);
    const outcome = landed.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .find((c) => c.startsWith(`${OUTCOME_COOKIE}=`))!;
    return JSON.parse(decodeURIComponent(outcome.slice(OUTCOME_COOKIE.length + 1))) as { connected: boolean; choosing?: boolean; message: string };
  }

  const choosing = () =>
    waitFor('the monitor told the choice', async () => {
      const s = await status();
      return s.state?.status === 'choosing' ? s : undefined;
    });

  it('connects neither organisation of a two-organisation consent, keeps the brand’s documents waiting, and asks to pick one', async () => {
    expect(await connectBoth()).toEqual({ connected: false, choosing: true, message: CHOOSE });
    const told = await choosing();
    expect(told).toMatchObject({
      connected: false,
      message: CHOOSE,
      state: { status: 'choosing', xeroTenantId: null, organisations: expect.arrayContaining([{ tenantId: uk.tenantId, tenantName: uk.name }]) },
    });
    expect(told.state?.organisations).toHaveLength(2);
    expect(told.state?.organisations).toContainEqual({ tenantId: nl.tenantId, tenantName: nl.name });
    expect(await exporterRow()).toMatchObject({ status: 'choosing', xero_tenant_id: null, has_tokens: true, chosen_by: null });
    // The /connections entry ids stay in the exporter: the monitor is told names and tenant ids only.
    expect(JSON.stringify(told)).not.toMatch(/"id"/);
    // The connection's record (its health in the integrator's list) does not say connected while nothing can go.
    const record = await waitFor('the connection record says it waits for a pick', async () => {
      const res = await http<{ connection: { xero: { state: string; reason: string | null } } }>('GET', `${monitor.url}/api/connections/default`, undefined, {
        'x-api-key': ADMIN,
      });
      return res.body.connection?.xero.state === 'lost' ? res.body.connection.xero : undefined;
    });
    expect(record.reason).toBe('Xero gave access to 2 organisations: one is still to be picked in the Integration Center');

    // An invoice of the brand arrives meanwhile: it is taken in and waits, sent to no organisation.
    const mapped = new RunEvents(undefined, 'invoices', 'export', { connectionId: 'default', startAt: Date.now() }).mapped('INV-CHOICE-1');
    // As the mapper maps for the Dutch organisation (21% BTW, a due date).
    mapped.payload.xero = {
      ...mapped.payload.xero,
      dueDate: '2026-03-31',
      expectedTotal: 121,
      lineItems: [{ ...mapped.payload.xero.lineItems[0], taxType: 'OUTPUT' }],
    };
    await publisher.publish([mapped]);
    await waitFor('the exporter took the invoice in', async () => {
      const { rows } = await pool.query("select 1 from exporter.pending where connection_id = 'default' and document_key = $1", [mapped.key]);
      return rows.length ? true : undefined;
    });
    // The exporter says it waits (the monitor shows why), and the sender, which serves connected connections only, sent it nowhere.
    const shown = await waitFor('the monitor shows the invoice waiting', async () => {
      const { rows } = await pool.query<{ view: { problems: { code: string; message: string }[] } }>(
        'select view from monitor.documents where document_key = $1',
        [mapped.key],
      );
      return rows[0]?.view.problems[0];
    });
    expect(shown).toMatchObject({ code: 'XERO.CONNECTION_LOST', message: expect.stringContaining('is still to be picked in the Integration Center') });
    expect([invoicesIn(uk.tenantId, 'INV-CHOICE-1'), invoicesIn(nl.tenantId, 'INV-CHOICE-1')]).toEqual([0, 0]);
    expect((await pool.query("select count(*)::int as n from exporter.pending where connection_id = 'default'")).rows[0].n).toBe(1);
  });

  it('refuses a viewer (403), an organisation the consent did not give and a malformed id (400 naming tenantId), changing nothing', async () => {
    const before = JSON.stringify([await exporterRow(), (await status()).state]);
    expect((await pick(nl.tenantId, VIEWER)).status).toBe(403);
    const unknown = await pick('00000000-0000-4000-8000-000000000000');
    expect(unknown.status).toBe(400);
    expect(JSON.stringify(unknown.body.message)).toMatch(/tenantId must be one of the organisations Xero gave access to: .*Demo Fashion Ltd \(/);
    const malformed = await pick('nl; drop table');
    expect(malformed.status).toBe(400);
    expect(JSON.stringify(malformed.body.message)).toMatch(/tenantId must be a Xero organisation's id/);
    expect((await pick(undefined)).status).toBe(400);
    expect(JSON.stringify([await exporterRow(), (await status()).state])).toBe(before);
    expect(invoicesIn(nl.tenantId, 'INV-CHOICE-1') + invoicesIn(uk.tenantId, 'INV-CHOICE-1')).toBe(0);
  });

  it('connects the organisation picked: the waiting invoice goes there only, the other is given back at Xero, the stream says who', async () => {
    const done = await pick(nl.tenantId);
    expect(done).toMatchObject({
      status: 200,
      body: {
        message: `Connected to Xero (${nl.name}). Documents go there from now on. Access to ${uk.name} was given back in Xero.`,
        xeroTenantId: nl.tenantId,
      },
    });
    expect(await exporterRow()).toMatchObject({ status: 'connected', xero_tenant_id: nl.tenantId, candidates: null, chosen_by: 'bootstrap-operator-1' });
    await waitFor('the invoice exported to the organisation picked', async () => (invoicesIn(nl.tenantId, 'INV-CHOICE-1') === 1 ? true : undefined));
    expect(invoicesIn(uk.tenantId, 'INV-CHOICE-1')).toBe(0);

    const told = await waitFor('the monitor told the pick', async () => {
      const s = await status();
      return s.connected ? s : undefined;
    });
    expect(told).toMatchObject({
      message: `Connected to Xero (${nl.name}), picked by bootstrap-operator-1.`,
      state: { status: 'connected', xeroTenantId: nl.tenantId, organisations: null, by: 'bootstrap-operator-1' },
    });
    const recorded = await waitFor('the connection stream records who picked', async () => {
      const { rows } = await pool.query(
        "select data->>'by' as by, data->>'tenantId' as tenant from monitor.events where stream_id = 'connection-default' and type = 'XeroConnected'",
      );
      return rows[0] as { by: string; tenant: string } | undefined;
    });
    expect(recorded).toEqual({ by: 'bootstrap-operator-1', tenant: nl.tenantId });
    const record = await http<{ connection: { xero: { state: string; tenantId: string } } }>('GET', `${monitor.url}/api/connections/default`, undefined, {
      'x-api-key': ADMIN,
    });
    expect(record.body.connection.xero).toMatchObject({ state: 'connected', tenantId: nl.tenantId });
    expect(exporter.logs.find((l) => l.msg === 'xero organisation picked')).toMatchObject({ released: [uk.name], keptForOthers: [] });

    // Picked already: nothing more to pick.
    const again = await pick(uk.tenantId);
    expect(again.status).toBe(409);
    expect(JSON.stringify(again.body)).toContain('not waiting for a Xero organisation to be picked');
  });

  it('disconnects a connection that waits for its pick: the consent given back, the tokens and the choice dropped', async () => {
    expect(await connectBoth()).toMatchObject({ choosing: true });
    await choosing();
    const done = await http<{ message: string }>('POST', `${monitor.url}/api/xero/disconnect`, undefined, { 'x-api-key': OPERATOR });
    expect(done.status).toBe(200);
    expect(done.body.message).toMatch(/^Disconnected from Xero\. Nothing more is sent to Xero;/);
    expect(await exporterRow()).toMatchObject({ status: 'disconnected', candidates: null, has_tokens: false, disconnected_by: 'bootstrap-operator-1' });
    const told = await waitFor('the monitor told the disconnection', async () => {
      const s = await status();
      return s.state?.status === 'disconnected' ? s : undefined;
    });
    expect(told).toMatchObject({ connected: false, state: { by: 'bootstrap-operator-1', organisations: null } });
    expect((await pick(nl.tenantId)).status).toBe(409);
  });
});
