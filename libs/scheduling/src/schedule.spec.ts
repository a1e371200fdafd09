import fc from 'fast-check';
import { DEFAULT_MIN_INTERVAL_MINUTES, firingsAfter, nextFiring, nextFirings, scheduleProblems, timeZoneProblem, type Schedule } from './schedule';

const at = (iso: string) => new Date(iso);
const iso = (dates: Date[]) => dates.map((d) => d.toISOString());
const NOW = at('2026-03-02T12:00:00Z');
const on = (cron: string, timeZone?: string | null): Schedule => ({ enabled: true, cron, timeZone });
const cronProblem = (cron: string, timeZone?: string | null) => scheduleProblems(on(cron, timeZone), NOW).find((p) => p.field === 'cron')?.message ?? null;

describe('a schedule is valid', () => {
  it('with a five-field cron, in an IANA zone or in none', () => {
    expect(scheduleProblems(on('0 6 * * 1-5', 'Europe/Paris'), NOW)).toEqual([]);
    expect(scheduleProblems(on('*/15 8-18 * * MON-FRI'), NOW)).toEqual([]);
    expect(scheduleProblems(on('0 0 L * *', 'Asia/Kolkata'), NOW)).toEqual([]);
    expect(timeZoneProblem('America/Argentina/Buenos_Aires')).toBeNull();
  });

  it('when it is off, with no cron', () => {
    expect(scheduleProblems({ enabled: false }, NOW)).toEqual([]);
    expect(scheduleProblems({ enabled: false, cron: null, timeZone: null }, NOW)).toEqual([]);
  });

  it('on 29 February, which comes once in four years', () => {
    expect(cronProblem('0 0 29 2 *')).toBeNull();
    expect(iso(nextFirings(on('0 0 29 2 *'), NOW, 2))).toEqual(['2028-02-29T00:00:00.000Z', '2032-02-29T00:00:00.000Z']);
  });
});

describe('a schedule that fires too often is refused', () => {
  const atMost = (cron: string) =>
    scheduleProblems(on(cron), NOW, { minIntervalMinutes: DEFAULT_MIN_INTERVAL_MINUTES }).find((p) => p.field === 'cron')?.message ?? null;

  it('below five minutes apart at the default minimum, at its closest anywhere in the year', () => {
    expect(atMost('* * * * *')).toBe('cron fires too often: "* * * * *" fires every minute at its closest, and runs must be at least 5 minutes apart');
    expect(atMost('*/2 * * * *')).toMatch(/fires 2 minutes apart at its closest/);
    // Twice an hour apart most of the day, but 06:00 and 06:03 are three minutes apart.
    expect(atMost('0,3 6 * * *')).toMatch(/fires 3 minutes apart at its closest/);
    // Only on 1 January: 23:58 on 31 December and 00:00 are far apart, 00:00 and 00:01 are not.
    expect(atMost('0,1 0 1 1 *')).toMatch(/every minute at its closest/);
    expect(atMost('*/5 * * * *')).toBeNull();
    expect(atMost('0 6 * * 1-5')).toBeNull();
  });

  it('at the minimum the deployment sets, 0 allowing every minute', () => {
    expect(scheduleProblems(on('*/10 * * * *'), NOW, { minIntervalMinutes: 15 })).toEqual([
      { field: 'cron', message: 'cron fires too often: "*/10 * * * *" fires 10 minutes apart at its closest, and runs must be at least 15 minutes apart' },
    ]);
    expect(scheduleProblems(on('* * * * *'), NOW, { minIntervalMinutes: 0 })).toEqual([]);
    // Without a minimum, validity alone: what the poller checks before storing a schedule.
    expect(scheduleProblems(on('* * * * *'), NOW)).toEqual([]);
    expect(scheduleProblems({ enabled: false, cron: '* * * * *' }, NOW)).toEqual([]);
  });
});

