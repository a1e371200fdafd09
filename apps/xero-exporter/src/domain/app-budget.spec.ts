import fc from 'fast-check';
import { admitAppCall, type AppUsage, fairShares, rollingCount } from './app-budget';

const MINUTE = 60_000;
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

  it('lets an organisation alone use up to its own limit', () => {
    expect(admitAppCall(rule, usage({ a: { calls: 59 } }), 'a', 0.5, MINUTE)).toEqual({ ok: true });
    expect(admitAppCall(rule, usage({ a: { calls: 60 } }), 'a', 0.5, MINUTE)).toMatchObject({ ok: false, share: 60 });
  });

  it('stops a busy organisation at its fair share as soon as another one has work, so the other one is served', () => {
    const busy = usage({ a: { calls: 50 }, b: { calls: 0 } });
    expect(admitAppCall(rule, busy, 'a', 0.5, MINUTE)).toMatchObject({ ok: false, share: 50 });
    expect(admitAppCall(rule, busy, 'b', 0.5, MINUTE)).toEqual({ ok: true });
  });

  it('counts a newcomer that asks for the first time, even before it ever called', () => {
    const alone = usage({ a: { calls: 50 } });
    // b asks: it is one of two with work, so a's share is now half.
    expect(admitAppCall(rule, alone, 'b', 0.5, MINUTE)).toEqual({ ok: true });
    expect(admitAppCall(rule, usage({ a: { calls: 50 }, b: {} }), 'a', 0.5, MINUTE)).toMatchObject({ ok: false, share: 50 });
  });

  it("gives an idle organisation's share to the others once it stops asking", () => {
    expect(admitAppCall(rule, usage({ a: { calls: 55 }, b: { active: false, previousCalls: 10 } }), 'a', 0.9, MINUTE)).toEqual({ ok: true });
  });

  it('never lets the app as a whole go over its limit', () => {
    expect(admitAppCall({ limit: 100, perTenant: 100 }, usage({ a: { calls: 40 }, b: { calls: 60, active: false } }), 'a', 0, MINUTE)).toMatchObject({
      ok: false,
    });
  });

  it('weighs the previous window by how much of it still lies in the last minute', () => {
    expect(rollingCount(10, 40, 0.25)).toBe(40);
    expect(admitAppCall(rule, usage({ a: { calls: 10, previousCalls: 80 } }), 'a', 0.25, MINUTE)).toMatchObject({ ok: false });
    expect(admitAppCall(rule, usage({ a: { calls: 10, previousCalls: 80 } }), 'a', 0.5, MINUTE)).toEqual({ ok: true });
  });

  it('over many rounds, two organisations with work get the same number of calls, however eagerly one asks', () => {
    const counts = new Map<string, AppUsage>([
      ['eager', { calls: 0, previousCalls: 0, active: true }],
      ['calm', { calls: 0, previousCalls: 0, active: true }],
    ]);
    // The eager one asks ten times for each time the calm one asks.
    for (let i = 0; i < 2000; i++) {
      const t = i % 11 === 0 ? 'calm' : 'eager';
      if (admitAppCall({ limit: 40, perTenant: 60 }, counts, t, 0, MINUTE).ok) counts.get(t)!.calls++;
    }
    expect([counts.get('eager')!.calls, counts.get('calm')!.calls]).toEqual([20, 20]);
  });
});
