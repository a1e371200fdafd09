import fc from 'fast-check';
import { admitAppCall, type AppUsage, fairShares, rollingCount } from './app-budget';

const MINUTE = 60_000;
const NOW = 1_000 * MINUTE;
const usage = (entries: Record<string, Partial<AppUsage>>) =>
  new Map(Object.entries(entries).map(([id, u]) => [id, { calls: 0, previousCalls: 0, active: true, ...u }]));

describe('fairShares (max-min fair)', () => {
  it('splits the budget evenly between organisations that all want more than it holds', () => {
    expect(
      Object.fromEntries(
        fairShares(
          100,
          new Map([
            ['a', 60],
            ['b', 60],
            ['c', 60],
          ]),
        ),
      ),
    ).toEqual({ a: 33, b: 33, c: 34 });
  });

  it('gives a small demand all it asks, and what it leaves to the others', () => {
    expect(
      Object.fromEntries(
        fairShares(
          100,
          new Map([
            ['a', 10],
            ['b', 60],
            ['c', 60],
          ]),
        ),
      ),
    ).toEqual({ a: 10, b: 45, c: 45 });
  });

  it('gives everyone their demand when the budget holds them all (10,000 a minute, 60 each)', () => {
    const demands = new Map(Array.from({ length: 20 }, (_, i) => [`org-${i}`, 60] as [string, number]));
    expect([...fairShares(10_000, demands).values()].every((s) => s === 60)).toBe(true);
  });

  it('never hands out more than the budget, never more than a demand, and no one below the even split unless it asked for less', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 500 }), fc.array(fc.integer({ min: 0, max: 200 }), { minLength: 1, maxLength: 30 }), (limit, wants) => {
        const demands = new Map(wants.map((w, i) => [`t${String(i).padStart(2, '0')}`, w] as [string, number]));
        const shares = fairShares(limit, demands);
        const total = [...shares.values()].reduce((a, b) => a + b, 0);
        const even = Math.floor(limit / wants.length);
        const spare = total < limit;
        return (
          total <= limit &&
          [...demands].every(([t, d]) => shares.get(t)! <= d && shares.get(t)! >= Math.min(d, even)) &&
          // Work-conserving: budget is left over only when every demand is met.
          (!spare || [...demands].every(([t, d]) => shares.get(t) === d))
        );
      }),
      { numRuns: 300 },
    );
  });
});

