// The sandbox's request rate limit: at most `limit` API requests in any window of `windowMs`, then 429
// with Retry-After (whole seconds until the oldest admitted request leaves the window). LNB documents
// no numbers; this lets an integrator rehearse a limit and the tests prove the connector keeps under it.

export interface RateLimitStats {
  /** Requests admitted per window; 0 when off. */
  limit: number;
  windowMs: number;
  /** 429s answered because of the limit. */
  limited: number;
  /** The most requests that arrived in one window (admitted or not) since the limit was set or reset. */
  peakInWindow: number;
}

/** Timestamps in arrival order, dropped from the front once out of the window. */
class Window {
  private times: number[] = [];
  private head = 0;

  count(now: number, windowMs: number): number {
    while (this.head < this.times.length && this.times[this.head] <= now - windowMs) this.head++;
    if (this.head > 1024 && this.head * 2 > this.times.length) {
      this.times = this.times.slice(this.head);
      this.head = 0;
    }
    return this.times.length - this.head;
  }

  oldest(): number | undefined {
    return this.times[this.head];
  }

  add(now: number): void {
    this.times.push(now);
  }

  clear(): void {
    this.times = [];
    this.head = 0;
  }
}

export class RateLimiter {
  private readonly admitted = new Window();
  private readonly arrived = new Window();
  private limited = 0;
  private peak = 0;

  constructor(
    private limit = 0,
    private windowMs = 60_000,
  ) {
    this.check(limit, windowMs);
  }

  /** 0 turns the limit off. Resets the counts. */
  configure(limit: number, windowMs: number = this.windowMs): void {
    this.check(limit, windowMs);
    this.limit = limit;
    this.windowMs = windowMs;
    this.reset();
  }

  reset(): void {
    this.admitted.clear();
    this.arrived.clear();
    this.limited = 0;
    this.peak = 0;
  }

  /** Admits a request, or says how many seconds to wait (the Retry-After to send). */
  admit(now: number): { ok: true } | { ok: false; retryAfterSeconds: number } {
    if (this.limit <= 0) return { ok: true };
    this.arrived.add(now);
    this.peak = Math.max(this.peak, this.arrived.count(now, this.windowMs));
    if (this.admitted.count(now, this.windowMs) < this.limit) {
      this.admitted.add(now);
      return { ok: true };
    }
    this.limited++;
    const oldest = this.admitted.oldest() ?? now;
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((oldest + this.windowMs - now) / 1000)) };
  }

  stats(): RateLimitStats {
    return { limit: this.limit, windowMs: this.windowMs, limited: this.limited, peakInWindow: this.peak };
  }

  private check(limit: number, windowMs: number): void {
    if (!(Number.isInteger(limit) && limit >= 0)) throw new RangeError(`rateLimit must be an integer of at least 0, got ${limit}`);
    if (!(Number.isInteger(windowMs) && windowMs >= 1)) throw new RangeError(`rateLimitWindowMs must be a positive integer, got ${windowMs}`);
  }
}
