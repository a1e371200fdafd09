// A token bucket for the LNB request budget, as plain arithmetic: the store keeps its state (one row
// per connection, shared by every poller instance) and calls these under a row lock.

export interface BudgetPolicy {
  /** Tokens added per minute. */
  perMinute: number;
  /** The bucket's size: what may go at once after a quiet spell. */
  burst: number;
}

export interface BucketState {
  tokens: number;
  /** When `tokens` was last brought up to date (ms). */
  atMs: number;
  /** No token is handed out before this (ms): LNB said 429 with this Retry-After. */
  pausedUntilMs: number;
}

export interface Grant {
  state: BucketState;
  granted: number;
  /** When nothing was granted: how long until a token can be (ms). */
  waitMs: number;
}

export const fullBucket = (policy: BudgetPolicy, nowMs: number): BucketState => ({ tokens: policy.burst, atMs: nowMs, pausedUntilMs: 0 });

/** Up to `want` tokens now; none while paused. */
export function takeTokens(state: BucketState, nowMs: number, want: number, policy: BudgetPolicy): Grant {
  const elapsed = Math.max(0, nowMs - state.atMs);
  const tokens = Math.min(policy.burst, state.tokens + (elapsed * policy.perMinute) / 60_000);
  const atMs = Math.max(state.atMs, nowMs);
  if (nowMs < state.pausedUntilMs) {
    return { state: { tokens, atMs, pausedUntilMs: state.pausedUntilMs }, granted: 0, waitMs: state.pausedUntilMs - nowMs };
  }
  const granted = Math.max(0, Math.min(Math.floor(want), Math.floor(tokens)));
  const left = tokens - granted;
  const waitMs = granted > 0 ? 0 : Math.ceil(((1 - left) * 60_000) / policy.perMinute);
  return { state: { tokens: left, atMs, pausedUntilMs: state.pausedUntilMs }, granted, waitMs };
}

/**
 * LNB answered 429: nothing goes until `forMs` from now, and the bucket starts empty after that, so
 * the pace resumes at the budget's rate rather than with a burst into the same limit.
 */
export function pauseBucket(state: BucketState, nowMs: number, forMs: number): BucketState {
  const pausedUntilMs = Math.max(state.pausedUntilMs, nowMs + Math.max(0, forMs));
  return { tokens: 0, atMs: Math.max(state.atMs, pausedUntilMs), pausedUntilMs };
}

/** Tokens one poller takes from the shared bucket at a time: a fifth of a second's worth (at least 1). */
export const chunkOf = (policy: BudgetPolicy): number => Math.max(1, Math.min(policy.burst, Math.ceil(policy.perMinute / 300)));
