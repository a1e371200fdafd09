// The Xero connection panel in a real browser (Debian's chromium through playwright-core), as a brand's
// operator uses it on the authorization-code grant: "Connect to Xero" goes through the Xero sandbox's consent
// (which gives both its organisations: no XERO_TENANT_ID picks one) and back through monitor-api's callback to a
// choice of the two; the operator picks one ("Use this organisation"), a viewer reads the message only; then
// "Connected to <org>"; "Disconnect" asks first, then revokes the
// connection at Xero and the panel says who disconnected it and offers to connect again. A viewer sees the
// state and neither button. monitor-api and the xero-exporter run as their own processes over the real broker
// and database.
import { startXeroSandbox, type XeroSandbox } from '@lnbx/xero-sandbox';
import {
  createTestDatabase,
  http,
  setUpConnection,
  launchBrowser,
  type SpawnedService,
  spawnXeroConnectServices,
  type TestBrowser,
  type TestDatabase,
  testKafkaEnv,
  uniqueTopicPrefix,
} from '@lnbx/testing';
import type { Page } from 'playwright-core';

const OPERATOR = 'panel-operator-key-0123456789abcdef';
const VIEWER = 'panel-viewer-key-0123456789abcdef';
const ADMIN = 'panel-admin-key-0123456789abcdef';