describe('admitAppCall', () => {
  const rule = { limit: 100, perTenant: 60 };

  /** Organisations asking every `askers[t]` ms for `until` ms of a simulated clock: admitted calls counted and paced, windows rolled. */
  function simulate(r: typeof rule, askers: Record<string, number>, until: number): Record<string, number[]> {
    const counts = usage(Object.fromEntries(Object.keys(askers).map((t) => [t, {}])));
    const at: Record<string, number[]> = Object.fromEntries(Object.keys(askers).map((t) => [t, []]));
    const tenants = Object.keys(askers);
    for (let now = 0; now < until; now += 100) {
      if (now % MINUTE === 0) for (const u of counts.values()) [u.previousCalls, u.calls] = [u.calls, 0];
      // Who asks first goes round, as units of work come and go.
      const turn = (now / 100) % tenants.length;
      for (const t of [...tenants.slice(turn), ...tenants.slice(0, turn)]) {
        if (now % askers[t] !== 0) continue;
        const d = admitAppCall(r, counts, t, (now % MINUTE) / MINUTE, MINUTE, now);
        if (!d.ok) continue;
        counts.get(t)!.calls++;
        counts.get(t)!.paceAt = d.paceAt;
        at[t].push(now);
      }
    }
    return at;
  }
  /** Each organisation's calls in each minute-long stretch, a quarter-minute apart, after the first half-minute. */
  const perStretch = (at: Record<string, number[]>, until: number) =>
    Array.from({ length: Math.floor((until - 1.5 * MINUTE) / (MINUTE / 4)) + 1 }, (_, i) => MINUTE / 2 + (i * MINUTE) / 4).map((from) =>
      Object.values(at).map((calls) => calls.filter((x) => x >= from && x < from + MINUTE).length),
    );

  it('lets an organisation alone call as its own limits allow: the app does not pace it', () => {
    expect(admitAppCall(rule, usage({ a: { calls: 59, paceAt: NOW + 5000 } }), 'a', 0.5, MINUTE, NOW)).toEqual({ ok: true, paceAt: NOW });
    expect(admitAppCall(rule, usage({ a: { calls: 99 } }), 'a', 0.5, MINUTE, NOW)).toEqual({ ok: true, paceAt: NOW });
  });

  it('paces a busy organisation at its fair share as soon as another one has work, so the other one is served', () => {
    // Two with work: 50 a minute each, one every 1.2 s. a called 0.5 s ago: its next call is due in 0.7 s.
    const busy = usage({ a: { calls: 50, paceAt: NOW + 700 }, b: { calls: 0 } });
    expect(admitAppCall(rule, busy, 'a', 0.5, MINUTE, NOW)).toEqual({ ok: false, share: 50, waitMs: 700 });
    expect(admitAppCall(rule, busy, 'b', 0.5, MINUTE, NOW)).toEqual({ ok: true, paceAt: NOW + 1200 });
  });

  it('counts a newcomer that asks for the first time, even before it ever called', () => {
    expect(admitAppCall(rule, usage({ a: { calls: 50 } }), 'b', 0.5, MINUTE, NOW)).toEqual({ ok: true, paceAt: NOW + MINUTE / 50 });
  });

  it("gives an idle organisation's share to the others once it stops asking", () => {
    const d = admitAppCall(rule, usage({ a: { calls: 55, paceAt: NOW + 900 }, b: { active: false, previousCalls: 10 } }), 'a', 0.9, MINUTE, NOW);
    expect(d).toEqual({ ok: true, paceAt: NOW });
  });

  it('never lets the app as a whole go over its limit, the previous window weighed by how much of it is still in the last minute', () => {
    expect(admitAppCall({ limit: 100, perTenant: 100 }, usage({ a: { calls: 40 }, b: { calls: 60, active: false } }), 'a', 0, MINUTE, NOW)).toMatchObject({
      ok: false,
    });
    expect(rollingCount(10, 40, 0.25)).toBe(40);
    expect(admitAppCall(rule, usage({ a: { calls: 20, previousCalls: 107 } }), 'a', 0.25, MINUTE, NOW)).toMatchObject({ ok: false });
    expect(admitAppCall(rule, usage({ a: { calls: 20, previousCalls: 107 } }), 'a', 0.5, MINUTE, NOW)).toMatchObject({ ok: true });
  });

  it('keeps each organisation to an even pace through its share: one call every minute/share, the budget used whole', () => {
    // Two organisations sharing 20 a minute (10 each), both asking all the time.
    const at = simulate({ limit: 20, perTenant: 60 }, { a: 100, b: 100 }, 4 * MINUTE);
    expect(at.a.slice(0, 4)).toEqual([0, 6000, 12000, 18000]);
    expect(
      perStretch(at, 4 * MINUTE)
        .flat()
        .every((n) => n >= 9 && n <= 10),
    ).toBe(true);
  });

  it('twenty organisations sharing 200 a minute: in every minute each makes 9 or 10, however the asking falls', () => {
    const askers = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`org-${i}`, 100 * (1 + (i % 3))]));
    const at = simulate({ limit: 200, perTenant: 60 }, askers, 4 * MINUTE);
    const stretches = perStretch(at, 4 * MINUTE);
    expect(stretches.map((s) => [Math.min(...s) >= 9, Math.max(...s) <= 10])).toEqual(stretches.map(() => [true, true]));
  });

  it('over many rounds, two organisations with work get the same number of calls, however eagerly one asks', () => {
    // The eager one asks every 100 ms, the calm one every second.
    const at = simulate({ limit: 40, perTenant: 60 }, { eager: 100, calm: 1000 }, 5 * MINUTE);
    expect(Math.abs(at.eager.length - at.calm.length)).toBeLessThanOrEqual(1);
    // The budget used (nearly) whole: the calm one is late for its turn by up to a second at times.
    expect(at.eager.length + at.calm.length).toBeGreaterThanOrEqual(0.95 * 5 * 40);
  });
});
