// The connection's LNB request budget, shared by every poller instance through one Postgres row (a
// token bucket, store/budget-store.ts) and handed out in this process request by request, in the order
// asked (so concurrent runs interleave). A 429 from LNB pauses the bucket for everyone until its
// Retry-After has passed.
//
// Hand-written rather than rate-limiter-flexible's Postgres limiter: that one costs a query per
// request (2,000 a second in a first import at full speed) and cannot grant part of a batch, while
// here an instance takes a fifth of a second's worth of tokens per query.
import { CodedError } from '@lnbx/contracts';
import type { LnbRequestGate } from '@lnbx/lnb-client';
import { type BudgetPolicy, chunkOf } from '../domain/budget';
import type { BudgetStore } from '../store/budget-store';

/** How long to hold back after a 429 that does not say (LNB's SDK backs off from a second). */
export const DEFAULT_PAUSE_MS = 1_000;

/** The budget could not be read: the run stops with this, in words, rather than wait for ever. */
export class BudgetUnavailableError extends CodedError<'POLLER.BUDGET_UNAVAILABLE'> {
  constructor(message: string, cause?: unknown) {
    super('POLLER.BUDGET_UNAVAILABLE', message, { cause });
  }
}

interface Waiter {
  resolve: () => void;
  reject: (err: Error) => void;
}

export interface LnbBudgetOptions {
  /** The store failed (the run then stops with BudgetUnavailableError, or a pause is not shared). */
  onError?: (err: unknown) => void;
  /** How long one request waited for its permit (ms). */
  onWaited?: (ms: number) => void;
  /** Injected in tests, to drive time. */
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/** This process's share of the budget: permits handed out in the order asked, refilled from the store in chunks. */
export class LnbBudget implements LnbRequestGate {
  private permits = 0;
  private readonly waiters: Waiter[] = [];
  private refilling?: Promise<void>;
  private pausedUntil = 0;
  private readonly chunk: number;
  /** How long the bucket takes to refill one chunk: the least wait when it is empty, so each query brings a chunk. */
  private readonly chunkMs: number;

  private readonly onError: (err: unknown) => void;
  private readonly onWaited: (ms: number) => void;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;

  constructor(
    private readonly store: BudgetStore,
    policy: BudgetPolicy,
    options: LnbBudgetOptions = {},
  ) {
    this.onError = options.onError ?? (() => undefined);
    this.onWaited = options.onWaited ?? (() => undefined);
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.now = options.now ?? Date.now;
    this.chunk = chunkOf(policy);
    this.chunkMs = Math.ceil((this.chunk * 60_000) / policy.perMinute);
  }

  acquire(): Promise<void> {
    if (this.permits > 0 && this.waiters.length === 0 && this.now() >= this.pausedUntil) {
      this.permits--;
      return Promise.resolve();
    }
    const asked = this.now();
    return new Promise<void>((resolve, reject) => {
      this.waiters.push({
        resolve: () => {
          this.onWaited(this.now() - asked);
          resolve();
        },
        reject,
      });
      this.refill();
    });
  }

  slowDown(retryAfterMs: number | undefined): void {
    const forMs = retryAfterMs ?? DEFAULT_PAUSE_MS;
    // Permits in hand are dropped: they were granted before LNB said stop.
    this.permits = 0;
    this.pausedUntil = Math.max(this.pausedUntil, this.now() + forMs);
    this.store.pause(forMs).catch((err: unknown) => this.onError(err));
  }

  private refill(): void {
    this.refilling ??= this.hand().finally(() => {
      this.refilling = undefined;
      if (this.waiters.length) this.refill();
    });
  }

  private async hand(): Promise<void> {
    while (this.waiters.length) {
      const paused = this.pausedUntil - this.now();
      if (paused > 0) {
        await this.sleep(paused);
        continue;
      }
      while (this.permits > 0 && this.waiters.length) {
        this.permits--;
        this.waiters.shift()!.resolve();
      }
      if (!this.waiters.length) return;
      let grant: { granted: number; waitMs: number };
      try {
        grant = await this.store.take(Math.max(this.chunk, Math.min(this.waiters.length, this.chunk * 5)));
      } catch (err) {
        this.onError(err);
        const error = new BudgetUnavailableError(`the LNB request budget could not be read from the database: ${(err as Error)?.message ?? String(err)}`, err);
        for (const waiter of this.waiters.splice(0)) waiter.reject(error);
        return;
      }
      this.permits += grant.granted;
      if (grant.granted === 0) await this.sleep(Math.max(grant.waitMs, this.chunkMs));
    }
  }
}
