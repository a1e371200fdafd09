// When to try again after a failure, in one place: the backoff between attempts, a Retry-After read
// from an answer, and the decision (again, and after how long, or give up). Pure, so the LNB client's
// request loop, the Kafka transport (pause the partition, seek back) and the exporter's stored retries
// (its domain/ folder included) all wait by the same rule.
import { assertNever } from '../assert-never';

/**
 * How the delay is drawn below the exponential ceiling (base * 2^(attempt-1), capped at maxDelayMs):
 * - `equal`: from [ceiling/2, ceiling]: spread out, yet never much shorter than the ceiling;
 * - `full`: from [0, ceiling]: spreads most, may retry almost at once;
 * - `none`: the ceiling itself.
 */
export type Jitter = 'equal' | 'full' | 'none';

export interface Backoff {
  baseDelayMs: number;
  maxDelayMs: number;
  /** Default `equal`. */
  jitter?: Jitter;
}

export interface RetryPolicy extends Backoff {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  /**
   * A Retry-After longer than this is not waited out: the failure goes back to the caller, who
   * reschedules (a run that fails and is run again later). Default 60 s.
   */
  maxRetryAfterMs?: number;
}

export const DEFAULT_MAX_RETRY_AFTER_MS = 60_000;

/** The ceiling doubles 30 times at most: past that it is the cap anyway, and 2 ** n stays finite. */
const MAX_DOUBLINGS = 30;

/** The wait after failed attempt `failedAttempt` (1, 2, ...): exponential, capped, jittered as the policy says. */
export function backoffDelayMs(failedAttempt: number, backoff: Backoff, random: () => number = Math.random): number {
  const doublings = Math.min(MAX_DOUBLINGS, Math.max(0, failedAttempt - 1));
  const ceiling = Math.min(backoff.maxDelayMs, backoff.baseDelayMs * 2 ** doublings);
  const jitter = backoff.jitter ?? 'equal';
  switch (jitter) {
    case 'equal':
      return Math.round(ceiling / 2 + (ceiling / 2) * random());
    case 'full':
      return Math.round(ceiling * random());
    case 'none':
      return ceiling;
    default:
      return assertNever(jitter);
  }
}

/**
 * A Retry-After header as milliseconds from `nowMs`: delta-seconds (RFC 9110 says whole seconds; a
 * fraction is read too) or an HTTP date, never negative. Undefined when absent or unreadable.
 */
export function parseRetryAfterMs(header: string | null | undefined, nowMs: number): number | undefined {
  const value = header?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  // Every HTTP date form names its day or month; without a letter, Date.parse would read "5" or "-1" as a year.
  if (!/[a-z]/i.test(value)) return undefined;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/** What failed, as far as retrying goes (a `CodedError` has both). */
export interface RetryableFailure {
  retriable: boolean;
  /** The least wait the other side asked for (a Retry-After), if it said. */
  retryAfterMs?: number;
}

export type NextTry = { retry: true; delayMs: number } | { retry: false; because: 'not_retriable' | 'attempts_spent' | 'wait_too_long' };

/**
 * After failed attempt `failedAttempt`: try again, and after how long, or give up. The wait is the
 * backoff, or the other side's Retry-After when that is longer (it is the least wait, never shortened);
 * a Retry-After beyond `maxRetryAfterMs` gives up rather than hold the caller that long.
 */
export function nextTry(failedAttempt: number, failure: RetryableFailure, policy: RetryPolicy, random: () => number = Math.random): NextTry {
  if (!failure.retriable) return { retry: false, because: 'not_retriable' };
  if (failedAttempt >= policy.maxAttempts) return { retry: false, because: 'attempts_spent' };
  const asked = failure.retryAfterMs;
  if (asked !== undefined && asked > (policy.maxRetryAfterMs ?? DEFAULT_MAX_RETRY_AFTER_MS)) return { retry: false, because: 'wait_too_long' };
  return { retry: true, delayMs: Math.max(backoffDelayMs(failedAttempt, policy, random), asked ?? 0) };
}
