// Xero's per-organisation limits as arithmetic over one tenant's calls: calls in flight, a rolling
// minute and the day, steered by the X-*Limit-Remaining headers (which also count calls made by other
// exporter instances) and by 429 answers. Pure: time comes in as milliseconds.

export interface RateLimits {
  /** Calls in flight per tenant. */
  concurrent: number;
  perMinute: number;
  /** Calls per rolling day (Xero: 5,000; an app on Xero's Starter tier: 1,000). */
  perDay: number;
}

export const XERO_RATE_LIMITS: RateLimits = { concurrent: 5, perMinute: 60, perDay: 5000 };

export interface LimiterTiming {
  /** A limit-minute in real milliseconds (60,000 against Xero; shorter against a time-scaled sandbox). */
  minuteMs: number;
  /** Slack added to the window: a call counts until this long after its answer. */
  guardMs: number;
}

export type Admission =
  | { ok: true; ticket: CallTicket }
  | { ok: false; reason: 'concurrent' | 'minute' | 'paused'; /** how long to wait; undefined: until a call in flight ends */ waitMs?: number };

export interface LimitReadings {
  minuteRemaining?: number;
  dayRemaining?: number;
  appMinuteRemaining?: number;
}

export interface CallTicket {
  /** The call is over (answered or not): it stops counting a window after `now`. */
  done(now: number): void;
}

interface Stamp {
  /** When it stops counting: a window after the answer (or after it started, for phantom calls). */
  from: number;
  open: boolean;
}

/** A limit-day is 1,440 limit-minutes. */
const MINUTES_PER_DAY = 1440;

export class TenantLimiter {
  private stamps: Stamp[] = [];
  /**
   * When each of this process's calls of the rolling day was made, oldest first. Other instances' calls are not
   * guessed from X-DayLimit-Remaining (a day's calls are spread over it: counting them as made now would pause
   * for a whole day); a remainder of zero pauses for a minute and probes again, as Xero's Retry-After would.
   */
  private dayCalls: number[] = [];
  private inFlight = 0;
  private pausedUntil = 0;
  private pauseReason = '';
  private lastReadings: LimitReadings = {};

  constructor(
    private readonly limits: RateLimits,
    private readonly timing: LimiterTiming,
  ) {}

  private get windowMs(): number {
    return this.timing.minuteMs + this.timing.guardMs;
  }

  private get dayMs(): number {
    return this.timing.minuteMs * MINUTES_PER_DAY;
  }

  private trim(now: number): void {
    this.stamps = this.stamps.filter((s) => s.open || s.from + this.windowMs > now);
    const stale = this.dayCalls.findIndex((at) => at + this.dayMs > now);
    this.dayCalls = stale < 0 ? [] : this.dayCalls.slice(stale);
  }

  /** Takes a place for one call now, or says why not and how long to wait. */
  admit(now: number): Admission {
    if (now < this.pausedUntil) return { ok: false, reason: 'paused', waitMs: this.pausedUntil - now };
    if (this.inFlight >= this.limits.concurrent) return { ok: false, reason: 'concurrent' };
    this.trim(now);
    if (this.dayCalls.length >= this.limits.perDay) {
      // The day's budget is spent: paused until its oldest call leaves the day (a long pause is shared, see the sender).
      this.pause(this.dayCalls[0] + this.dayMs, 'day limit reached');
      return { ok: false, reason: 'paused', waitMs: this.pausedUntil - now };
    }
    if (this.stamps.length >= this.limits.perMinute) {
      const closed = this.stamps.filter((s) => !s.open);
      if (closed.length === 0) return { ok: false, reason: 'concurrent' };
      const next = Math.min(...closed.map((s) => s.from + this.windowMs));
      return { ok: false, reason: 'minute', waitMs: Math.max(1, next - now) };
    }
    const stamp: Stamp = { from: now, open: true };
    this.stamps.push(stamp);
    this.dayCalls.push(now);
    this.inFlight++;
    let finished = false;
    return {
      ok: true,
      ticket: {
        done: (at: number) => {
          if (finished) return;
          finished = true;
          // Xero counts the call from when it arrived, which is no later than its answer: counting it
          // from the answer can only be more careful, so a window edge never costs a 429.
          stamp.from = Math.max(stamp.from, at);
          stamp.open = false;
          this.inFlight--;
        },
      },
    };
  }

  /** Whether a call could start now (without taking the place). */
  hasRoom(now: number): boolean {
    if (now < this.pausedUntil || this.inFlight >= this.limits.concurrent) return false;
    this.trim(now);
    return this.stamps.length < this.limits.perMinute && this.dayCalls.length < this.limits.perDay;
  }

  /** What an answer's headers say; calls by other instances show up here as a smaller remainder. */
  observe(readings: LimitReadings, now: number): void {
    this.lastReadings = { ...this.lastReadings, ...readings };
    this.trim(now);
    if (readings.minuteRemaining !== undefined) {
      // Xero's own window holds at most its limit: a configured limit above it (XERO_LIMIT_PER_MINUTE
      // set to a million) must not turn "60 remaining" into a million calls nobody made.
      const window = Math.min(this.limits.perMinute, XERO_RATE_LIMITS.perMinute);
      const usedByXero = window - readings.minuteRemaining;
      const missing = Math.min(usedByXero, window) - this.stamps.length;
      // Calls we did not make (another instance): count them as if made now, the careful guess.
      for (let i = 0; i < missing; i++) this.stamps.push({ from: now, open: false });
    }
    if (readings.dayRemaining !== undefined && readings.dayRemaining <= 0) {
      // Without a Retry-After we do not know when the day frees up: probe again after a minute.
      this.pause(now + this.timing.minuteMs, 'day limit reached');
    }
    if (readings.appMinuteRemaining !== undefined && readings.appMinuteRemaining <= 0) {
      this.pause(now + this.timing.minuteMs, 'app minute limit reached');
    }
  }

  /** A 429: nothing goes to this tenant before Retry-After. */
  rateLimited(problem: string, retryAfterMs: number, now: number): void {
    this.pause(now + retryAfterMs, `rate limited (${problem || 'unknown'})`);
  }

  pause(until: number, reason: string): void {
    if (until > this.pausedUntil) {
      this.pausedUntil = until;
      this.pauseReason = reason;
    }
  }

  state(now: number): {
    inFlight: number;
    usedThisMinute: number;
    usedToday: number;
    pausedUntil?: number;
    pauseReason?: string;
    readings: LimitReadings;
  } {
    this.trim(now);
    const paused = this.pausedUntil > now;
    return {
      inFlight: this.inFlight,
      usedThisMinute: this.stamps.length,
      usedToday: this.dayCalls.length,
      pausedUntil: paused ? this.pausedUntil : undefined,
      pauseReason: paused ? this.pauseReason : undefined,
      readings: { ...this.lastReadings },
    };
  }
}
