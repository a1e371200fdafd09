// The Integration Center as a finance person uses it, in a real browser (Debian's chromium, driven by
// playwright-core): sign in with the operator key, press "Export invoices now", watch the run go to
// completed, read its task log, and find the invoices in the Xero sandbox. The four services run as
// their own processes, against both sandboxes, over the real broker and the real database.
import { LnbSandbox, startLnbSandbox } from '@lnbx/lnb-sandbox';
import { startXeroSandbox, XeroSandbox } from '@lnbx/xero-sandbox';
import { randomBytes } from 'node:crypto';
import { createTestDatabase, kafkaBrokers, SpawnedService, spawnService, TestDatabase, uniqueTopicPrefix, waitFor } from '@lnbx/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { BrowserContext, chromium, Page } from 'playwright-core';

const OPERATOR = 'e2e-operator-key-0123456789abcdef';
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

describe('the Integration Center, in a browser', () => {
  let lnb: LnbSandbox;
  let db: TestDatabase;
  let monitor: SpawnedService;
  let poller: SpawnedService;
  let mapper: SpawnedService;
  let exporter: SpawnedService;
  let xero: XeroSandbox;
  let profile: string;
  let browser: BrowserContext;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    lnb = await startLnbSandbox({ port: 0, seed: 11, invoices: 6, creditNotes: 1 });
    db = await createTestDatabase('ic_e2e');
    const env = { DATABASE_URL: db.url, KAFKA_BROKERS: kafkaBrokers().join(','), KAFKA_TOPIC_PREFIX: uniqueTopicPrefix('ic') };
    xero = await startXeroSandbox({ port: 0 });
    const cc = xero.clients.clientCredentials;
    [monitor, poller, mapper, exporter] = await Promise.all([
      spawnService('monitor-api', { ...env, MONITOR_BOOTSTRAP_KEYS: `operator:${OPERATOR}` }),
      spawnService('lnb-poller', { ...env, LNB_BASE_URL: lnb.url, LNB_CLIENT_ID: lnb.clientId, LNB_CLIENT_SECRET: lnb.clientSecret }),
      spawnService('mapper', env),
      spawnService('xero-exporter', {
        ...env, XERO_API_URL: xero.accountingBasePath, XERO_IDENTITY_URL: xero.url, XERO_GRANT: 'client_credentials',
        XERO_CLIENT_ID: cc.clientId, XERO_CLIENT_SECRET: cc.clientSecret, XERO_TOKEN_KEY: randomBytes(32).toString('hex'),
      }),
    ]);
    profile = mkdtempSync(path.join(tmpdir(), 'lnbx-chromium-'));
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = browser.pages()[0] ?? (await browser.newPage());
    page.on('pageerror', (err) => pageErrors.push(err.message));
    page.on('console', (msg) => void (msg.type() === 'error' && pageErrors.push(msg.text())));
    page.setDefaultTimeout(30_000);
  });

  afterAll(async () => {
    await browser?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    await Promise.all([monitor?.stop(), poller?.stop(), mapper?.stop(), exporter?.stop()]);
    await lnb?.close();
    await xero?.close();
    await db?.drop();
  });

  it('asks for a key, then shows who is signed in', async () => {
    await page.goto(`${monitor.url}/`);
    await page.getByLabel('API key').fill(OPERATOR);
    await page.getByRole('button', { name: 'Use this key' }).click();
    await page.getByText('Signed in with bootstrap-operator-1 (operator)').waitFor();
    expect(await page.getByRole('button', { name: 'Export invoices now' }).isVisible()).toBe(true);
  });

  it('exports invoices now: the run appears, completes, and its task log shows what happened', async () => {
    await page.getByRole('button', { name: 'Export invoices now' }).click();
    await page.getByText('Run requested (invoices, export)').waitFor();
    const row = page.locator('#runs-table tbody tr[data-status="completed"]');
    await row.first().waitFor({ timeout: 60_000 });
    expect(await row.count()).toBe(1);
    expect(await row.first().locator('td').nth(4).textContent()).toBe('bootstrap-operator-1');

    await page.locator('#run-detail[data-status="completed"]').waitFor();
    const log = page.locator('#log-table tbody');
    await log.getByText(/^Run completed: 6 seen/).waitFor();
    await log.getByText(/^Invoice \S+ detected \(revision \w+\)$/).first().waitFor();
    await log.getByText('Run of invoices requested by bootstrap-operator-1 (manual)').waitFor();
    await log.getByText(/^Run started \(export, manual/).waitFor();

    await page.getByLabel('Text').fill('Run completed');
    await page.locator('#log-table tbody tr:only-child').getByText(/^Run completed: 6 seen/).waitFor();
    await page.getByLabel('Text').fill('');
    expect(pageErrors).toEqual([]);
  });

  it('the invoices arrive in Xero, and the log says so for each', async () => {
    const tenant = xero.clients.clientCredentials.tenantId;
    const inXero = await waitFor('invoices in the Xero sandbox', () => {
      const held = xero.admin.invoices(tenant);
      return held.length > 0 ? held : undefined;
    }, { timeoutMs: 60_000 });
    const numbers = inXero.map((i) => String(i.InvoiceNumber));
    const log = page.locator('#log-table tbody');
    for (const n of numbers) await log.getByText(new RegExp(`^Exported to Xero as ${n}`)).first().waitFor();
    // Every detected invoice ended exported or rejected with a reason; none reached Xero twice.
    expect(new Set(numbers).size).toBe(numbers.length);
    expect(pageErrors).toEqual([]);
  });
});
