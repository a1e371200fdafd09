// The schedule form in a real browser (Debian's chromium through playwright-core), as a finance person sets it
// (issue 13 part 5): "Weekdays at 07:30" instead of cron, in the brand's own time zone, the next three firings shown
// before saving (and a wrong cron explained, naming the field), saved as the cron the preset stands for; then one
// click pauses it, keeping the schedule, and one resumes it; the setup checklist ticks "Schedule chosen" once
// both flows have one. monitor-api runs as its own process over the real
// broker and database; no poller answers, so each change stays "waiting for the poller", as the page says.
import {
  createTestDatabase,
  http,
  launchBrowser,
  setUpConnection,
  type SpawnedService,
  spawnService,
  type TestBrowser,
  type TestDatabase,
  testKafkaEnv,
  uniqueTopicPrefix,
  waitFor,
} from '@lnbx/testing';
import type { Page } from 'playwright-core';

const OPERATOR = 'schedule-operator-key-0123456789abcdef';
const ADMIN = 'schedule-admin-key-0123456789abcdef';
const ZONE = 'America/New_York';

interface ScheduleView {
  pending: { value: { enabled: boolean; cron: string | null; timeZone: string | null } } | null;
}

describe('the schedule form, in a browser', () => {
  let db: TestDatabase;
  let monitor: SpawnedService;
  let browser: TestBrowser;
  let page: Page;

  beforeAll(async () => {
    db = await createTestDatabase('schedule_form');
    monitor = await spawnService('monitor-api', {
      DATABASE_URL: db.url,
      ...testKafkaEnv(),
      KAFKA_TOPIC_PREFIX: uniqueTopicPrefix('schedule'),
      MONITOR_BOOTSTRAP_KEYS: `operator@default:${OPERATOR},admin:${ADMIN}`,
    });
    // The brand keeps its books on New York time: not the browser's, not the server's.
    await setUpConnection(monitor.url, ADMIN, { id: 'default', name: 'Demo Fashion US', timeZone: ZONE });
    browser = await launchBrowser();
    page = browser.page;
  });

  afterAll(async () => {
    await browser?.close();
    await monitor?.stop();
    await db?.drop();
  });

  const form = () => page.getByRole('form', { name: 'Schedule of invoices' });
  const preview = () => form().locator('[data-preview="invoices"]');
  const pending = async () =>
    (await http<ScheduleView>('GET', `${monitor.url}/api/flows/invoices/schedule`, undefined, { 'x-api-key': OPERATOR })).body.pending?.value;

  it('sets "weekdays at 07:30" in the brand\'s time zone, showing the next three firings before saving', async () => {
    await page.goto(`${monitor.url}/`);
    await page.getByLabel('API key').fill(OPERATOR);
    await page.getByRole('button', { name: 'Use this key' }).click();
    await page.getByText('Signed in with bootstrap-operator-1 (operator)').waitFor();

    // A new brand: the setup checklist shows what is left, every step to do.
    const setup = page.locator('#setup');
    await setup.getByText('To do: Schedule chosen').waitFor();
    expect(await setup.locator('li[data-done="no"]').count()).toBe(5);

    // Presets first, the connection's zone filled in; cron only when asked for.
    expect(await form().getByLabel('Time zone', { exact: true }).inputValue()).toBe(ZONE);
    await form().getByLabel('When').selectOption('weekdays');
    expect(await form().getByLabel('Cron (minute hour day month weekday)').isVisible()).toBe(false);
    await form().getByLabel('Time', { exact: true }).fill('07:30');
    await preview()
      .getByText(/^It would run next: /)
      .waitFor();
    await waitFor('the preview of 07:30 on weekdays', async () => ((await preview().textContent()) ?? '').includes('07:30') || undefined);
    const shown = (await preview().textContent()) ?? '';
    // Three firings, each a weekday at 07:30 on New York's clock, the zone named.
    const firings = shown
      .replace(/^It would run next: /, '')
      .replace(` (${ZONE}).`, '')
      .split('; ');
    expect(firings).toHaveLength(3);
    expect(firings.every((f) => /07:30/.test(f) && !/Sat|Sun/.test(f))).toBe(true);
    expect(shown.endsWith(`(${ZONE}).`)).toBe(true);

    // A cron that cannot be is explained before anything is saved, naming the field.
    await form().getByLabel('When').selectOption('cron');
    await form().getByLabel('Cron (minute hour day month weekday)').fill('0 25 * * *');
    await preview()
      .getByText(/^cron /)
      .waitFor();
    expect(await pending()).toBeUndefined();

    await form().getByLabel('When').selectOption('weekdays');
    await preview()
      .getByText(/^It would run next: /)
      .waitFor();
    await form().getByRole('button', { name: 'Save schedule of invoices' }).click();
    await form().getByText('Saved: the poller applies it and confirms.').waitFor();
    expect(await pending()).toEqual({ enabled: true, cron: '30 7 * * 1-5', timeZone: ZONE });
  });

  it('pauses the schedule in one click, keeping it, and resumes it in one more', async () => {
    await page.reload();
    await page.getByText('Signed in with bootstrap-operator-1 (operator)').waitFor();
    // Reopened, the form shows the preset it was saved as.
    expect(await form().getByLabel('When').inputValue()).toBe('weekdays');
    expect(await form().getByLabel('Time', { exact: true }).inputValue()).toBe('07:30');

    await form().getByRole('button', { name: 'Pause schedule of invoices' }).click();
    await form().getByRole('button', { name: 'Resume schedule of invoices' }).waitFor();
    expect(await pending()).toEqual({ enabled: false, cron: '30 7 * * 1-5', timeZone: ZONE });

    await form().getByRole('button', { name: 'Resume schedule of invoices' }).click();
    await form().getByRole('button', { name: 'Pause schedule of invoices' }).waitFor();
    expect(await pending()).toEqual({ enabled: true, cron: '30 7 * * 1-5', timeZone: ZONE });
  });

  it('ticks "Schedule chosen" on the setup checklist once each flow has one, credit notes deliberately off', async () => {
    const credit = page.getByRole('form', { name: 'Schedule of credit notes' });
    await credit.getByLabel('Run credit notes on a schedule').uncheck();
    await credit.getByRole('button', { name: 'Save schedule of credit notes' }).click();
    await credit.getByText('Saved: the poller applies it and confirms.').waitFor();
    const step = page.locator('#setup li[data-step="schedule"]');
    await step.getByText('Done: Schedule chosen').waitFor();
    expect(await step.textContent()).toContain('credit notes: off.');
    // The rest is still to do: the checklist stays.
    expect(await page.locator('#setup').isVisible()).toBe(true);
  });
});
