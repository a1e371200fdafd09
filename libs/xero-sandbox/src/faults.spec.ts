import { FaultBook, seededRandom, validateFaultRule } from './faults';

const call = { tenantId: 't1', method: 'PUT', path: '/Invoices' };

describe('FaultBook', () => {
  it('hits matching calls only, as many times as asked', () => {
    const book = new FaultBook(seededRandom(1));
    book.add({ kind: 'error', status: 500, times: 2, tenantId: 't1', method: 'PUT', pathPrefix: '/invoices' });
    expect(book.pick({ ...call, tenantId: 't2' }).fault).toBeUndefined();
    expect(book.pick({ ...call, method: 'GET' }).fault).toBeUndefined();
    expect(book.pick(call).fault?.status).toBe(500);
    expect(book.pick(call).fault?.status).toBe(500);
    expect(book.pick(call).fault).toBeUndefined();
    expect(book.list()).toEqual([]);
  });

  it('adds latencies up and lets the first other fault win', () => {
    const book = new FaultBook(seededRandom(1));
    book.add({ kind: 'latency', latencyMs: 20 });
    book.add({ kind: 'latency', latencyMs: 5 });
    book.add({ kind: 'outcomeUnknown', hangMs: 0 });
    book.add({ kind: 'drop' });
    const pick = book.pick(call);
    expect(pick.latencyMs).toBe(25);
    expect(pick.fault?.kind).toBe('outcomeUnknown');
  });

  it('applies a rate reproducibly with a seed', () => {
    const run = () => {
      const book = new FaultBook(seededRandom(42));
      book.add({ kind: 'error', rate: 0.3 });
      return Array.from({ length: 1000 }, () => (book.pick(call).fault ? 1 : 0) as number);
    };
    const a = run();
    expect(a).toEqual(run());
    const hits = a.reduce((s, x) => s + x, 0);
    expect(hits).toBeGreaterThan(250);
    expect(hits).toBeLessThan(350);
  });

  it('validates rules', () => {
    expect(validateFaultRule({ kind: 'explode' })).toEqual(['kind must be one of error, latency, drop, outcomeUnknown']);
    expect(validateFaultRule({ kind: 'error', rate: 2, times: 0, status: 200 })).toHaveLength(3);
    expect(validateFaultRule({ kind: 'latency', latencyMs: 10 })).toEqual([]);
  });
});
