import type { EventStore, RecordedEvent } from '@lnbx/event-store';

/**
 * The last event of a stream, through the store's public reads only (it has no backwards read):
 * versions run 1..n with no gaps, so doubling then halving finds n in about 2·log2(n) one-row reads,
 * instead of reading every reference-data snapshot ever published.
 */
export async function readLastEvent(store: Pick<EventStore, 'readStream'>, streamId: string): Promise<RecordedEvent | undefined> {
  const at = async (version: number) => (await store.readStream(streamId, { fromVersion: version, maxCount: 1 }))[0];
  let last = await at(1);
  if (!last) return undefined;
  let missing = 2;
  for (;;) {
    const e = await at(missing);
    if (!e) break;
    last = e;
    missing *= 2;
  }
  // Invariant: version last.streamVersion exists, version `missing` does not.
  while (missing - last.streamVersion > 1) {
    const mid = Math.floor((last.streamVersion + missing) / 2);
    const e = await at(mid);
    if (e) last = e;
    else missing = mid;
  }
  return last;
}
