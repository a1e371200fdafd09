// How documents waiting for Xero become requests: up to the batch size, under Xero's body cap, and a
// partial batch only once its oldest document has waited long enough for others to join it.

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
