import { mapLimit, readAhead } from './concurrency';

describe('mapLimit', () => {
  it('keeps the order and never runs more than the limit at once', async () => {
    let running = 0;
    let most = 0;
    const out = await mapLimit([5, 1, 4, 2, 3], 2, async (n) => {
      running++;
      most = Math.max(most, running);
      await new Promise((resolve) => setImmediate(resolve));
      running--;
      return n * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30]);
    expect(most).toBe(2);
  });
});

describe('readAhead', () => {
  async function* pages(log: string[], count: number, failAt?: number): AsyncGenerator<number> {
    try {
      for (let page = 1; page <= count; page++) {
        log.push(`fetch ${page}`);
        await new Promise((resolve) => setImmediate(resolve));
        if (page === failAt) throw new Error(`page ${page} failed`);
        yield page;
      }
    } finally {
      log.push('listing closed');
    }
  }

  it('asks for the next page before the current one is worked on, in order', async () => {
    const log: string[] = [];
    for await (const page of readAhead(pages(log, 3))) {
      log.push(`work ${page}`);
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(log).toEqual(['fetch 1', 'fetch 2', 'work 1', 'fetch 3', 'work 2', 'listing closed', 'work 3']);
  });

  it('a page that fails fails the loop when reached; stopping early closes the listing', async () => {
    const failing: string[] = [];
    const worked: number[] = [];
    await expect(
      (async () => {
        for await (const page of readAhead(pages(failing, 5, 2))) worked.push(page);
      })(),
    ).rejects.toThrow('page 2 failed');
    expect(worked).toEqual([1]);
    const stopped: string[] = [];
    for await (const page of readAhead(pages(stopped, 5))) if (page === 2) break;
    expect(stopped).toContain('listing closed');
    expect(stopped.filter((l) => l.startsWith('fetch'))).toEqual(['fetch 1', 'fetch 2', 'fetch 3']);
  });
});
