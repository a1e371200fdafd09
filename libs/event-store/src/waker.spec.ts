import { retryDelay, Waker } from './waker';

describe('Waker', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('resolves at the timeout when nobody wakes it', async () => {
    const done = jest.fn();
    const timeoutMs = 1000; // fake timers: advanced by hand below, nothing sleeps
    void new Waker().wait(timeoutMs).then(done);
    await jest.advanceTimersByTimeAsync(999);
    expect(done).not.toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(1);
    expect(done).toHaveBeenCalled();
  });

  it('resolves at once when woken', async () => {
    const waker = new Waker();
    const done = jest.fn();
    void waker.wait(60_000).then(done);
    waker.wake();
    await jest.advanceTimersByTimeAsync(0);
    expect(done).toHaveBeenCalled();
    expect(jest.getTimerCount()).toBe(0);
  });

  it('keeps a wake that came while nobody waited, for the next wait only', async () => {
    const waker = new Waker();
    waker.wake();
    const first = jest.fn();
    const second = jest.fn();
    void waker.wait(60_000).then(first);
    await jest.advanceTimersByTimeAsync(0);
    expect(first).toHaveBeenCalled();
    void waker.wait(60_000).then(second);
    await jest.advanceTimersByTimeAsync(0);
    expect(second).not.toHaveBeenCalled();
    waker.wake();
    await jest.advanceTimersByTimeAsync(0);
    expect(second).toHaveBeenCalled();
  });
});

describe('retryDelay', () => {
  it('doubles from the base and stops at the cap', () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => retryDelay(n, 200, 3000))).toEqual([200, 400, 800, 1600, 3000, 3000]);
    expect(retryDelay(10_000, 200, 30_000)).toBe(30_000);
  });
});
