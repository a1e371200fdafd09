import { WorkLoop, type StepOutcome } from './work-loop';

// Fake timers throughout: every wait below is advanced by hand, nothing sleeps.
describe('WorkLoop', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  const loopOf = (outcomes: (StepOutcome | Error)[], everyMs = 1000) => {
    const steps: number[] = [];
    const errors: number[] = [];
    const loop = new WorkLoop({
      name: 'test',
      everyMs,
      backoff: { baseDelayMs: 100, maxDelayMs: 400, jitter: 'none' },
      step: async () => {
        steps.push(Date.now());
        const next = outcomes.shift() ?? 'idle';
        if (next instanceof Error) throw next;
        return next;
      },
      onError: (_err, failures) => errors.push(failures),
    });
    return { loop, steps, errors };
  };

  it('goes again at once while there is more, then sleeps its tick', async () => {
    const { loop, steps } = loopOf(['more', 'more', 'idle']);
    const t0 = Date.now();
    loop.start();
    await jest.advanceTimersByTimeAsync(0);
    expect(steps.map((t) => t - t0)).toEqual([0, 0, 0]);
    await jest.advanceTimersByTimeAsync(999);
    expect(steps).toHaveLength(3);
    await jest.advanceTimersByTimeAsync(1);
    expect(steps).toHaveLength(4);
    await loop.stop();
  });

  it('waits what a step asks for', async () => {
    const { loop, steps } = loopOf([{ waitMs: 250 }]);
    loop.start();
    await jest.advanceTimersByTimeAsync(249);
    expect(steps).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(steps).toHaveLength(2);
    await loop.stop();
  });

  it('is woken early, and keeps a wake that lands mid-step for the wait after it', async () => {
    let release!: () => void;
    const calls: string[] = [];
    const loop = new WorkLoop({
      name: 'test',
      everyMs: 60_000,
      onError: () => undefined,
      step: async () => {
        calls.push('step');
        if (calls.length === 1) await new Promise<void>((r) => (release = r));
        return 'idle';
      },
    });
    loop.start();
    await jest.advanceTimersByTimeAsync(0);
    loop.wake(); // mid-step: nobody waits yet
    release();
    await jest.advanceTimersByTimeAsync(0);
    expect(calls).toHaveLength(2);
    await jest.advanceTimersByTimeAsync(0);
    expect(calls).toHaveLength(2);
    loop.wake();
    await jest.advanceTimersByTimeAsync(0);
    expect(calls).toHaveLength(3);
    await loop.stop();
  });

  it('backs off after failing steps, growing, and starts over after a success', async () => {
    const { loop, steps, errors } = loopOf([new Error('a'), new Error('b'), new Error('c'), new Error('d'), 'idle', new Error('e')], 10_000);
    const t0 = Date.now();
    loop.start();
    await jest.advanceTimersByTimeAsync(100 + 200 + 400 + 400);
    expect(steps.map((t) => t - t0)).toEqual([0, 100, 300, 700, 1100]);
    expect(errors).toEqual([1, 2, 3, 4]);
    await jest.advanceTimersByTimeAsync(10_000);
    expect(errors).toEqual([1, 2, 3, 4, 1]);
    await loop.stop();
  });

  it('stops after the step in flight and starts no other', async () => {
    let release!: () => void;
    let finished = false;
    let steps = 0;
    const loop = new WorkLoop({
      name: 'test',
      everyMs: 1,
      onError: () => undefined,
      step: async () => {
        steps += 1;
        await new Promise<void>((r) => (release = r));
        finished = true;
        return 'more';
      },
    });
    loop.start();
    await jest.advanceTimersByTimeAsync(0);
    const stopped = loop.stop();
    expect(loop.running).toBe(false);
    release();
    await stopped;
    expect(finished).toBe(true);
    expect(steps).toBe(1);
    expect(jest.getTimerCount()).toBe(0);
  });
});
