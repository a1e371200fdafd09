// The 400 a bad schedule gets, through the ValidationPipe as service.ts sets it up: each message names
// its field, in the words of @lnbx/scheduling (the poller's own check).
import { BadRequestException, ValidationPipe } from '@nestjs/common';
import { ScheduleDto } from './flows.dto';

const pipe = new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true });
const check = (body: object) => pipe.transform(body, { type: 'body', metatype: ScheduleDto });

async function refusal(body: object): Promise<{ statusCode: number; message: string[]; error: string }> {
  const err = await check(body).then(() => null, (e: unknown) => e);
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
      statusCode: 400, error: 'Bad Request',
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
