import { IdempotencyBook } from './idempotency';

const entry = (at: number) => ({ status: 200, contentType: 'application/json', body: `{"at":${at}}`, at });

describe('IdempotencyBook', () => {
  it('replays an answer within the window and forgets it after, oldest first', () => {
    const book = new IdempotencyBook(1000);
    book.remember('a', entry(0));
    book.remember('b', entry(500));
    expect(book.replay('a', 999)?.body).toBe('{"at":0}');
    expect(book.replay('a', 1000)).toBeUndefined();
    // Evicted, not just hidden: memory and the state file's compaction no longer hold it.
    expect(book.size).toBe(1);
    expect(book.entries(1000).map(([k]) => k)).toEqual(['b']);
    book.remember('c', entry(2000));
    expect(book.size).toBe(1);
  });

  it('keeps a re-remembered key by its newest answer', () => {
    const book = new IdempotencyBook(1000);
    book.remember('a', entry(0));
    book.remember('b', entry(100));
    book.remember('a', entry(900));
    expect(book.entries(1150).map(([k, e]) => [k, e.at])).toEqual([['a', 900]]);
  });

  it('restores only the answers still within the window, and hands each remembered one to the journal once', () => {
    const book = new IdempotencyBook(1000);
    book.restore(
      [
        ['old', entry(0)],
        ['new', entry(800)],
      ],
      1200,
    );
    expect(book.entries(1200).map(([k]) => k)).toEqual(['new']);
    book.remember('x', entry(1300));
    expect(book.takeUnsaved().map(([k]) => k)).toEqual(['x']);
    expect(book.takeUnsaved()).toEqual([]);
  });
});
