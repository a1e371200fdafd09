import { chunkOf, fullBucket, pauseBucket, takeTokens } from './budget';

const policy = { perMinute: 600, burst: 50 };

describe('the LNB budget bucket', () => {
  it('grants up to its burst at once, then refills at the budget rate', () => {
    const first = takeTokens(fullBucket(policy, 0), 0, 80, policy);
    expect([first.granted, first.waitMs]).toEqual([50, 0]);
    const empty = takeTokens(first.state, 0, 1, policy);
    expect([empty.granted, empty.waitMs]).toEqual([0, 100]);
    // 600 a minute is one every 100 ms.
    const later = takeTokens(empty.state, 1_000, 80, policy);
    expect(later.granted).toBe(10);
    expect(takeTokens(later.state, 3_600_000, 80, policy).granted).toBe(50);
  });

  it('never grants more than the budget over a long window, however it is asked', () => {
    let state = fullBucket(policy, 0);
    let granted = 0;
    for (let t = 0; t <= 60_000; t += 37) {
      const grant = takeTokens(state, t, 3, policy);
      state = grant.state;
      granted += grant.granted;
    }
    expect(granted).toBeLessThanOrEqual(policy.burst + policy.perMinute);
    expect(granted).toBeGreaterThanOrEqual(policy.burst + policy.perMinute - 3);
  });

  it('a 429 holds every grant until Retry-After has passed, then resumes from empty', () => {
    const paused = pauseBucket(fullBucket(policy, 0), 1_000, 2_000);
    expect(takeTokens(paused, 2_500, 1, policy)).toMatchObject({ granted: 0, waitMs: 500 });
    expect(takeTokens(paused, 3_000, 1, policy)).toMatchObject({ granted: 0, waitMs: 100 });
    expect(takeTokens(paused, 3_500, 10, policy).granted).toBe(5);
    // A shorter pause asked later does not cut a longer one short.
    expect(pauseBucket(paused, 1_500, 100).pausedUntilMs).toBe(3_000);
  });

  it('a poller takes a fifth of a second of budget per trip to the store', () => {
    expect(chunkOf({ perMinute: 1_200, burst: 300 })).toBe(4);
    expect(chunkOf({ perMinute: 60, burst: 300 })).toBe(1);
    expect(chunkOf({ perMinute: 6_000_000, burst: 300 })).toBe(300);
  });
});
