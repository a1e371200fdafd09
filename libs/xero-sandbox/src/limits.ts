// Xero's rate limits as arithmetic over rolling windows; time is real milliseconds, windows shrink by timeScale.
export interface Limits {
  /** Calls in flight per tenant. */
  concurrent: number;
  /** Calls per rolling minute per tenant. */
  perMinute: number;
  /** Calls per rolling day per tenant. */
  perDay: number;
  /** Calls per rolling minute for the app across all tenants. */
  appPerMinute: number;
}

export const XERO_LIMITS: Limits = { concurrent: 5, perMinute: 60, perDay: 5000, appPerMinute: 10_000 };

export type LimitProblem = 'concurrent' | 'minute' | 'day' | 'appminute';

export interface LimitHeaders {
  'X-MinLimit-Remaining': string;
  'X-DayLimit-Remaining': string;
  'X-AppMinLimit-Remaining': string;
}

export type Admission =
  { ok: true; headers: LimitHeaders; release: () => void } | { ok: false; problem: LimitProblem; retryAfterSeconds: number; headers: LimitHeaders };

/** Timestamps of admitted calls, oldest first, trimmed as the window slides. */
class Window {
  private stamps: number[] = [];
  private head = 0;
  constructor(private readonly lengthMs: () => number) {}

  count(now: number): number {
    const from = now - this.lengthMs();
    while (this.head < this.stamps.length && this.stamps[this.head] <= from) this.head++;
    if (this.head > 1024 && this.head * 2 > this.stamps.length) {
      this.stamps = this.stamps.slice(this.head);
      this.head = 0;
    }
    return this.stamps.length - this.head;
  }

  /** Milliseconds until the oldest call in the window leaves it, freeing one slot. */
  msUntilSlot(now: number): number {
    const oldest = this.stamps[this.head];
    return oldest === undefined ? 0 : Math.max(0, oldest + this.lengthMs() - now);
  }

  add(now: number): void {
    this.stamps.push(now);
  }

  toJSON(): number[] {
    return this.stamps.slice(this.head);
  }

  load(stamps: number[]): void {
    this.stamps = [...stamps];
    this.head = 0;
  }
}

interface TenantCounters {
  inFlight: number;
  minute: Window;
  day: Window;
  /** Real ms until which the day limit is forced exhausted (fault injection). */
  dayBlockedUntil: number;
}

export interface RateLimiterOptions {
  limits: Limits;
  enabled: boolean;
  /** Limit-time seconds per real second: 10 makes a limit-minute last 6 real seconds. */
  timeScale: number;
}

export class RateLimiter {
  private readonly tenants = new Map<string, TenantCounters>();
  private readonly app: Window;

  constructor(private readonly options: RateLimiterOptions) {
    this.app = new Window(() => this.minuteMs());
  }

  get limits(): Limits {
    return this.options.limits;
  }

  get enabled(): boolean {
    return this.options.enabled;
  }

  private minuteMs(): number {
    return 60_000 / this.options.timeScale;
  }

  private dayMs(): number {
    return 86_400_000 / this.options.timeScale;
  }

  private counters(tenantId: string): TenantCounters {
    let c = this.tenants.get(tenantId);
    if (!c) {
      c = { inFlight: 0, minute: new Window(() => this.minuteMs()), day: new Window(() => this.dayMs()), dayBlockedUntil: 0 };
      this.tenants.set(tenantId, c);
    }
    return c;
  }

  headers(tenantId: string, now: number): LimitHeaders {
    const { limits, enabled } = this.options;
    if (!enabled) {
      // A client pacing itself by these headers must not slow down when limits are off.
      return {
        'X-MinLimit-Remaining': String(limits.perMinute),
        'X-DayLimit-Remaining': String(limits.perDay),
        'X-AppMinLimit-Remaining': String(limits.appPerMinute),
      };
    }
    const c = this.counters(tenantId);
    const dayRemaining = c.dayBlockedUntil > now ? 0 : Math.max(0, limits.perDay - c.day.count(now));
    return {
      'X-MinLimit-Remaining': String(Math.max(0, limits.perMinute - c.minute.count(now))),
      'X-DayLimit-Remaining': String(dayRemaining),
      'X-AppMinLimit-Remaining': String(Math.max(0, limits.appPerMinute - this.app.count(now))),
    };
  }

  /** Admits a call or says which limit it hit and how many real seconds to wait. */
  admit(tenantId: string, now: number): Admission {
    const c = this.counters(tenantId);
    if (this.options.enabled) {
      const { limits } = this.options;
      const reject = (problem: LimitProblem, waitMs: number): Admission => ({
        ok: false,
        problem,
        retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)),
        headers: this.headers(tenantId, now),
      });
      if (c.dayBlockedUntil > now) return reject('day', c.dayBlockedUntil - now);
      if (c.day.count(now) >= limits.perDay) return reject('day', c.day.msUntilSlot(now));
      if (this.app.count(now) >= limits.appPerMinute) return reject('appminute', this.app.msUntilSlot(now));
      if (c.minute.count(now) >= limits.perMinute) return reject('minute', c.minute.msUntilSlot(now));
      if (c.inFlight >= limits.concurrent) return reject('concurrent', 1000);
      c.minute.add(now);
      c.day.add(now);
      this.app.add(now);
    }
    c.inFlight++;
    let released = false;
    return {
      ok: true,
      headers: this.headers(tenantId, now),
      release: () => {
        if (!released) {
          released = true;
          c.inFlight--;
        }
      },
    };
  }

  /** Exhausts a tenant's day limit for `limitSeconds` of limit-time (a fault the exporter must survive). */
  forceDayLimit(tenantId: string, now: number, limitSeconds: number): void {
    this.counters(tenantId).dayBlockedUntil = now + (limitSeconds * 1000) / this.options.timeScale;
  }

  clearForcedDayLimit(tenantId: string): void {
    this.counters(tenantId).dayBlockedUntil = 0;
  }

  inFlight(tenantId: string): number {
    return this.counters(tenantId).inFlight;
  }

  reset(): void {
    this.tenants.clear();
    this.app.load([]);
  }
}
