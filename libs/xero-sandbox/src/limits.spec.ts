import { RateLimiter, XERO_LIMITS } from './limits';

const T = 'tenant-a';

describe('RateLimiter', () => {
  it('allows 60 calls a minute per tenant, then says when a slot frees in real seconds', () => {
    const rl = new RateLimiter({ limits: XERO_LIMITS, enabled: true, timeScale: 10 });
    for (let i = 0; i < 60; i++) {
      const a = rl.admit(T, 1000 + i);
      expect(a.ok).toBe(true);
      if (a.ok) a.release();
    }
    const refused = rl.admit(T, 2000);
    expect(refused).toMatchObject({ ok: false, problem: 'minute', retryAfterSeconds: 5 });
    expect(refused.headers['X-MinLimit-Remaining']).toBe('0');
    // A limit-minute lasts 6 real seconds at timeScale 10: the first call leaves the window at 7000.
    expect(rl.admit(T, 7001).ok).toBe(true);
    expect(rl.admit('tenant-b', 2000).ok).toBe(true);
  });

  it('counts calls in flight and frees the slot on release', () => {
    const rl = new RateLimiter({ limits: XERO_LIMITS, enabled: true, timeScale: 1 });
    const held = Array.from({ length: 5 }, () => rl.admit(T, 0));
    expect(held.every((a) => a.ok)).toBe(true);
    expect(rl.admit(T, 0)).toMatchObject({ ok: false, problem: 'concurrent', retryAfterSeconds: 1 });
    const first = held[0];
    if (first.ok) {
      first.release();
      first.release();
    }
    expect(rl.inFlight(T)).toBe(4);
    expect(rl.admit(T, 0).ok).toBe(true);
  });

  it('enforces the day limit, the app-wide minute and a forced day limit', () => {
    const rl = new RateLimiter({ limits: { concurrent: 100, perMinute: 1000, perDay: 3, appPerMinute: 4 }, enabled: true, timeScale: 1 });
    for (let i = 0; i < 3; i++) rl.admit(T, i);
    const day = rl.admit(T, 10);
    expect(day).toMatchObject({ ok: false, problem: 'day', retryAfterSeconds: 86_400 });
    expect(rl.admit('b', 10).ok).toBe(true);
    expect(rl.admit('c', 10)).toMatchObject({ ok: false, problem: 'appminute' });
    rl.forceDayLimit('d', 0, 3600);
    expect(rl.admit('d', 60_001)).toMatchObject({ ok: false, problem: 'day', retryAfterSeconds: 3540 });
    rl.clearForcedDayLimit('d');
    expect(rl.admit('d', 60_001).ok).toBe(true);
  });

  it('reports full quotas and never refuses when switched off', () => {
    const rl = new RateLimiter({ limits: { ...XERO_LIMITS, concurrent: 1, perMinute: 1 }, enabled: false, timeScale: 1 });
    for (let i = 0; i < 10; i++) expect(rl.admit(T, 0).ok).toBe(true);
    expect(rl.headers(T, 0)).toEqual({ 'X-MinLimit-Remaining': '1', 'X-DayLimit-Remaining': '5000', 'X-AppMinLimit-Remaining': '10000' });
  });
});
