// Helpers for the client's tests (unit and integration): drain an iterator, expect an LnbError.
import { LnbError } from './errors';

/** Drains a listing: tests only, production code streams. */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** The LnbError the promise fails with; fails the test when it succeeds or fails otherwise. */
export async function failure(promise: Promise<unknown>, seen?: (err: LnbError) => void): Promise<LnbError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof LnbError) {
      seen?.(err);
      return err;
    }
    throw err;
  }
  throw new Error('expected the call to fail');
}
