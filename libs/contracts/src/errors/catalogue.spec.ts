import { SERVICES } from '../envelope';
import { ERROR_CATALOGUE, ERROR_CODES, isErrorCode } from './catalogue';
import { CodedError, isCodedError } from './coded-error';

describe('error catalogue', () => {
  it('names every code DOMAIN.CODE, as a Problem requires, with a meaning and who raises it', () => {
    for (const code of ERROR_CODES) {
      const entry = ERROR_CATALOGUE[code];
      expect(code).toMatch(/^[A-Z]+\.[A-Z0-9_]+$/);
      expect(entry.meaning).toMatch(/^[A-Z"].{20,}[.!]$/);
      expect(entry.raisedBy.length).toBeGreaterThan(0);
      for (const s of entry.raisedBy) expect(SERVICES).toContain(s);
    }
  });

  it('knows its own codes and nothing else', () => {
    expect(isErrorCode('XERO.FORBIDDEN')).toBe(true);
    expect(isErrorCode('XERO.NOPE')).toBe(false);
    expect(isErrorCode('toString')).toBe(false);
    expect(isErrorCode(42)).toBe(false);
  });
});

describe('CodedError', () => {
  it('takes whether it is retriable from the catalogue, and keeps the wait, the details and the cause', () => {
    const cause = new Error('socket hang up');
    const busy = new CodedError('EXPORTER.BUSY', 'being sent', { retryAfterMs: 1000, details: { documentKey: 'k' }, cause });
    expect([busy.code, busy.retriable, busy.retryAfterMs, busy.details, busy.cause, busy.name]).toEqual([
      'EXPORTER.BUSY',
      true,
      1000,
      { documentKey: 'k' },
      cause,
      'CodedError',
    ]);
    expect(new CodedError('MAP.INVALID_CHANGE', 'bad').retriable).toBe(false);
    expect(busy).toBeInstanceOf(Error);
  });

  it('never carries a secret in its message', () => {
    expect(new CodedError('LNB.UNAVAILABLE', 'GET /invoices?access_token=abc123 failed').message).toBe('GET /invoices?access_token=[REDACTED] failed');
  });

  it('is named after its subclass, and checked by code with a type the compiler holds to the catalogue', () => {
    class StoreDown extends CodedError<'STORE.WRONG_EXPECTED_VERSION'> {
      constructor() {
        super('STORE.WRONG_EXPECTED_VERSION', 'someone else appended first');
      }
    }
    const err: unknown = new StoreDown();
    expect((err as Error).name).toBe('StoreDown');
    expect(isCodedError(err)).toBe(true);
    expect(isCodedError(err, 'STORE.WRONG_EXPECTED_VERSION')).toBe(true);
    expect(isCodedError(err, 'STORE.DUPLICATE_EVENT')).toBe(false);
    expect(isCodedError(Object.assign(new Error('x'), { code: 'STORE.WRONG_EXPECTED_VERSION' }), 'STORE.WRONG_EXPECTED_VERSION')).toBe(false);
  });
});
