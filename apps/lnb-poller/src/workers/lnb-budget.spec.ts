import { type BucketState, type BudgetPolicy, fullBucket, pauseBucket, takeTokens } from '../domain/budget';
import type { BudgetStore } from '../store/budget-store';
import { BudgetUnavailableError, LnbBudget } from './lnb-budget';

/**
 * The shared bucket in memory, on a virtual clock: what the Postgres row does for several pollers.
 * Time moves only when every poller is asleep, to the earliest wake-up, so pollers sleeping at once
 * wait together as they would on a real clock.
 */
function sharedBucket(policy: BudgetPolicy) {
  const clock = { now: 0 };
  let state: BucketState = fullBucket(policy, 0);
  const timers: { at: number; wake: () => void }[] = [];
  const store: BudgetStore = {
    take: async (want) => {
      const grant = takeTokens(state, clock.now, want, policy);
      state = grant.state;
      return { granted: grant.granted, waitMs: grant.waitMs };
    },
    pause: async (forMs) => {
      state = pauseBucket(state, clock.now, forMs);
    },
  };
  const sleep = (ms: number): Promise<void> => new Promise((wake) => timers.push({ at: clock.now + ms, wake }));
  const poller = (): LnbBudget => new LnbBudget(store, policy, { sleep, now: () => clock.now });
  /** Runs `work` to its end, moving the clock to the next wake-up whenever nothing else can happen. */
  async function drive<T>(work: Promise<T>): Promise<T> {
    let done = false;
    work.then(
      () => (done = true),
      () => (done = true),
    );
    while (!done) {
      await new Promise((resolve) => setImmediate(resolve));
      if (done || !timers.length) continue;
      timers.sort((x, y) => x.at - y.at);
      const next = timers.shift()!;
      clock.now = Math.max(clock.now, next.at);
      next.wake();
    }
    return work;
  }
  return { clock, store, poller, drive };
}

/** Sends `n` requests through a poller's budget, `concurrency` at a time; the times they were let through. */
async function send(budget: LnbBudget, n: number, at: () => number, concurrency = 8): Promise<number[]> {
  const times: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < n) {
        await budget.acquire();
        times.push(at());
      }
    }),
  );
  return times;
}

describe('LnbBudget', () => {
  const policy = { perMinute: 600, burst: 20 };

  it('lets the burst through at once, then paces requests at the budget', async () => {
    const { clock, poller, drive } = sharedBucket(policy);
    const times = await drive(send(poller(), 80, () => clock.now));
    expect(times.filter((t) => t === 0)).toHaveLength(20);
    // 60 more at 10 a second: six seconds, never faster.
    expect(Math.max(...times)).toBeGreaterThanOrEqual(6_000);
    for (let t = 0; t <= Math.max(...times); t += 1_000) expect(times.filter((x) => x > t && x <= t + 1_000).length).toBeLessThanOrEqual(10 + 2);
  });

  it('two pollers of one connection share one budget', async () => {
    const { clock, poller, drive } = sharedBucket(policy);
    const [a, b] = await drive(Promise.all([send(poller(), 60, () => clock.now), send(poller(), 60, () => clock.now)]));
    const all = [...a, ...b];
    // 120 requests: 20 at once, 100 at 10 a second, so 10 s; each poller with a budget of its own would be done in 4.
    expect(Math.max(...all)).toBeGreaterThanOrEqual(10_000);
    for (let t = 0; t <= Math.max(...all); t += 1_000) expect(all.filter((x) => x > t && x <= t + 1_000).length).toBeLessThanOrEqual(10 + 2);
    // Neither was done by the time it would have been alone.
    expect(Math.max(...a)).toBeGreaterThan(4_000);
    expect(Math.max(...b)).toBeGreaterThan(4_000);
  });

  it('after a 429 nobody goes before Retry-After, on this poller or the other', async () => {
    const { clock, poller, drive } = sharedBucket(policy);
    const one = poller();
    const other = poller();
    await drive(send(one, 5, () => clock.now));
    one.slowDown(3_000);
    const [mine, theirs] = await drive(Promise.all([send(one, 5, () => clock.now), send(other, 5, () => clock.now)]));
    expect(Math.min(...mine, ...theirs)).toBeGreaterThanOrEqual(3_000);
  });

  it('a 429 that does not say how long holds for a second', async () => {
    const { clock, poller, drive } = sharedBucket(policy);
    const budget = poller();
    budget.slowDown(undefined);
    expect(Math.min(...(await drive(send(budget, 3, () => clock.now))))).toBeGreaterThanOrEqual(1_000);
  });

  it('hands out permits in the order asked, so runs sharing a poller interleave', async () => {
    const { poller, drive } = sharedBucket({ perMinute: 600, burst: 1 });
    const budget = poller();
    const order: string[] = [];
    await drive(
      Promise.all(
        ['invoices', 'credit_notes'].map(async (flow) => {
          for (let i = 0; i < 4; i++) {
            await budget.acquire();
            order.push(flow);
          }
        }),
      ),
    );
    expect(order).toEqual(['invoices', 'credit_notes', 'invoices', 'credit_notes', 'invoices', 'credit_notes', 'invoices', 'credit_notes']);
  });

  it('fails the waiting requests in plain words when the budget cannot be read', async () => {
    const errors: unknown[] = [];
    const broken: BudgetStore = { take: async () => Promise.reject(new Error('connection refused')), pause: async () => undefined };
    const budget = new LnbBudget(broken, policy, { onError: (err) => errors.push(err) });
    const failure = await budget.acquire().then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(failure).toBeInstanceOf(BudgetUnavailableError);
    expect((failure as Error).message).toBe('the LNB request budget could not be read from the database: connection refused');
    expect(errors).toHaveLength(1);
  });
});
