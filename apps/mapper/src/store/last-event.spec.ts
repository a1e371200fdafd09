import type { RecordedEvent, ReadStreamOptions } from '@lnbx/event-store';
import { readLastEvent } from './last-event';

function streamOf(length: number) {
  const events = Array.from({ length }, (_, i) => ({ streamVersion: i + 1, type: 'E', data: { n: i + 1 } }) as unknown as RecordedEvent);
  const reads: number[] = [];
  const store = {
    async readStream(_id: string, { fromVersion = 1, maxCount }: ReadStreamOptions = {}) {
      reads.push(fromVersion);
      return events.filter((e) => e.streamVersion >= fromVersion).slice(0, maxCount);
    },
  };
  return { store, reads };
}

describe('readLastEvent', () => {
  it('is undefined for a stream that does not exist', async () => {
    expect(await readLastEvent(streamOf(0).store, 's')).toBeUndefined();
  });

  it.each([1, 2, 3, 7, 8, 9, 100, 1023, 1024, 1025])('finds the last event of a %i-event stream', async (n) => {
    const { store, reads } = streamOf(n);
    const last = await readLastEvent(store, 's');
    expect(last?.streamVersion).toBe(n);
    expect(reads.length).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(n + 1)) + 2);
  });
});
