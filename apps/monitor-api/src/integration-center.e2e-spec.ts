// The Integration Center as a finance person uses it, in a real browser (Debian's chromium, driven by
// playwright-core): sign in with the operator key, press "Export invoices now", watch the run go to
// completed, read its task log, and find the invoices in the Xero sandbox; then export the credit
// notes, which the example mapping sends as DRAFT, so their allocation waits for approval in Xero and
// nothing shows as failed, and press "Check allocations now"; ask for a "Full re-check" and see each run
// say what it read from LNB, why, and how many LNB requests it made; a viewer key sees that, not the
// operator's buttons; the integrator's admin key picks the connection it looks at. The four services run as their own processes, against both sandboxes, over the
// real broker and the real database.
import { LnbSandbox, startLnbSandbox } from '@lnbx/lnb-sandbox';
import { startXeroSandbox, XeroSandbox } from '@lnbx/xero-sandbox';
import { EventPublisher } from '@lnbx/messaging';
import { Kafka, logLevel } from 'kafkajs';
import { randomBytes } from 'node:crypto';
import {
  connectionSetupEnv,
  createTestDatabase,
  http,
  kafkaBrokers,
  launchBrowser,
  SpawnedService,
  setUpConnection,
  spawnService,
  type TestBrowser,
  TestDatabase,
  testKafkaEnv,
  uniqueTopicPrefix,
  waitFor,
} from '@lnbx/testing';
import { BrowserContext, Page, type Request as PageRequest } from 'playwright-core';
import { RunEvents } from './domain/testing';

const OPERATOR = 'e2e-operator-key-0123456789abcdef';
const VIEWER = 'e2e-viewer-key-0123456789abcdef';
const ADMIN = 'e2e-admin-key-0123456789abcdef';
const RECHECK_REASON = 'a full re-check was requested: every document and its order are read again';

/** The little of the DOM the page functions below use (this project compiles without the DOM library). */
interface BrowserGlobals {
  document: { createElement(tag: string): { className: string; remove(): void }; body: { append(node: unknown): void } };
  getComputedStyle(node: unknown): { color: string };
}

