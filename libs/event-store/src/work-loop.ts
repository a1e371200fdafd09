// The one shape of background work in every service: a loop that does one step, then sleeps until its
// next tick or until woken (a NOTIFY, new work recorded, a unit finished), backs off after a failing step
// and stops cleanly (the step in flight finishes; nothing new starts). What a step claims, and how, stays
// with its owner: each queue is a table of the owner's, claimed with `for update skip locked` or a lease
// in the same transaction as the events the work appends (a job library's queue could not join it).
import { type Backoff, backoffDelayMs } from '@lnbx/contracts';
import { Waker } from './waker';

/** What a step says of the work left: more of it now, none until woken or the next tick, or none for this long. */
export type StepOutcome = 'more' | 'idle' | { waitMs: number };

export interface WorkLoopOptions {
  /** Names the loop in logs. */
  name: string;
  /** One round of work. Resolving nothing counts as 'idle'. */
  step: () => Promise<StepOutcome | void>;
  /** How long an idle loop sleeps when nobody wakes it (a missed wake costs at most this). */
  everyMs: number | (() => number);
  /** The delay after a failing step, growing with consecutive failures (equal jitter). Default 200 ms to 30 s. */
  backoff?: Backoff;
  /** A failing step: for logs and metrics. The loop goes on after its backoff. */
  onError: (err: unknown, consecutiveFailures: number) => void;
  /** Wakes shared with others (a provider several parts call); the loop makes its own when absent. */
  waker?: Waker;
}

const DEFAULT_BACKOFF: Backoff = { baseDelayMs: 200, maxDelayMs: 30_000 };

export class WorkLoop {
  private readonly waker: Waker;
  private loop?: Promise<void>;
  private active = false;

  constructor(private readonly o: WorkLoopOptions) {
    this.waker = o.waker ?? new Waker();
  }

  get running(): boolean {
    return this.active;
  }

  start(): void {
    if (this.active) return;
    this.active = true;
    this.loop = this.run();
  }

  /** Look now rather than at the next tick; a wake that lands mid-step is kept for the wait after it. */
  wake(): void {
    this.waker.wake();
  }

  /** Lets the step in flight finish, then resolves; no step starts after it is called. */
  async stop(): Promise<void> {
    this.active = false;
    this.waker.wake();
    await this.loop;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.active) {
      let wait: number;
      try {
        const outcome = (await this.o.step()) ?? 'idle';
        failures = 0;
        wait = outcome === 'more' ? 0 : outcome === 'idle' ? this.idleMs() : outcome.waitMs;
      } catch (err) {
        failures += 1;
        this.o.onError(err, failures);
        wait = backoffDelayMs(failures, this.o.backoff ?? DEFAULT_BACKOFF);
      }
      if (!this.active) break;
      if (wait > 0) await this.waker.wait(wait);
    }
  }

  private idleMs(): number {
    return typeof this.o.everyMs === 'function' ? this.o.everyMs() : this.o.everyMs;
  }
}
