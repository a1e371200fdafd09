import { LruCache } from './lru-cache';

describe('LruCache', () => {
  it('evicts the least recently used entry past its bound', () => {
    const cache = new LruCache<string, number>(2, 60_000);
    cache.set('a', 1);
    cache.set('b', 2);
    expect(cache.get('a')).toBe(1);
    cache.set('c', 3);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBe(1);
    expect(cache.get('c')).toBe(3);
    expect(cache.size).toBe(2);
  });

  it('expires entries after their ttl', () => {
    let now = 1_000;
    const cache = new LruCache<string, number>(10, 500, () => now);
    cache.set('a', 1);
    now = 1_499;
    expect(cache.get('a')).toBe(1);
    now = 1_500;
    expect(cache.get('a')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('refuses a bound below one', () => {
    expect(() => new LruCache(0, 1)).toThrow(/at least 1/);
  });
});