describe('a schedule is refused, in plain words naming the field', () => {
  it.each([
    ['* * * * * *', 'cron must have exactly 5 fields (minute hour day-of-month month day-of-week), got 6: a sixth field (seconds) is not supported'],
    ['30 0 6 * * *', 'cron must have exactly 5 fields (minute hour day-of-month month day-of-week), got 6: a sixth field (seconds) is not supported'],
    ['0 6 * *', 'cron must have exactly 5 fields (minute hour day-of-month month day-of-week), got 4'],
    ['every day', 'cron must have exactly 5 fields (minute hour day-of-month month day-of-week), got 2'],
    ['@daily', 'cron must have exactly 5 fields (minute hour day-of-month month day-of-week), got 1'],
    ['61 * * * *', 'cron is not a valid expression: "61 * * * *" (invalid value for minute: 61)'],
    ['0 25 * * *', 'cron is not a valid expression: "0 25 * * *" (invalid value for hour: 25)'],
    ['0 0 31 2 *', 'cron never fires: no date in the next 10 years matches "0 0 31 2 *"'],
    ['0 0 30 2 *', 'cron never fires: no date in the next 10 years matches "0 0 30 2 *"'],
    ['0 0 31 4,6,9,11 *', 'cron never fires: no date in the next 10 years matches "0 0 31 4,6,9,11 *"'],
    ['0 6 ? * *', 'cron may not contain "?": write * instead'],
  ])('cron %j', (cron, message) => {
    expect(scheduleProblems(on(cron, 'Europe/Paris'), NOW)).toEqual([{ field: 'cron', message }]);
    expect(cronProblem(cron)).toBe(message);
  });

  it('a missing cron when the schedule is on', () => {
    for (const cron of [undefined, null, '', '   ']) {
      expect(scheduleProblems({ enabled: true, cron }, NOW)).toEqual([{ field: 'cron', message: 'cron is required when the schedule is enabled' }]);
    }
  });

  it('a zone Intl does not know, or an empty one', () => {
    const message = 'timeZone must be an IANA time zone such as Europe/Paris (or none, for UTC), got "Mars/Olympus"';
    expect(scheduleProblems(on('0 6 * * *', 'Mars/Olympus'), NOW)).toEqual([{ field: 'timeZone', message }]);
    expect(timeZoneProblem('+01:00')).toMatch(/^timeZone must be an IANA time zone/);
    expect(scheduleProblems(on('0 6 * * *', ''), NOW)).toEqual([{ field: 'timeZone', message: expect.stringMatching(/got ""$/) }]);
  });

  it('both fields at once, and a broken cron even when the schedule is off', () => {
    expect(scheduleProblems(on('0 25 * * *', 'Europe/Nowhere'), NOW).map((p) => p.field)).toEqual(['timeZone', 'cron']);
    expect(scheduleProblems({ enabled: false, cron: '* * * * * *' }, NOW).map((p) => p.field)).toEqual(['cron']);
  });

  it('with the value shown safely: control characters escaped, long values cut', () => {
    expect(timeZoneProblem('Europe/\u0000Paris')).toContain('"Europe/\\u0000Paris"');
    expect(cronProblem(`0 6 * * ${'1,'.repeat(200)}9`)).toMatch(/^cron is not a valid expression: "0 6 \* \* (1,)+…" \(invalid value for dayOfWeek: 9\)$/);
  });
});

