import fc from 'fast-check';
import { TenantLimiter, XERO_RATE_LIMITS } from './limiter';

const MINUTE = 60_000;
const limiter = (guardMs = 0) => new TenantLimiter(XERO_RATE_LIMITS, { minuteMs: MINUTE, guardMs });

describe('TenantLimiter', () => {
  it('lets 5 calls be in flight, no more, until one ends', () => {
    const l = limiter();
    const tickets = Array.from({ length: 5 }, () => l.admit(0));
    expect(tickets.every((t) => t.ok)).toBe(true);
    expect(l.admit(0)).toEqual({ ok: false, reason: 'concurrent' });
    if (tickets[0].ok) tickets[0].ticket.done(10);
    expect(l.admit(10).ok).toBe(true);
  });

  it('spends 60 calls a minute, then waits for the oldest answer to leave the window', () => {
    const l = limiter(100);
    for (let i = 0; i < 60; i++) {
      const a = l.admit(i);
      if (!a.ok) throw new Error(`call ${i} refused`);
      a.ticket.done(i + 200);
    }
    expect(l.hasRoom(1000)).toBe(false);
    expect(l.admit(1000)).toEqual({ ok: false, reason: 'minute', waitMs: 200 + MINUTE + 100 - 1000 });
    expect(l.admit(200 + MINUTE + 100).ok).toBe(true);
  });

  it('counts the calls of other instances that the headers reveal', () => {
    const l = limiter();
    const a = l.admit(0);
    if (a.ok) a.ticket.done(5);
    l.observe({ minuteRemaining: 10 }, 5);
    expect(l.state(5).usedThisMinute).toBe(50);
    for (let i = 0; i < 10; i++) {
      const b = l.admit(6);
      if (b.ok) b.ticket.done(6);
    }
    expect(l.admit(7)).toMatchObject({ ok: false, reason: 'minute' });
  });

  it("pauses for a 429's Retry-After, and for a minute when the day budget reads zero", () => {
    const l = limiter();
    l.rateLimited('minute', 3000, 0);
    expect(l.admit(2999)).toEqual({ ok: false, reason: 'paused', waitMs: 1 });
    expect(l.admit(3000).ok).toBe(true);
    l.observe({ dayRemaining: 0 }, 4000);
    expect(l.state(4000)).toMatchObject({ pausedUntil: 4000 + MINUTE, pauseReason: 'day limit reached' });
  });

  it('never lets Xero count more than 60 calls in any rolling minute, whatever the call durations', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 3000 }), fc.integer({ min: 1, max: 2000 })), { minLength: 50, maxLength: 400 }), (calls) => {
        const l = limiter(0);
        const arrivals: number[] = [];
        const running: { end: number; done: () => void }[] = [];
        let now = 0;
        for (const [gap, duration] of calls) {
          now += gap;
          for (const r of running.filter((x) => x.end <= now)) r.done();
          running.splice(0, running.length, ...running.filter((x) => x.end > now));
          const a = l.admit(now);
          if (!a.ok) continue;
          // Xero counts the call when it arrives, somewhere between our send and its answer.
          arrivals.push(now + Math.floor(duration / 2));
          const end = now + duration;
          running.push({ end, done: () => a.ticket.done(end) });
        }
        arrivals.sort((x, y) => x - y);
        return arrivals.every((t, i) => arrivals.filter((u) => u > t - MINUTE && u <= arrivals[i]).length <= 60);
      }),
      { numRuns: 200 },
    );
  });

  it("trusts Xero over its configuration: a limit set far above Xero's adds no phantom calls beyond what Xero's window can hold", () => {
    const l = new TenantLimiter({ concurrent: 5, perMinute: 1_000_000, perDay: 5000 }, { minuteMs: MINUTE, guardMs: 100 });
    // Xero says all 60 remain: nobody else called; nothing is counted.
    l.observe({ minuteRemaining: 60 }, 0);
    expect(l.state(0).usedThisMinute).toBe(0);
    // Xero says 50 remain: ten calls by someone else, not 999,950.
    l.observe({ minuteRemaining: 50 }, 1);
    expect(l.state(1).usedThisMinute).toBe(10);
    // Answers keep coming: the count never passes Xero's own 60.
    for (let i = 0; i < 1000; i++) l.observe({ minuteRemaining: 0 }, 2 + i);
    expect(l.state(1002).usedThisMinute).toBe(60);
  });

  describe('the day', () => {
    const DAY = MINUTE * 1440;
    const starter = () => new TenantLimiter({ concurrent: 5, perMinute: 60, perDay: 1000 }, { minuteMs: MINUTE, guardMs: 0 });
    /** `n` calls, a second apart (never near the minute limit), each answered at once. */
    const spend = (l: TenantLimiter, n: number, from = 0) => {
      for (let i = 0; i < n; i++) {
        const a = l.admit(from + i * 1000);
        if (!a.ok) throw new Error(`call ${i} refused: ${a.reason}`);
        a.ticket.done(from + i * 1000);
      }
    };

    it("spends the Starter tier's 1,000 calls a day, then pauses until the oldest leaves the day", () => {
      const l = starter();
      spend(l, 1000);
      const at = 1000 * 1000;
      expect(l.hasRoom(at)).toBe(false);
      expect(l.admit(at)).toEqual({ ok: false, reason: 'paused', waitMs: DAY - at });
      expect(l.state(at)).toMatchObject({ usedToday: 1000, pauseReason: 'day limit reached', pausedUntil: DAY });
      expect(l.admit(DAY).ok).toBe(true);
    });

    it("pauses only a minute when Xero's day remainder reads zero, not a day: the day's calls are spread over it", () => {
      const l = starter();
      spend(l, 10);
      l.observe({ dayRemaining: 0 }, 10_000);
      expect(l.state(10_000)).toMatchObject({ usedToday: 10, pausedUntil: 10_000 + MINUTE, pauseReason: 'day limit reached' });
      expect(l.admit(10_000 + MINUTE).ok).toBe(true);
    });
  });
});
