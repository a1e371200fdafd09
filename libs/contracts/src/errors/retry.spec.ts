import fc from 'fast-check';
import { backoffDelayMs, DEFAULT_MAX_RETRY_AFTER_MS, type Jitter, nextTry, parseRetryAfterMs, type RetryPolicy } from './retry';

const backoff = { baseDelayMs: 100, maxDelayMs: 1_000 };

describe('backoffDelayMs', () => {
  it('doubles the ceiling after each failed attempt, up to maxDelayMs', () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelayMs(n, { ...backoff, jitter: 'none' }))).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(backoffDelayMs(10_000, { ...backoff, jitter: 'none' })).toBe(1000);
  });

  it('draws equal jitter (the default) from the upper half of the ceiling', () => {
    expect([0, 0.5, 0.999999].map((r) => backoffDelayMs(3, backoff, () => r))).toEqual([200, 300, 400]);
  });

  it('draws full jitter from zero to the ceiling', () => {
    expect([0, 0.5, 0.999999].map((r) => backoffDelayMs(3, { ...backoff, jitter: 'full' }, () => r))).toEqual([0, 200, 400]);
  });

  it("stays within its strategy's bounds for any attempt, draw and policy", () => {
    const bounds: Record<Jitter, (ceiling: number) => [number, number]> = {
      equal: (c) => [Math.floor(c / 2), c],
      full: (c) => [0, c],
      none: (c) => [c, c],
    };
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 200 }),
        fc.integer({ min: 0, max: 60_000 }),
        fc.integer({ min: 0, max: 600_000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        fc.constantFrom<Jitter>('equal', 'full', 'none'),
        (attempt, base, extra, draw, jitter) => {
          const policy = { baseDelayMs: base, maxDelayMs: base + extra, jitter };
          const ceiling = Math.min(policy.maxDelayMs, base * 2 ** Math.min(30, attempt - 1));
          const [low, high] = bounds[jitter](ceiling);
          const delay = backoffDelayMs(attempt, policy, () => draw);
          expect(delay).toBeGreaterThanOrEqual(low);
          expect(delay).toBeLessThanOrEqual(Math.ceil(high));
          expect(delay).toBeLessThanOrEqual(policy.maxDelayMs);
        },
      ),
    );
  });

  it('waits half the ceiling at the lowest draw and the whole capped ceiling at the highest (equal jitter)', () => {
    const exporter = { baseDelayMs: 1000, maxDelayMs: 60_000 };
    expect([backoffDelayMs(1, exporter, () => 0), backoffDelayMs(3, exporter, () => 1), backoffDelayMs(20, exporter, () => 1)]).toEqual([500, 4000, 60_000]);
  });

  it('never waits with a zero base delay', () => {
    expect(backoffDelayMs(4, { baseDelayMs: 0, maxDelayMs: 0 }, () => 0.7)).toBe(0);
  });
});

describe('parseRetryAfterMs', () => {
  const now = Date.UTC(2026, 0, 1, 12, 0, 0);

  it('reads delta-seconds', () => {
    expect(parseRetryAfterMs('2', now)).toBe(2_000);
    expect(parseRetryAfterMs(' 0 ', now)).toBe(0);
    expect(parseRetryAfterMs('1.5', now)).toBe(1_500);
    expect(parseRetryAfterMs('120', now)).toBe(120_000);
  });

  it('reads an HTTP date as the time left until it, never negative', () => {
    expect(parseRetryAfterMs('Thu, 01 Jan 2026 12:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfterMs(new Date(now + 7_000).toUTCString(), now)).toBe(7_000);
    expect(parseRetryAfterMs('Thu, 01 Jan 2026 11:00:00 GMT', now)).toBe(0);
  });

  it('is undefined when absent or unreadable, and never reads a bare or negative number as a date', () => {
    for (const value of [null, undefined, '', '   ', 'soon', '-5', '5s', '1e3']) expect(parseRetryAfterMs(value, now)).toBeUndefined();
  });
});

describe('nextTry', () => {
  const policy: RetryPolicy = { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 1_000, maxRetryAfterMs: 60_000 };
  const half = () => 0.5;

  it('retries a retriable failure after the backoff, until the attempts are spent', () => {
    expect(nextTry(1, { retriable: true }, policy, half)).toEqual({ retry: true, delayMs: 75 });
    expect(nextTry(2, { retriable: true }, policy, half)).toEqual({ retry: true, delayMs: 150 });
    expect(nextTry(3, { retriable: true }, policy, half)).toEqual({ retry: false, because: 'attempts_spent' });
  });

  it('gives up at once on a failure that is not retriable', () => {
    expect(nextTry(1, { retriable: false, retryAfterMs: 10 }, policy, half)).toEqual({ retry: false, because: 'not_retriable' });
  });

  it('waits at least the Retry-After, never less than the backoff', () => {
    expect(nextTry(1, { retriable: true, retryAfterMs: 2_000 }, policy, half)).toEqual({ retry: true, delayMs: 2_000 });
    expect(nextTry(2, { retriable: true, retryAfterMs: 0 }, policy, half)).toEqual({ retry: true, delayMs: 150 });
  });

  it('hands a Retry-After beyond the cap back to the caller instead of waiting it out', () => {
    expect(nextTry(1, { retriable: true, retryAfterMs: 60_000 }, policy, half)).toEqual({ retry: true, delayMs: 60_000 });
    expect(nextTry(1, { retriable: true, retryAfterMs: 60_001 }, policy, half)).toEqual({ retry: false, because: 'wait_too_long' });
    const { maxRetryAfterMs: _, ...uncapped } = policy;
    expect(nextTry(1, { retriable: true, retryAfterMs: DEFAULT_MAX_RETRY_AFTER_MS + 1 }, uncapped, half)).toEqual({ retry: false, because: 'wait_too_long' });
    expect(nextTry(1, { retriable: true, retryAfterMs: 3_600_000 }, { ...policy, maxRetryAfterMs: Infinity }, half)).toEqual({
      retry: true,
      delayMs: 3_600_000,
    });
  });
});