describe('firings', () => {
  it("come in the schedule's zone", () => {
    expect(iso(nextFirings(on('0 6 * * *', 'Europe/Paris'), NOW, 2))).toEqual(['2026-03-03T05:00:00.000Z', '2026-03-04T05:00:00.000Z']);
    // Summer time starts in Paris on 29 March 2026: 06:00 there is 04:00Z from then on.
    expect(iso(nextFirings(on('0 6 * * *', 'Europe/Paris'), at('2026-03-27T12:00:00Z'), 3))).toEqual([
      '2026-03-28T05:00:00.000Z',
      '2026-03-29T04:00:00.000Z',
      '2026-03-30T04:00:00.000Z',
    ]);
  });

  it('when the clocks skip a wall time, come once as they jump; when they pass it twice, the first time', () => {
    // Paris, 29 March 2026: at 01:00Z the clocks go from 02:00 to 03:00.
    expect(iso(nextFirings(on('30 2 * * *', 'Europe/Paris'), at('2026-03-27T12:00:00Z'), 3))).toEqual([
      '2026-03-28T01:30:00.000Z',
      '2026-03-29T01:00:00.000Z',
      '2026-03-30T00:30:00.000Z',
    ]);
    expect(iso(nextFirings(on('*/30 * * * *', 'Europe/Paris'), at('2026-03-29T00:10:00Z'), 4))).toEqual([
      '2026-03-29T00:30:00.000Z',
      '2026-03-29T01:00:00.000Z',
      '2026-03-29T01:30:00.000Z',
      '2026-03-29T02:00:00.000Z',
    ]);
    // Paris, 25 October 2026: at 01:00Z the clocks go from 03:00 back to 02:00.
    expect(iso(nextFirings(on('30 2 * * *', 'Europe/Paris'), at('2026-10-24T12:00:00Z'), 2))).toEqual(['2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z']);
    expect(iso(nextFirings(on('0,30 * * * *', 'Europe/Paris'), at('2026-10-24T23:50:00Z'), 4))).toEqual([
      '2026-10-25T00:00:00.000Z',
      '2026-10-25T00:30:00.000Z',
      '2026-10-25T02:00:00.000Z',
      '2026-10-25T02:30:00.000Z',
    ]);
    // Asked from inside the hour passed twice, the next firing is the one the chain above gives.
    expect(nextFiring(on('0,30 * * * *', 'Europe/Paris'), at('2026-10-25T01:10:00Z'))?.toISOString()).toBe('2026-10-25T02:00:00.000Z');
  });

  it('come in UTC when no zone is given', () => {
    expect(iso(nextFirings(on('0 6 * * *'), NOW, 2))).toEqual(['2026-03-03T06:00:00.000Z', '2026-03-04T06:00:00.000Z']);
    expect(nextFirings(on('0 6 * * *', null), NOW, 5)).toEqual(nextFirings(on('0 6 * * *', 'UTC'), NOW, 5));
  });

  it('come strictly after the given instant', () => {
    expect(nextFiring(on('0 6 * * *'), at('2026-03-03T06:00:00Z'))?.toISOString()).toBe('2026-03-04T06:00:00.000Z');
    expect(nextFiring(on('0 6 * * *'), at('2026-03-03T05:59:59.999Z'))?.toISOString()).toBe('2026-03-03T06:00:00.000Z');
  });

  it('never come for a schedule that is off or not valid', () => {
    expect(nextFirings({ enabled: false, cron: '0 6 * * *' }, NOW, 3)).toEqual([]);
    expect(nextFiring(on('* * * * * *'), NOW)).toBeNull();
    expect(nextFiring(on('0 0 31 2 *'), NOW)).toBeNull();
    expect(nextFiring(on('0 6 * * *', 'Mars/Olympus'), NOW)).toBeNull();
    expect(nextFirings(on('0 6 * * *'), NOW, 0)).toEqual([]);
    expect(nextFiring(on('0 0 31 4,6,9,11 *'), NOW)).toBeNull();
  });
});

