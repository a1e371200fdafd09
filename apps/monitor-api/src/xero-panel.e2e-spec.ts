// The Xero connection panel in a real browser (Debian's chromium through playwright-core), as a brand's
// operator uses it on the authorization-code grant: "Connect to Xero" goes through the Xero sandbox's consent
// and back through monitor-api's callback to "Connected to <org>"; "Disconnect" asks first, then revokes the
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
    ({ exporter, monitor } = await spawnXeroConnectServices(xero, env, `operator@default:${OPERATOR},viewer@default:${VIEWER},admin:${ADMIN}`));
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

  it('offers an operator "Connect to Xero", and the consent brings the browser back connected to the organisation', async () => {
    await page.goto(`${monitor.url}/`);
    await page.getByLabel('API key').fill(OPERATOR);
    await page.getByRole('button', { name: 'Use this key' }).click();
    await page.getByText('Signed in with bootstrap-operator-1 (operator)').waitFor();
    await statusText()
      .getByText(/^Not connected to Xero/)
      .waitFor();
    expect(await panel().getByRole('button', { name: 'Disconnect' }).isVisible()).toBe(false);

    await panel().getByRole('button', { name: 'Connect to Xero' }).click();
    // Xero's consent (the sandbox consents by itself), the callback, and back to the Integration Center.
    await page.locator('#xero-outcome').getByText('Connected to Demo Fashion Ltd.').waitFor();
    expect(new URL(page.url()).pathname).toBe('/');
    await statusText().getByText('Connected to Xero (Demo Fashion Ltd).').waitFor();
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
      await viewer.locator('#xero-status').getByText('Connected to Xero (Demo Fashion Ltd).').waitFor();
      for (const name of ['Connect to Xero', 'Disconnect']) {
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