describe('the Xero connection panel, in a browser', () => {
  let xero: XeroSandbox;
  let db: TestDatabase;
  let monitor: SpawnedService;
  let exporter: SpawnedService;
  let browser: TestBrowser;
  let page: Page;

  beforeAll(async () => {
    xero = await startXeroSandbox({ port: 0 });
    db = await createTestDatabase('xero_panel');
    const env = { DATABASE_URL: db.url, ...testKafkaEnv(), KAFKA_TOPIC_PREFIX: uniqueTopicPrefix('panel') };
    ({ exporter, monitor } = await spawnXeroConnectServices(xero, env, `operator@default:${OPERATOR},viewer@default:${VIEWER},admin:${ADMIN}`, {
      tenantId: null,
    }));
    await setUpConnection(monitor.url, ADMIN, { id: 'default', name: 'Demo Fashion' });
    browser = await launchBrowser();
    page = browser.page;
  });

  afterAll(async () => {
    await browser?.close();
    await Promise.all([monitor?.stop(), exporter?.stop()]);
    await db?.drop();
    await xero?.close();
  });

  const panel = () => page.locator('section[aria-labelledby="xero-title"]');
  const statusText = () => page.locator('#xero-status');

  it('offers an operator "Connect to Xero"; a consent of two organisations comes back as a choice, and the one picked is connected', async () => {
    await page.goto(`${monitor.url}/`);
    await page.getByLabel('API key').fill(OPERATOR);
    await page.getByRole('button', { name: 'Use this key' }).click();
    await page.getByText('Signed in with bootstrap-operator-1 (operator)').waitFor();
    await statusText()
      .getByText(/^Not connected to Xero/)
      .waitFor();
    expect(await panel().getByRole('button', { name: 'Disconnect' }).isVisible()).toBe(false);

    await panel().getByRole('button', { name: 'Connect to Xero' }).click();
    // Xero's consent (the sandbox consents by itself, to both organisations), the callback, and back to the Integration Center.
    await page.locator('#xero-outcome').getByText('Xero gave access to 2 organisations: pick the one for this brand.').waitFor();
    expect(new URL(page.url()).pathname).toBe('/');
    await statusText().getByText('Xero gave access to 2 organisations: pick the one for this brand.').waitFor();
    // A choice of the two, never a field to type in.
    const choice = panel().getByRole('group', { name: 'Xero organisation for this brand' });
    await choice.getByRole('radio', { name: 'Demo Fashion BV' }).waitFor();
    expect(await choice.getByRole('radio').count()).toBe(2);
    expect(await choice.getByRole('textbox').count()).toBe(0);

    // A viewer meanwhile reads the message, and gets neither the choice nor its button.
    const viewer = await browser.context.newPage();
    try {
      await viewer.goto(`${monitor.url}/`);
      await viewer.getByLabel('API key').fill(VIEWER);
      await viewer.getByRole('button', { name: 'Use this key' }).click();
      await viewer.locator('#xero-status').getByText('Xero gave access to 2 organisations: pick the one for this brand.').waitFor();
      expect(await viewer.getByRole('radio', { includeHidden: true }).filter({ visible: true }).count()).toBe(0);
      expect(await viewer.getByRole('button', { name: 'Use this organisation', includeHidden: true }).isVisible()).toBe(false);
    } finally {
      await viewer.close();
    }

    await choice.getByRole('radio', { name: 'Demo Fashion Ltd' }).check();
    await panel().getByRole('button', { name: 'Use this organisation' }).click();
    await page
      .locator('#xero-outcome')
      .getByText('Connected to Xero (Demo Fashion Ltd). Documents go there from now on. Access to Demo Fashion BV was given back in Xero.')
      .waitFor();
    await statusText().getByText('Connected to Xero (Demo Fashion Ltd), picked by bootstrap-operator-1.').waitFor();
    expect(await panel().getByRole('button', { name: 'Use this organisation' }).isVisible()).toBe(false);
    // The organisation's short code, as Xero's /Organisation gives it, once the exporter has read it.
    await page
      .locator('#xero-organisation')
      .getByText(`Organisation: Demo Fashion Ltd, short code !${xero.tenantIds[0].slice(0, 5)}`)
      .waitFor();
    await panel().getByRole('button', { name: 'Disconnect' }).waitFor();
    expect(await panel().getByRole('button', { name: 'Connect to Xero' }).isVisible()).toBe(false);
  });

  it('shows a viewer the state and neither button', async () => {
    const viewer = await browser.context.newPage();
    try {
      await viewer.goto(`${monitor.url}/`);
      await viewer.getByLabel('API key').fill(VIEWER);
      await viewer.getByRole('button', { name: 'Use this key' }).click();
      await viewer.locator('#xero-status').getByText('Connected to Xero (Demo Fashion Ltd), picked by bootstrap-operator-1.').waitFor();
      for (const name of ['Connect to Xero', 'Disconnect', 'Use this organisation']) {
        expect([name, await viewer.getByRole('button', { name, includeHidden: true }).isVisible()]).toEqual([name, false]);
      }
    } finally {
      await viewer.close();
    }
  });

  it('asks before "Disconnect"; a cancel changes nothing, a yes revokes it and the panel says who and offers to connect again', async () => {
    const dialogs: string[] = [];
    page.once('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await panel().getByRole('button', { name: 'Disconnect' }).click();
    expect(dialogs).toEqual(["Disconnect Demo Fashion Ltd? The app's access is revoked in Xero and nothing more is sent there until someone connects again."]);
    const told = async () => (await http<{ connected: boolean }>('GET', `${monitor.url}/api/xero/status`, undefined, { 'x-api-key': VIEWER })).body;
    expect((await told()).connected).toBe(true);

    page.once('dialog', (d) => void d.accept());
    await panel().getByRole('button', { name: 'Disconnect' }).click();
    await page
      .locator('#xero-outcome')
      .getByText('Disconnected from Xero (Demo Fashion Ltd). Nothing more is sent to Xero; 0 documents wait until someone connects again.')
      .waitFor();
    // The panel learns it from the exporter's event, and shows it at the page's next refresh.
    await statusText()
      .getByText('Disconnected from Xero (Demo Fashion Ltd) in the Integration Center by bootstrap-operator-1: documents wait until someone connects again.')
      .waitFor();
    await panel().getByRole('button', { name: 'Connect to Xero' }).waitFor();
    expect(await panel().getByRole('button', { name: 'Disconnect' }).isVisible()).toBe(false);
    expect(browser.pageErrors).toEqual([]);
  });
});
