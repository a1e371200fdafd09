// The 400 a bad schedule or selection gets, through the ValidationPipe as service.ts sets it up: each message names
// its field, in the words of @lnbx/scheduling (the poller's own check).
import { BadRequestException } from '@nestjs/common';
import { ScheduleDto, SelectionDto, SelectionPatchDto } from './flows.dto';
import { MonitorValidationPipe } from './validation';

const pipe = new MonitorValidationPipe();
const check = (body: object) => pipe.transform(body, { type: 'body', metatype: ScheduleDto });

async function refusal(body: object): Promise<{ statusCode: number; message: string[]; error: string }> {
  const err = await check(body).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(BadRequestException);
  return (err as BadRequestException).getResponse() as { statusCode: number; message: string[]; error: string };
}

describe('PUT /api/flows/:flow/schedule body', () => {
  it('accepts a five-field cron, with a zone or without (UTC), and off', async () => {
    await expect(check({ enabled: true, cron: '0 6 * * 1-5', timeZone: 'Europe/Paris' })).resolves.toBeInstanceOf(ScheduleDto);
    await expect(check({ enabled: true, cron: '0 6 * * 1-5' })).resolves.toBeInstanceOf(ScheduleDto);
    await expect(check({ enabled: true, cron: '0 6 * * 1-5', timeZone: null })).resolves.toBeInstanceOf(ScheduleDto);
    await expect(check({ enabled: false })).resolves.toBeInstanceOf(ScheduleDto);
  });

  it('refuses six fields, naming cron', async () => {
    expect(await refusal({ enabled: true, cron: '* * * * * *', timeZone: 'Europe/Paris' })).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: ['cron must have exactly 5 fields (minute hour day-of-month month day-of-week), got 6: a sixth field (seconds) is not supported'],
    });
  });

  it('refuses a date that never comes, naming cron', async () => {
    expect((await refusal({ enabled: true, cron: '0 0 31 2 *' })).message).toEqual(['cron never fires: no date in the next 10 years matches "0 0 31 2 *"']);
  });

  it('names each field that is wrong, cron first', async () => {
    expect((await refusal({ enabled: true, cron: '0 25 * * *', timeZone: 'Europe/Nowhere' })).message).toEqual([
      'cron is not a valid expression: "0 25 * * *" (invalid value for hour: 25)',
      'timeZone must be an IANA time zone such as Europe/Paris (or none, for UTC), got "Europe/Nowhere"',
    ]);
  });

  it('asks for a cron when the schedule is on, and refuses a broken one even when it is off', async () => {
    expect((await refusal({ enabled: true })).message).toContain('cron is required when the schedule is enabled');
    expect((await refusal({ enabled: true, cron: '  ' })).message).toEqual(['cron is required when the schedule is enabled']);
    expect((await refusal({ enabled: false, cron: '* * * * * *' })).message).toEqual([expect.stringMatching(/^cron must have exactly 5 fields/)]);
  });
});

describe('PUT and PATCH /api/flows/:flow/selection bodies', () => {
  const put = (body: object) => pipe.transform(body, { type: 'body', metatype: SelectionDto });
  const patch = (body: object) => pipe.transform(body, { type: 'body', metatype: SelectionPatchDto });
  const messages = async (p: Promise<unknown>): Promise<string[]> => {
    const err = await p.then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(BadRequestException);
    return ((err as BadRequestException).getResponse() as { message: string[] }).message;
  };
  const whole = {
    statuses: ['final'],
    dateFrom: null,
    dateTo: null,
    includeRetailers: [],
    excludeRetailers: [],
    currencies: [],
    onlyReferences: [],
    holdBack: ['INV-9'],
  };

  it('PUT takes the whole selection, every field said, [] and null as explicit "no restriction"', async () => {
    await expect(put(whole)).resolves.toBeInstanceOf(SelectionDto);
    await expect(put({ ...whole, dateFrom: '2026-01-01', dateTo: '2026-12-31' })).resolves.toMatchObject({ dateFrom: '2026-01-01' });
  });

  it('PUT refuses an empty body, naming every missing field, never reading it as "no restriction"', async () => {
    expect(await messages(put({}))).toEqual([
      'statuses is required: list the LNB statuses to export (proforma, final, cancelled)',
      'dateFrom is required: a date YYYY-MM-DD, or null for no limit',
      'dateTo is required: a date YYYY-MM-DD, or null for no limit',
      'includeRetailers is required: a list, [] for none',
      'excludeRetailers is required: a list, [] for none',
      'currencies is required: a list, [] for any currency',
      'onlyReferences is required: a list, [] for none',
      'holdBack is required: a list, [] for none',
    ]);
    const { holdBack: _, ...withoutHoldBack } = whole;
    expect(await messages(put(withoutHoldBack))).toEqual(['holdBack is required: a list, [] for none']);
  });

  it('refuses no status at all, an unknown one, and a day the calendar does not have', async () => {
    expect(await messages(put({ ...whole, statuses: [] }))).toEqual(['statuses must name at least one LNB status: an empty list would export every status']);
    expect(await messages(put({ ...whole, statuses: ['paid'] }))).toEqual([expect.stringMatching(/^each value in statuses must be one of/)]);
    expect(await messages(put({ ...whole, dateFrom: '2026-02-30' }))).toEqual(['dateFrom must be a day of the calendar YYYY-MM-DD, or null for no limit']);
    expect(await messages(put({ ...whole, dateTo: '2026-13-45' }))).toEqual(['dateTo must be a day of the calendar YYYY-MM-DD, or null for no limit']);
    expect(await messages(put({ ...whole, dateFrom: '2026-06-01', dateTo: '2026-05-01' }))).toEqual(['dateTo must not be before dateFrom']);
  });

  it('PATCH takes only what it names, null only for a date limit', async () => {
    await expect(patch({ holdBack: ['INV-1'] })).resolves.toEqual(Object.assign(new SelectionPatchDto(), { holdBack: ['INV-1'] }));
    await expect(patch({ dateTo: null })).resolves.toEqual(Object.assign(new SelectionPatchDto(), { dateTo: null }));
    expect(await messages(patch({ holdBack: null }))).toEqual(expect.arrayContaining(['holdBack must be an array']));
    expect(await messages(patch({ statuses: [] }))).toEqual(['statuses must name at least one LNB status: an empty list would export every status']);
    expect(await messages(patch({ everything: true }))).toEqual(['property everything should not exist']);
  });
});