describe('the Integration Center, in a browser', () => {
  let lnb: LnbSandbox;
  let db: TestDatabase;
  let monitor: SpawnedService;
  let poller: SpawnedService;
  let mapper: SpawnedService;
  let exporter: SpawnedService;
  let xero: XeroSandbox;
  let launched: TestBrowser;
  let browser: BrowserContext;
  let page: Page;
  let topicPrefix: string;
  let pageErrors: string[] = [];

  beforeAll(async () => {
    lnb = await startLnbSandbox({ port: 0, seed: 11, invoices: 6, creditNotes: 1 });
    db = await createTestDatabase('ic_e2e');
    topicPrefix = uniqueTopicPrefix('ic');
    const env = { DATABASE_URL: db.url, ...testKafkaEnv(), KAFKA_TOPIC_PREFIX: topicPrefix };
    xero = await startXeroSandbox({ port: 0 });
    const cc = xero.clients.clientCredentials;
    const setup = connectionSetupEnv();
    poller = await spawnService('lnb-poller', { ...env, LNB_BASE_URL: lnb.url, ...setup.poller });
    [monitor, mapper, exporter] = await Promise.all([
      spawnService('monitor-api', {
        ...env,
        ...setup.monitor,
        POLLER_INTERNAL_URL: poller.url,
        MONITOR_BOOTSTRAP_KEYS: `operator@default:${OPERATOR},viewer@default:${VIEWER},admin:${ADMIN}`,
      }),
      spawnService('mapper', env),
      spawnService('xero-exporter', {
        ...env,
        XERO_API_URL: xero.accountingBasePath,
        XERO_IDENTITY_URL: xero.url,
        XERO_GRANT: 'client_credentials',
        XERO_CLIENT_ID: cc.clientId,
        XERO_CLIENT_SECRET: cc.clientSecret,
        XERO_TOKEN_KEY: randomBytes(32).toString('hex'),
      }),
    ]);
    // The brand, set up by the integrator: its connection and its LNB account.
    await setUpConnection(monitor.url, ADMIN, { id: 'default', name: 'Demo Fashion', lnb: { clientId: lnb.clientId, clientSecret: lnb.clientSecret } });
    launched = await launchBrowser();
    ({ context: browser, page, pageErrors } = launched);
  });

  afterAll(async () => {
    await launched?.close();
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
    await log
      .getByText(/^Invoice \S+ detected \(revision \w+\)$/)
      .first()
      .waitFor();
    await log.getByText('Run of invoices requested by bootstrap-operator-1 (manual)').waitFor();
    await log.getByText(/^Run started \(export, manual/).waitFor();

    await page.getByLabel('Text').fill('Run completed');
    await page
      .locator('#log-table tbody tr:only-child')
      .getByText(/^Run completed: 6 seen/)
      .waitFor();
    await page.getByLabel('Text').fill('');
    expect(pageErrors).toEqual([]);
  });

  it('the invoices arrive in Xero, and the log says so for each', async () => {
    const tenant = xero.clients.clientCredentials.tenantId;
    const inXero = await waitFor(
      'invoices in the Xero sandbox',
      () => {
        const held = xero.admin.invoices(tenant);
        return held.length > 0 ? held : undefined;
      },
      { timeoutMs: 60_000 },
    );
    const numbers = inXero.map((i) => String(i.InvoiceNumber));
    const log = page.locator('#log-table tbody');
    for (const n of numbers)
      await log
        .getByText(new RegExp(`^Exported to Xero as ${n}`))
        .first()
        .waitFor();
    // Every detected invoice ended exported or rejected with a reason; none reached Xero twice.
    expect(new Set(numbers).size).toBe(numbers.length);
    expect(pageErrors).toEqual([]);
  });

  it('exports credit notes: they reach Xero, their allocation waits for approval, and nothing shows as failed', async () => {
    await page.getByRole('button', { name: 'Export credit notes now' }).click();
    await page.getByText('Run requested (credit notes, export)').waitFor();
    await page.locator('#run-title', { hasText: /of credit notes$/ }).waitFor();
    await page.locator('#run-detail[data-status="completed"]').waitFor({ timeout: 60_000 });

    // Every credit note in Xero shows as exported, its allocation waiting (the example mapping sends DRAFT).
    await page.getByLabel('State', { exact: true }).selectOption('');
    const creditNotes = page.locator('#docs-table tbody tr[data-document-key*=":credit_note:"]');
    const waiting = creditNotes.filter({ has: page.locator('.badge[data-allocation="waiting"]') });
    await waiting.first().waitFor({ timeout: 90_000 });
    const exported = creditNotes.filter({ has: page.locator('.status-exported') });
    await waitFor('every exported credit note to show its allocation', async () => ((await exported.count()) === (await waiting.count()) ? true : undefined), {
      timeoutMs: 60_000,
    });
    const badge = waiting.first().locator('.badge');
    const reference = (await waiting.first().getAttribute('data-document-key'))!.split(':').pop()!;
    expect(await badge.textContent()).toBe('allocation waits');
    // The exporter's own sentence, as its text and its title: what waits, and for what.
    const said = (await waiting.first().locator('.allocation-detail').textContent())!;
    expect(said).toMatch(new RegExp(`^Allocation of .*${reference}.* waits`));
    expect(await badge.getAttribute('title')).toContain(said);
    expect(await creditNotes.filter({ has: page.locator('.status-failed, .status-rejected') }).count()).toBe(0);
    expect(await creditNotes.getByRole('button', { name: /^Retry / }).count()).toBe(0);
    // The badge is not red, whatever the stylesheet says of failures.
    const [badgeColour, failedColour] = await badge.evaluate((el) => {
      const dom = globalThis as unknown as BrowserGlobals;
      const probe = dom.document.createElement('span');
      probe.className = 'status status-failed';
      dom.document.body.append(probe);
      const colours = [dom.getComputedStyle(el).color, dom.getComputedStyle(probe).color];
      probe.remove();
      return colours;
    });
    expect(badgeColour).not.toBe(failedColour);

    // The allocation filter finds them; the failed list does not.
    await page.getByLabel('Allocation', { exact: true }).selectOption('waiting');
    await waitFor('the allocation filter', async () => ((await page.locator('#docs-table tbody tr').count()) === (await waiting.count()) ? true : undefined));
    await page.getByLabel('Allocation', { exact: true }).selectOption('');
    await page.getByLabel('State', { exact: true }).selectOption('failed');
    await waitFor('the failed list without credit notes', async () => ((await creditNotes.count()) === 0 ? true : undefined));

    // The run says how many were exported and that their allocations wait; it counts none failed.
    const summary = await page.locator('#run-summary', { hasText: /Credit-note allocations: / }).textContent();
    expect(summary).toMatch(/Documents: \d+ total, \d+ exported\. Credit-note allocations: \d+ waiting\.$/);
    expect(summary).not.toMatch(/failed|rejected/);
    const runRow = page.locator('#runs-table tbody tr', { has: page.getByText('credit notes', { exact: true }) });
    expect(await runRow.locator('td').nth(8).textContent()).not.toMatch(/failed/);
    expect(pageErrors).toEqual([]);
  });

  it('asks the exporter to check the allocations now, and says so', async () => {
    await page.getByRole('button', { name: 'Check allocations now' }).click();
    await page.locator('#allocations-message', { hasText: /^Allocation check requested: the exporter looks at every waiting allocation now/ }).waitFor();
    expect(await page.locator('#allocations-message').evaluate((el) => el.classList.contains('error'))).toBe(false);
    expect(pageErrors).toEqual([]);
  });

  it('"Full re-check" says what it costs, asks first, sends fullRecheck, and its run says why it read everything and how many LNB requests it made', async () => {
    const hint = (await page.locator('#full-recheck-hint').textContent())!.replace(/\s+/g, ' ');
    expect(hint).toContain('reads every document and its order again');
    expect(hint).toContain('It costs one request to Le New Black per document');
    expect(hint).toContain('it runs by itself every week anyway');
    const posted: unknown[] = [];
    const onRequest = (r: PageRequest) => void (r.method() === 'POST' && new URL(r.url()).pathname === '/api/runs' && posted.push(r.postDataJSON()));
    page.on('request', onRequest);
    const dialog = page.getByRole('dialog', { name: 'Full re-check of invoices?' });

    // Asked, then cancelled: nothing is sent (the one request below is the confirmed one).
    await page.getByRole('button', { name: 'Full re-check of invoices' }).click();
    await dialog.waitFor();
    expect(await dialog.locator('#recheck-text').textContent()).toMatch(
      /^Every invoice and its order are read again from Le New Black, one request each\. The last run selected \d+ invoices?: about as many requests\./,
    );
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });

    await page.getByRole('button', { name: 'Full re-check of invoices' }).click();
    const answered = page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/api/runs');
    await dialog.getByRole('button', { name: 'Yes, re-check every invoice' }).click();
    const { runId } = (await (await answered).json()) as { runId: string };
    expect(posted).toEqual([{ flow: 'invoices', fullRecheck: true }]);
    await page.locator('#recheck-message', { hasText: `Full re-check of invoices requested (run ${runId}). It appears below.` }).waitFor();

    // The run appears, completes, and says what it read from LNB and why, in the list and in the run. Its start
    // and its completion come on two topics: the reason (the start's) and the requests (the completion's) are both waited for.
    const done = (id: string) => page.locator(`#runs-table tbody tr[data-run-id="${id}"][data-status="completed"] td.run-scope[title]`);
    await done(runId).waitFor({ timeout: 60_000 });
    expect(await done(runId).textContent()).toMatch(/^Full re-check — \d+ LNB requests$/);
    expect(await done(runId).getAttribute('title')).toBe(RECHECK_REASON);
    await page.locator(`#run-detail[data-run-id="${runId}"][data-status="completed"]`).waitFor();
    await page
      .locator('#run-scope', {
        hasText: new RegExp(`^Read from LNB: Full re-check — requested by bootstrap-operator-1 — \\d+ LNB requests\\. Why: ${RECHECK_REASON}\\.$`),
      })
      .waitFor();
    const log = page.locator('#log-table tbody');
    await log.getByText('Full re-check of invoices requested by bootstrap-operator-1 (manual)', { exact: true }).waitFor();
    await log.getByText(`Run started (export, manual, requested by bootstrap-operator-1). Full re-check: ${RECHECK_REASON}`, { exact: true }).waitFor();
    await log
      .getByText(/^Run completed: 6 seen, .* 0 new or changed, .*\. Full re-check: \d+ LNB requests, \d+ documents? read with (its|their) order$/)
      .waitFor();

    // The next run reads only what changed, and says so.
    const next = page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/api/runs');
    await page.getByRole('button', { name: 'Export invoices now' }).click();
    const { runId: nextId } = (await (await next).json()) as { runId: string };
    await done(nextId).waitFor({ timeout: 60_000 });
    expect(await done(nextId).textContent()).toMatch(/^Incremental — \d+ LNB requests$/);
    expect(await done(nextId).getAttribute('title')).toMatch(/^only what changed in Le New Black is read: /);
    expect(posted).toEqual([
      { flow: 'invoices', fullRecheck: true },
      { flow: 'invoices', mode: 'export' },
    ]);
    page.off('request', onRequest);
    expect(pageErrors).toEqual([]);
  });

  it('a viewer key sees what the runs read, not "Full re-check" nor any other operator action', async () => {
    const viewer = await browser.newPage();
    const viewerErrors: string[] = [];
    viewer.on('pageerror', (err) => viewerErrors.push(err.message));
    try {
      await viewer.goto(`${monitor.url}/`);
      await viewer.getByLabel('API key').fill(VIEWER);
      await viewer.getByRole('button', { name: 'Use this key' }).click();
      await viewer.getByText('Signed in with bootstrap-viewer-1 (viewer)').waitFor();
      await viewer.locator('#runs-table tbody td.run-scope[data-scope="incremental"]').first().waitFor();
      expect(await viewer.locator('#runs-table tbody td.run-scope[data-scope="full"]').count()).toBeGreaterThan(0);
      expect(await viewer.getByText('Your key is a viewer key').isVisible()).toBe(true);
      for (const name of ['Full re-check of invoices', 'Full re-check of credit notes', 'Export invoices now', 'Check allocations now']) {
        expect([name, await viewer.getByRole('button', { name, includeHidden: true }).isVisible()]).toEqual([name, false]);
      }
      expect(await viewer.locator('#full-recheck-hint').isVisible()).toBe(false);
      expect(viewerErrors).toEqual([]);
    } finally {
      await viewer.close();
    }
  });

  it("an admin key picks the connection it looks at: each shows its own runs, and a brand's key has no picker", async () => {
    const other = { id: 'other-brand', name: 'Other Brand', timeZone: 'Europe/London' };
    expect((await http('POST', `${monitor.url}/api/connections`, other, { 'x-api-key': ADMIN })).status).toBe(201);
    expect(await page.locator('#connection-picker').isVisible()).toBe(false);
    const admin = await browser.newPage();
    const adminErrors: string[] = [];
    admin.on('pageerror', (err) => adminErrors.push(err.message));
    try {
      await admin.goto(`${monitor.url}/`);
      await admin.getByLabel('API key').fill(ADMIN);
      await admin.getByRole('button', { name: 'Use this key' }).click();
      await admin.getByText('Signed in with bootstrap-admin-1 (admin)').waitFor();
      const picker = admin.locator('#connection');
      expect(await picker.locator('option').allTextContents()).toEqual(['Demo Fashion (default)', 'Other Brand (other-brand)']);
      const completed = admin.locator('#runs-table tbody tr[data-status="completed"]');
      await completed.first().waitFor();
      await picker.selectOption('other-brand');
      await completed.first().waitFor({ state: 'detached' });
      expect(await admin.locator('#runs-table tbody tr[data-status]').count()).toBe(0);
      await picker.selectOption('default');
      await completed.first().waitFor();
      // The overview: every brand with its health, one click from being looked at.
      const rows = admin.locator('#overview-table tbody tr');
      await rows.nth(1).waitFor();
      const demo = admin.locator('#overview-table tr[data-connection="default"]');
      expect(await demo.locator('th').textContent()).toBe('Demo Fashion (default)');
      expect(await demo.locator('td').nth(2).textContent()).toMatch(/^#\d+ (invoices|credit notes): completed/);
      const other = admin.locator('#overview-table tr[data-connection="other-brand"]');
      expect(await other.locator('td').nth(2).textContent()).toBe('none yet');
      await other.getByRole('button', { name: 'Look at it' }).click();
      await completed.first().waitFor({ state: 'detached' });
      expect(await picker.inputValue()).toBe('other-brand');
      // A brand's key is refused the overview.
      expect((await http('GET', `${monitor.url}/api/overview`, undefined, { 'x-api-key': OPERATOR })).status).toBe(403);
      // The keys of the brand looked at: one made (shown once, then working for that brand only), then revoked.
      await admin.getByLabel('Name', { exact: true }).fill('finance-other');
      await admin.locator('#key-role').selectOption('viewer');
      await admin.getByRole('button', { name: 'Create key' }).click();
      const made = await admin.getByText(/^Key finance-other \(viewer\) made: /).textContent();
      const key = /made: (\S+) /.exec(made ?? '')?.[1] ?? '';
      expect((await http('GET', `${monitor.url}/api/me`, undefined, { 'x-api-key': key })).body).toMatchObject({ role: 'viewer', connection: 'other-brand' });
      admin.once('dialog', (d) => void d.accept());
      await admin.locator('#keys-table tr[data-key="finance-other"]').getByRole('button', { name: 'Revoke' }).click();
      await admin.getByText('Key finance-other revoked.').waitFor();
      expect((await http('GET', `${monitor.url}/api/me`, undefined, { 'x-api-key': key })).status).toBe(401);
      expect(adminErrors).toEqual([]);
    } finally {
      await admin.close();
    }
  });

  it('shows what LNB and Xero say as text, never as markup', async () => {
    // What the exporter says of an allocation comes from LNB and Xero: a hostile invoice number stays inert.
    const kafka = new Kafka({ clientId: 'ic-e2e', brokers: kafkaBrokers(), logLevel: logLevel.NOTHING });
    const publisher = new EventPublisher(kafka, topicPrefix);
    const hostile = '<img src=x onerror="window.__lnbxXss=1"><script>window.__lnbxXss=2</script>';
    const run = new RunEvents(undefined, 'credit_notes', 'export', { connectionId: 'default', startAt: Date.now() });
    try {
      await publisher.publish([run.detected('CN-XSS-1'), run.exported('CN-XSS-1')]);
      await publisher.publish([
        run.allocationNotPossible('CN-XSS-1', { invoiceNumber: hostile, message: `Credit note CN-XSS-1 stays unallocated: invoice ${hostile} is paid` }),
      ]);
    } finally {
      await publisher.close();
    }
    await page.getByLabel('State', { exact: true }).selectOption('');
    await page.getByLabel('Allocation', { exact: true }).selectOption('not_possible');
    const row = page.locator('#docs-table tbody tr[data-document-key$=":credit_note:CN-XSS-1"]');
    await row.locator('.badge[data-allocation="not_possible"]').waitFor({ timeout: 30_000 });
    expect(await row.locator('.badge').textContent()).toBe('not allocated');
    expect(await row.locator('.allocation-detail').textContent()).toBe(`Credit note CN-XSS-1 stays unallocated: invoice ${hostile} is paid`);
    expect(await row.locator('img, script').count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as unknown as { __lnbxXss?: number }).__lnbxXss)).toBeUndefined();
  });
});