describe('properties', () => {
  const field = (min: number, max: number) =>
    fc.oneof(
      fc.constant('*'),
      fc.integer({ min, max }).map(String),
      fc.integer({ min: 1, max: Math.max(1, max - min) }).map((n) => `*/${n}`),
      fc.tuple(fc.integer({ min, max }), fc.integer({ min, max })).map(([a, b]) => `${Math.min(a, b)}-${Math.max(a, b)}`),
    );
  // Days 1-28 come every month, so every expression built here fires within a year.
  const fields = fc.tuple(fc.integer({ min: 0, max: 59 }), fc.integer({ min: 0, max: 23 }), field(1, 28), field(1, 12), field(0, 6));
  const cron = fields.map(([m, h, dom, mon, dow]) => `${m} ${h} ${dom} ${mon} ${dow}`);
  // Zones without summer time, so a local 06:30 exists every day and is never doubled.
  const zone = fc.constantFrom('UTC', 'Asia/Tokyo', 'Asia/Kolkata', 'Asia/Kathmandu', 'America/Bogota', 'Pacific/Kiritimati');
  const after = fc.date({ min: at('2000-01-01T00:00:00Z'), max: at('2090-01-01T00:00:00Z'), noInvalidDate: true });

  const localTime = (d: Date, timeZone: string) => {
    const parts = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(d);
    return { hour: Number(parts.find((p) => p.type === 'hour')?.value), minute: Number(parts.find((p) => p.type === 'minute')?.value) };
  };

  it('firings are valid, increasing, after the start, at the hour and minute asked in the zone, and chain one to the next', () => {
    fc.assert(
      fc.property(fields, zone, after, ([m, h, dom, mon, dow], timeZone, from) => {
        const s = on(`${m} ${h} ${dom} ${mon} ${dow}`, timeZone);
        expect(scheduleProblems(s, from)).toEqual([]);
        const firings = nextFirings(s, from, 4);
        expect(firings).toHaveLength(4);
        expect(firings[0].getTime()).toBeGreaterThan(from.getTime());
        for (let i = 0; i < firings.length; i++) {
          expect(localTime(firings[i], timeZone)).toEqual({ hour: h, minute: m });
          if (i > 0) expect(firings[i].getTime()).toBeGreaterThan(firings[i - 1].getTime());
          if (i > 0) expect(nextFiring(s, firings[i - 1])).toEqual(firings[i]);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('around clock changes, the next firing asked from any instant is the one the chain of firings gives', () => {
    // When clocks change in 2026 in these zones (2 h in Troll, 30 min in Lord Howe).
    const changes = [
      '2026-03-29T01:00:00Z',
      '2026-10-25T01:00:00Z',
      '2026-03-08T07:00:00Z',
      '2026-11-01T06:00:00Z',
      '2026-04-04T15:00:00Z',
      '2026-10-03T15:30:00Z',
    ].map(at);
    const dstZone = fc.constantFrom('Europe/Paris', 'America/New_York', 'Australia/Lord_Howe', 'Antarctica/Troll');
    const minute = fc.oneof(
      fc.integer({ min: 0, max: 59 }).map(String),
      fc.integer({ min: 1, max: 30 }).map((n) => `*/${n}`),
    );
    const hour = fc.oneof(fc.constant('*'), fc.integer({ min: 0, max: 23 }).map(String), fc.constantFrom('1-3', '2', '2,3', '0-4'));
    const near = fc.tuple(fc.constantFrom(...changes), fc.integer({ min: -4 * 3600, max: 4 * 3600 })).map(([c, s]) => new Date(c.getTime() + s * 1000));
    fc.assert(
      fc.property(minute, hour, dstZone, near, fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (m, h, timeZone, from, where) => {
        const s = on(`${m} ${h} * * *`, timeZone);
        const firings = nextFirings(s, from, 6);
        expect(firings).toHaveLength(6);
        for (let i = 1; i < firings.length; i++) {
          expect(firings[i].getTime()).toBeGreaterThan(firings[i - 1].getTime());
          expect(nextFiring(s, firings[i - 1])).toEqual(firings[i]);
        }
        const x = new Date(from.getTime() + Math.floor(where * (firings[5].getTime() - from.getTime())));
        expect(nextFiring(s, x)).toEqual(firings.find((f) => f > x));
      }),
      { numRuns: 300 },
    );
  });

  it('no zone means UTC, for any expression and any instant', () => {
    fc.assert(
      fc.property(cron, after, (c, from) => {
        expect(nextFirings(on(c), from, 3)).toEqual(nextFirings(on(c, 'UTC'), from, 3));
      }),
      { numRuns: 100 },
    );
  });

  it('a sixth field is always refused, naming cron', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 59 }), cron, (seconds, c) => {
        const problems = scheduleProblems(on(`${seconds} ${c}`), NOW);
        expect(problems).toEqual([{ field: 'cron', message: expect.stringMatching(/^cron must have exactly 5 fields .* got 6/) }]);
        expect(nextFiring(on(`${seconds} ${c}`), NOW)).toBeNull();
      }),
      { numRuns: 100 },
    );
  });

  it('what fires is what validates, and what is refused never fires', () => {
    const anyCron = fc.oneof(
      cron,
      fc.string({ maxLength: 30 }),
      fc.array(fc.constantFrom('*', '0', '31', '2', '?', 'L', '1-5', '*/7', '60', 'MON'), { minLength: 4, maxLength: 6 }).map((f) => f.join(' ')),
    );
    fc.assert(
      fc.property(anyCron, fc.option(zone, { nil: null }), after, (c, timeZone, from) => {
        const s = on(c, timeZone);
        // How often a schedule may fire is a rule for changes, not for firing: 0 leaves validity alone.
        const refused = scheduleProblems(s, from, { minIntervalMinutes: 0 }).length > 0;
        expect(firingsAfter(s, from).next().done).toBe(refused);
      }),
      { numRuns: 300 },
    );
  });
});
