// How documents waiting for Xero become requests: up to the batch size, under Xero's body cap; a partial
// batch at once when the organisation's budget is idle and nothing queued behind busy units, otherwise only
// once its oldest document has waited long enough for others to join it (longer while more keep coming).
import { XERO_RATE_LIMITS } from './limiter';

/** Xero refuses a request body above 3.5 MB; stay clear of it. */
export const MAX_BODY_BYTES = 3_000_000;
export const XERO_MAX_BATCH = 50;

export interface BatchPolicy {
  batchSize: number;
  lingerMs: number;
}

/** Send now when the batch is full, or when its oldest document has waited the linger time. */
export function readyToSend(count: number, oldestWaitingSince: number, now: number, policy: BatchPolicy): boolean {
  if (count <= 0) return false;
  return count >= policy.batchSize || now - oldestWaitingSince >= policy.lingerMs;
}

/** An organisation's budget as the sender sees it when it weighs a partial batch. Times in ms (Date.now()). */
export interface BudgetNow {
  /** Units of work of this organisation running in this process. */
  unitsInFlight: number;
  /** Calls its limiter counts in the current limit-minute: ours (in flight included), and others' seen in Xero's headers. */
  usedThisMinute: number;
  /** The per-minute limit configured for it. */
  perMinute: number;
  /** Nothing may go before a Retry-After or the day's end. */
  paused: boolean;
  /** When its last unit here ended (0: none has run yet). */
  idleSince: number;
}

/**
 * Up to this share of a limit-minute's calls spent, the budget has plenty of room: calls sent at once for a
 * few documents cost little. Past it, every call should carry as many documents as it can.
 */
export const IDLE_MINUTE_SHARE = 0.5;

/** Nothing of the organisation is running here and its limit-minute is far from spent. */
export function budgetIdle(b: BudgetNow): boolean {
  // Xero's own window holds at most its limit, whatever is configured above it.
  const window = Math.min(b.perMinute, XERO_RATE_LIMITS.perMinute);
  return b.unitsInFlight === 0 && !b.paused && b.usedThisMinute <= window * IDLE_MINUTE_SHARE;
}

/** While documents keep coming, a partial batch waits for them up to this many linger times. */
export const STREAM_LINGER_FACTOR = 3;
/** Documents are still coming when the newest came within this share of the linger time. */
export const STREAM_GAP_SHARE = 0.25;

export type SendDecision = { send: false } | { send: true; why: 'full' | 'waited' | 'idle' };

/** What was claimed for one request: how many, and when the oldest and the newest of them were enqueued. */
export interface Waiting {
  count: number;
  oldestSince: number;
  newestSince: number;
}

/**
 * Whether the documents claimed for one request go now. A full batch goes. A partial batch goes at once
 * when the budget is idle and every document waiting came while it was idle ("export now", the first
 * documents of a run): nobody else is coming, and waiting would only add the linger to the user's wait.
 * Documents that queued while units of the organisation were running are what a busy budget leaves behind,
 * with more likely on the way, and so are all when the minute is half spent: they linger so the next call
 * carries as many as it can, until the oldest has waited the linger time, or, while more keep coming (a
 * run's stream, slower than a batch per linger time), up to STREAM_LINGER_FACTOR times that.
 * `oldestSince` is compared with `idleSince` across two clocks (the database's enqueue time, this process's
 * end of the last unit): a document that came the moment the last unit ended can fall on either side,
 * which costs one linger or one small batch.
 */
export function decideSend(waiting: Waiting, budget: BudgetNow, now: number, policy: BatchPolicy): SendDecision {
  if (waiting.count <= 0) return { send: false };
  if (waiting.count >= policy.batchSize) return { send: true, why: 'full' };
  if (budgetIdle(budget) && waiting.oldestSince >= budget.idleSince) return { send: true, why: 'idle' };
  const streaming = now - waiting.newestSince < policy.lingerMs * STREAM_GAP_SHARE;
  const lingerMs = streaming ? policy.lingerMs * STREAM_LINGER_FACTOR : policy.lingerMs;
  return readyToSend(waiting.count, waiting.oldestSince, now, { ...policy, lingerMs }) ? { send: true, why: 'waited' } : { send: false };
}

/** Cuts items (in order) into requests of at most `max` items and `maxBytes` of JSON each. */
export function chunk<T>(items: T[], max: number, sizeOf: (item: T) => number, maxBytes = MAX_BODY_BYTES): T[][] {
  const out: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = sizeOf(item);
    if (current.length > 0 && (current.length >= max || bytes + size > maxBytes)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length) out.push(current);
  return out;
}

/** One unitdp per request: 4 when any document needs 4-decimal unit prices (2-decimal ones are unaffected). */
export const unitdpOf = (docs: { unitdp: 2 | 4 }[]): 2 | 4 => (docs.some((d) => d.unitdp === 4) ? 4 : 2);
