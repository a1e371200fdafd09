import { Waker } from './waker';

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
