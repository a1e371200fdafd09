import { backoffDelayMs, parseRetryAfterMs } from './backoff';

const policy = { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 1_000 };

describe('backoff', () => {
  it('doubles the ceiling after each failed attempt, up to maxDelayMs', () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelayMs(n, policy, () => 1))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it('draws the delay from the upper half of the ceiling (equal jitter)', () => {
    expect(backoffDelayMs(3, policy, () => 0)).toBe(200);
    expect(backoffDelayMs(3, policy, () => 0.5)).toBe(300);
    expect(backoffDelayMs(3, policy, () => 0.999999)).toBe(400);
  });

  it('never waits with a zero base delay', () => {
    expect(backoffDelayMs(4, { ...policy, baseDelayMs: 0 }, () => 0.7)).toBe(0);
  });
});

describe('Retry-After', () => {
  const now = Date.UTC(2026, 0, 1, 12, 0, 0);

  it('reads delta-seconds', () => {
    expect(parseRetryAfterMs('2', now)).toBe(2_000);
    expect(parseRetryAfterMs(' 0 ', now)).toBe(0);
    expect(parseRetryAfterMs('1.5', now)).toBe(1_500);
  });

  it('reads an HTTP date as the time left until it, never negative', () => {
    expect(parseRetryAfterMs('Thu, 01 Jan 2026 12:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfterMs('Thu, 01 Jan 2026 11:00:00 GMT', now)).toBe(0);
  });

  it('is undefined when absent or unreadable', () => {
    expect(parseRetryAfterMs(null, now)).toBeUndefined();
    expect(parseRetryAfterMs('', now)).toBeUndefined();
    expect(parseRetryAfterMs('soon', now)).toBeUndefined();
  });
});
