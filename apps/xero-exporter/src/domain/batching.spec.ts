import { budgetIdle, type BudgetNow, decideSend, IDLE_MINUTE_SHARE, STREAM_LINGER_FACTOR } from './batching';
import { XERO_RATE_LIMITS } from './limiter';

describe('when a batch goes', () => {
  const policy = { batchSize: 50, lingerMs: 1000 };
  /** An organisation nothing has been sent to yet. */
  const idle: BudgetNow = { unitsInFlight: 0, usedThisMinute: 0, perMinute: 60, paused: false, idleSince: 0 };
  /** Some of its units are running here. */
  const busy: BudgetNow = { ...idle, unitsInFlight: 2, usedThisMinute: 10, idleSince: 0 };
  const now = 100_000;
  /** `count` documents, the oldest enqueued `oldestAgo` ms ago, the newest `newestAgo` ms ago. */
  const waiting = (count: number, oldestAgo: number, newestAgo = oldestAgo) => ({ count, oldestSince: now - oldestAgo, newestSince: now - newestAgo });

  it('sends "export now" at once: one document, the budget idle, nothing queued behind a busy unit', () => {
    expect(decideSend(waiting(1, 5), idle, now, policy)).toEqual({ send: true, why: 'idle' });
    // The organisation was busy before and is idle again since: what came after goes at once too.
    expect(decideSend(waiting(3, 5, 1), { ...idle, idleSince: now - 200, usedThisMinute: 12 }, now, policy)).toEqual({ send: true, why: 'idle' });
  });

  it('lets documents that queued while a unit of the organisation was running wait for company', () => {
    // A unit is running here: whatever arrives joins the next batch.
    expect(decideSend(waiting(20, 100, 90), { ...idle, unitsInFlight: 1 }, now, policy)).toEqual({ send: false });
    // The units just ended, but these came while they ran: a busy stretch, more are on their way.
    expect(decideSend(waiting(20, 100, 90), { ...idle, idleSince: now - 10 }, now, policy)).toEqual({ send: false });
  });

  it('lingers when the budget is the constraint: half the minute spent, or paused', () => {
    const half = XERO_RATE_LIMITS.perMinute * IDLE_MINUTE_SHARE;
    expect(decideSend(waiting(1, 5), { ...idle, usedThisMinute: half }, now, policy)).toEqual({ send: true, why: 'idle' });
    expect(decideSend(waiting(1, 5), { ...idle, usedThisMinute: half + 1 }, now, policy)).toEqual({ send: false });
    expect(decideSend(waiting(1, 5), { ...idle, paused: true }, now, policy)).toEqual({ send: false });
  });

  it("measures room against Xero's own window, whatever limit is configured above it", () => {
    expect(budgetIdle({ ...idle, perMinute: 1_000_000, usedThisMinute: 31 })).toBe(false);
    expect(budgetIdle({ ...idle, perMinute: 1_000_000, usedThisMinute: 30 })).toBe(true);
    // A limit configured below Xero's (another app shares the organisation) is the window.
    expect(budgetIdle({ ...idle, perMinute: 20, usedThisMinute: 11 })).toBe(false);
  });

  it('sends a full batch at once, whatever the budget', () => {
    expect(decideSend(waiting(50, 0), { ...busy, unitsInFlight: 5, usedThisMinute: 59 }, now, policy)).toEqual({ send: true, why: 'full' });
  });

  it('sends a partial batch once its oldest document has waited the linger time, when no more are coming', () => {
    expect(decideSend(waiting(7, 1000, 600), busy, now, policy)).toEqual({ send: true, why: 'waited' });
    expect(decideSend(waiting(7, 999, 600), busy, now, policy)).toEqual({ send: false });
  });

  it('keeps a partial batch open while more keep coming, up to a few linger times', () => {
    // The newest came 100 ms ago: a stream, slower than a batch per linger time.
    expect(decideSend(waiting(35, 1000, 100), busy, now, policy)).toEqual({ send: false });
    expect(decideSend(waiting(35, 1000 * STREAM_LINGER_FACTOR - 1, 10), busy, now, policy)).toEqual({ send: false });
    expect(decideSend(waiting(35, 1000 * STREAM_LINGER_FACTOR, 10), busy, now, policy)).toEqual({ send: true, why: 'waited' });
    // The stream paused (nothing for a quarter of the linger time): no reason to wait longer.
    expect(decideSend(waiting(35, 1000, 250), busy, now, policy)).toEqual({ send: true, why: 'waited' });
  });

  it('sends nothing when nothing waits', () => {
    expect(decideSend({ count: 0, oldestSince: now, newestSince: 0 }, idle, now, policy)).toEqual({ send: false });
  });

  /**
   * Documents arriving every `everyMs`, units of `unitMs`, 5 at most at once; the sender looks whenever one
   * arrives and every 250 ms. The batches sent.
   */
  function simulate(everyMs: number, unitMs: number, forMs = 30_000): number[] {
    const sent: number[] = [];
    let waitingSince: number[] = [];
    let running: number[] = [];
    let idleSince = 0;
    let nextArrival = 0;
    for (let t = 0; t < forMs; t++) {
      const ended = running.filter((until) => until <= t);
      running = running.filter((until) => until > t);
      if (ended.length && running.length === 0) idleSince = t;
      const arrived = t >= nextArrival;
      if (arrived) {
        waitingSince.push(t);
        nextArrival += everyMs;
      }
      if (!arrived && t % 250 !== 0) continue;
      while (running.length < 5) {
        const batch = waitingSince.slice(0, policy.batchSize);
        const claimed = { count: batch.length, oldestSince: batch[0] ?? t, newestSince: batch[batch.length - 1] ?? 0 };
        if (!decideSend(claimed, { ...idle, unitsInFlight: running.length, idleSince }, t, policy).send) break;
        sent.push(batch.length);
        waitingSince = waitingSince.slice(batch.length);
        running.push(t + unitMs);
      }
    }
    return sent;
  }

  it('keeps batching under load: a stream goes out in full batches after the first document', () => {
    // 200 a second, and 35 a second: slower than a batch per linger time, still full batches.
    for (const everyMs of [5, 28]) {
      const sent = simulate(everyMs, 150);
      expect(sent[0]).toBe(1);
      expect(sent.slice(1).every((n) => n === policy.batchSize)).toBe(true);
    }
  });

  it('keeps a slow stream lingering, not one call per document', () => {
    // Ten a second, each arriving while the last unit runs: they wait together, up to the stream's limit.
    const sent = simulate(100, 150);
    expect(sent[0]).toBe(1);
    expect(Math.min(...sent.slice(1))).toBeGreaterThanOrEqual(9 * STREAM_LINGER_FACTOR);
  });

  it('sends documents that come one at a time, after the last is done, each at once', () => {
    // One every two seconds (a person pressing "export now"), a unit of 150 ms.
    expect(simulate(2000, 150)).toEqual(Array(15).fill(1));
  });
});
