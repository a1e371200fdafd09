import fc from 'fast-check';
import type { Position } from './event-store';
import { comparePositions, type EventRow, positionParams, START, toRecordedEvent } from './rows';

const aPosition = fc.record({ transactionId: fc.bigInt({ min: 0n, max: 2n ** 63n - 1n }), globalPosition: fc.bigInt({ min: 0n, max: 2n ** 63n - 1n }) });

describe('comparePositions', () => {
  it('orders by transaction first, then by position, like the SQL row comparison', () => {
    const a: Position = { transactionId: 5n, globalPosition: 9n };
    const b: Position = { transactionId: 6n, globalPosition: 1n };
    expect(comparePositions(a, b)).toBe(-1);
    expect(comparePositions(b, a)).toBe(1);
    expect(comparePositions(a, { ...a })).toBe(0);
    expect(comparePositions(a, { transactionId: 5n, globalPosition: 10n })).toBe(-1);
  });
  it('is a total order with START below everything', () => {
    fc.assert(
      fc.property(aPosition, aPosition, (a, b) => {
        expect(comparePositions(a, b)).toBe(-comparePositions(b, a) || 0);
        expect(comparePositions(START, a)).toBeLessThanOrEqual(0);
      }),
    );
  });
});

describe('rows', () => {
  it('keeps positions beyond 2^53 exact, both ways', () => {
    const row: EventRow = {
      global_position: '9007199254740993',
      transaction_id: '18446744073709551',
      stream_id: 's',
      stream_version: 1,
      event_id: '00000000-0000-4000-8000-000000000000',
      type: 'T',
      data: { a: 1 },
      metadata: null,
      topic: null,
      kafka_key: null,
      recorded_at: new Date(0),
    };
    const event = toRecordedEvent(row);
    expect(event.position).toEqual({ transactionId: 18446744073709551n, globalPosition: 9007199254740993n });
    expect(event.metadata).toEqual({});
    expect(positionParams(event.position)).toEqual(['18446744073709551', '9007199254740993']);
  });
});
