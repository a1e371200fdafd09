import { waitFor } from '@lnbx/testing';
import { randomUUID } from 'node:crypto';
import { DuplicateEventError, WrongExpectedVersionError } from './errors';
import type { Position } from './event-store';
import { PostgresEventStore } from './postgres-event-store';
import { anEvent, anOutboxEvent, type StoreFixture, storeFixture } from './testing';

/**
 * readAll once it holds `count` events: it holds back what follows the oldest transaction still open in the
 * whole cluster (xmin), and the other test files' transactions count too.
 */
const readAllOnce = (store: PostgresEventStore, count: number) =>
  waitFor(`readAll to hold ${count} events`, async () => {
    const all = await store.readAll({ limit: 100 });
    return all.length >= count && all;
  });

describe('PostgresEventStore (real Postgres)', () => {
  let fx: StoreFixture;
  beforeAll(async () => {
    fx = await storeFixture('event_store');
  });
  afterAll(async () => {
    await fx?.close();
  });

  it('refuses a schema name it cannot splice into SQL safely', () => {
    expect(() => new PostgresEventStore(fx.pool, 'poller; drop table x')).toThrow(/must match/);
  });

  it('appends and reads a stream back, versions from 1, outbox key defaulting to the stream id', async () => {
    const store = await fx.store();
    const first = await store.append('doc-1', [anEvent(), anOutboxEvent()], { expectedVersion: 'no_stream' });
    const second = await store.append('doc-1', [anOutboxEvent({ kafkaKey: 'conn:invoice:42', data: { n: 3 } })], {
      expectedVersion: 2,
    });
    expect(first.nextVersion).toBe(2);
    expect(second.nextVersion).toBe(3);
    expect(second.globalPositions[0]).toBeGreaterThan(first.globalPositions[1]);

    const events = await store.readStream('doc-1');
    expect(events.map((e) => [e.streamVersion, e.topic, e.kafkaKey])).toEqual([
      [1, null, null],
      [2, 'lnb.invoice.detected.v1', 'doc-1'],
      [3, 'lnb.invoice.detected.v1', 'conn:invoice:42'],
    ]);
    expect(events[2]).toMatchObject({ streamId: 'doc-1', type: 'InvoiceDetected', data: { n: 3 }, metadata: { correlationId: 'run-1' } });
    expect((await store.readStream('doc-1', { fromVersion: 2, maxCount: 1 })).map((e) => e.streamVersion)).toEqual([2]);
    expect(await store.readStream('no-such-stream')).toEqual([]);
  });

  it('reads several whole streams in one read, each in order, an empty list for a stream with none', async () => {
    const store = await fx.store();
    await store.append('many-a', [anEvent(), anEvent()], { expectedVersion: 'no_stream' });
    await store.append('many-b', [anEvent()], { expectedVersion: 'no_stream' });
    await store.append('many-a', [anEvent()], { expectedVersion: 2 });
    const streams = await store.readStreams(['many-b', 'many-a', 'many-none', 'many-a']);
    expect([...streams.keys()]).toEqual(['many-b', 'many-a', 'many-none']);
    expect(streams.get('many-a')!.map((e) => e.streamVersion)).toEqual([1, 2, 3]);
    expect(streams.get('many-b')!.map((e) => [e.streamId, e.streamVersion])).toEqual([['many-b', 1]]);
    expect(streams.get('many-none')).toEqual([]);
    expect(await store.readStreams([])).toEqual(new Map());
  });

  it('appends to many streams at once, new and existing, each in order after what it held', async () => {
    const store = await fx.store();
    const first = anEvent();
    await store.append('doc-a', [first], { expectedVersion: 'no_stream' });
    await store.appendToStreams([
      { streamId: 'doc-a', events: [anOutboxEvent({ data: { n: 1 } })] },
      { streamId: 'doc-b', events: [anOutboxEvent({ data: { n: 2 } }), anOutboxEvent({ data: { n: 3 }, kafkaKey: 'k-b' })] },
      { streamId: 'doc-a', events: [anOutboxEvent({ data: { n: 4 } })] },
    ]);
    const a = await store.readStream('doc-a');
    const b = await store.readStream('doc-b');
    expect(a.map((e) => [e.streamVersion, e.data])).toEqual([
      [1, first.data],
      [2, { n: 1 }],
      [3, { n: 4 }],
    ]);
    expect(b.map((e) => [e.streamVersion, e.data, e.kafkaKey])).toEqual([
      [1, { n: 2 }, 'doc-b'],
      [2, { n: 3 }, 'k-b'],
    ]);
    expect(a[2].position.globalPosition).toBeGreaterThan(a[1].position.globalPosition);
    await expect(store.append('doc-b', [anEvent()], { expectedVersion: 2 })).resolves.toMatchObject({ nextVersion: 3 });
  });

  it('appends to many streams at once each expecting its version, and appends nothing when one does not hold', async () => {
    const store = await fx.store();
    await store.append('exp-a', [anEvent(), anEvent()], { expectedVersion: 'no_stream' });
    await store.append('exp-b', [anEvent()], { expectedVersion: 'no_stream' });
    await store.appendToStreams([
      { streamId: 'exp-a', events: [anOutboxEvent({ data: { n: 1 } })], expectedVersion: 2 },
      { streamId: 'exp-new', events: [anEvent({ data: { n: 2 } }), anOutboxEvent({ data: { n: 3 } })], expectedVersion: 'no_stream' },
      { streamId: 'exp-b', events: [anEvent({ data: { n: 4 } })] },
    ]);
    const read = await store.readStreams(['exp-a', 'exp-new', 'exp-b']);
    expect([...read].map(([id, events]) => [id, events.map((e) => [e.streamVersion, e.topic === null])])).toEqual([
      [
        'exp-a',
        [
          [1, true],
          [2, true],
          [3, false],
        ],
      ],
      [
        'exp-new',
        [
          [1, true],
          [2, false],
        ],
      ],
      [
        'exp-b',
        [
          [1, true],
          [2, true],
        ],
      ],
    ]);

    // exp-a is at 3 now: the whole append is refused, exp-c and exp-b get nothing.
    const refused = store.appendToStreams([
      { streamId: 'exp-c', events: [anEvent()], expectedVersion: 0 },
      { streamId: 'exp-a', events: [anEvent()], expectedVersion: 2 },
      { streamId: 'exp-b', events: [anEvent()], expectedVersion: 2 },
    ]);
    await expect(refused).rejects.toBeInstanceOf(WrongExpectedVersionError);
    await expect(refused).rejects.toMatchObject({ streamId: 'exp-a', actual: 3 });
    expect((await store.readStreams(['exp-c', 'exp-b'])).get('exp-c')).toEqual([]);
    expect((await store.readStream('exp-b')).length).toBe(2);
    // A new stream that exists already is refused as well.
    await expect(store.appendToStreams([{ streamId: 'exp-new', events: [anEvent()], expectedVersion: 'no_stream' }])).rejects.toBeInstanceOf(
      WrongExpectedVersionError,
    );
    await expect(store.appendToStreams([{ streamId: 'x', events: [anEvent()], expectedVersion: -1 }])).rejects.toThrow(RangeError);
  });

  it('marks many events processed at once and says which were new', async () => {
    const store = await fx.store();
    const [a, b, c] = [randomUUID(), randomUUID(), randomUUID().toUpperCase()];
    await store.withTransaction((tx) => store.markProcessed(tx, 'exporter', a));
    const fresh = await store.withTransaction((tx) => store.markProcessedMany(tx, 'exporter', [a, b, c, b]));
    expect([...fresh].sort()).toEqual([b, c].sort());
    expect(await store.withTransaction((tx) => store.markProcessedMany(tx, 'exporter', [a, b, c]))).toEqual(new Set());
    expect(await store.withTransaction((tx) => store.markProcessedMany(tx, 'mapper', [a]))).toEqual(new Set([a]));
  });

  it('checks the expected version, and says what it found', async () => {
    const store = await fx.store();
    await store.append('s', [anEvent()], { expectedVersion: 'no_stream' });
    await expect(store.append('s', [anEvent()], { expectedVersion: 'no_stream' })).rejects.toMatchObject({
      code: 'STORE.WRONG_EXPECTED_VERSION',
      expected: 'no_stream',
      actual: 1,
    });
    await expect(store.append('s', [anEvent()], { expectedVersion: 5 })).rejects.toMatchObject({ expected: 5, actual: 1 });
    await expect(store.append('absent', [anEvent()], { expectedVersion: 1 })).rejects.toMatchObject({ actual: 0 });
    await expect(store.append('s', [anEvent()], { expectedVersion: 'any' })).resolves.toMatchObject({ nextVersion: 2 });
    await expect(store.append('fresh', [anEvent()], { expectedVersion: 'any' })).resolves.toMatchObject({ nextVersion: 1 });
    await expect(store.append('zero', [anEvent()], { expectedVersion: 0 })).resolves.toMatchObject({ nextVersion: 1 });
    await expect(store.append('s', [], { expectedVersion: 'any' })).rejects.toThrow(RangeError);
  });

  it('lets exactly one of many concurrent appenders with the same expected version win', async () => {
    const store = await fx.store();
    await store.append('contested', [anEvent()], { expectedVersion: 'no_stream' });
    const n = 10;
    const results = await Promise.allSettled(
      Array.from({ length: n }, (_, i) => store.append('contested', [anEvent({ data: { writer: i } })], { expectedVersion: 1 })),
    );
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(n - 1);
    for (const r of lost) {
      expect(r.reason).toBeInstanceOf(WrongExpectedVersionError);
      expect(r.reason).toMatchObject({ expected: 1, actual: 2, retriable: true });
    }
    expect((await store.readStream('contested')).map((e) => e.streamVersion)).toEqual([1, 2]);
  });

  it('lets exactly one of many concurrent creators of a stream win', async () => {
    const store = await fx.store();
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => store.append('created-once', [anEvent()], { expectedVersion: 'no_stream' })));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected' && r.reason instanceof WrongExpectedVersionError)).toHaveLength(7);
  });

  it('refuses an eventId it already holds', async () => {
    const store = await fx.store();
    const eventId = randomUUID();
    await store.append('a', [anEvent({ eventId })], { expectedVersion: 'any' });
    await expect(store.append('b', [anEvent({ eventId })], { expectedVersion: 'any' })).rejects.toBeInstanceOf(DuplicateEventError);
    expect(await store.readStream('b')).toEqual([]);
  });

  it('marks an event processed and appends in one transaction: a rollback undoes both', async () => {
    const store = await fx.store();
    const eventId = randomUUID();
    await expect(
      store.withTransaction(async (tx) => {
        expect(await store.markProcessed(tx, 'mapper', eventId)).toBe(true);
        expect(await store.markProcessed(tx, 'mapper', eventId)).toBe(false);
        await store.append('mapped-1', [anOutboxEvent()], { expectedVersion: 'no_stream' }, tx);
        expect(await store.readStream('mapped-1', { tx })).toHaveLength(1);
        throw new Error('handler failed after appending');
      }),
    ).rejects.toThrow('handler failed');
    expect(await store.readStream('mapped-1')).toEqual([]);

    const firstTime = await store.withTransaction(async (tx) => {
      const fresh = await store.markProcessed(tx, 'mapper', eventId);
      if (fresh) await store.append('mapped-1', [anOutboxEvent()], { expectedVersion: 'no_stream' }, tx);
      return fresh;
    });
    const again = await store.withTransaction((tx) => store.markProcessed(tx, 'mapper', eventId));
    const otherConsumer = await store.withTransaction((tx) => store.markProcessed(tx, 'exporter', eventId));
    expect([firstTime, again, otherConsumer]).toEqual([true, false, true]);
    expect(await store.readStream('mapped-1')).toHaveLength(1);
  });

  it('keeps schemas apart', async () => {
    const poller = await fx.store('poller');
    const mapper = await fx.store('mapper');
    await poller.append('same-id', [anEvent()], { expectedVersion: 'no_stream' });
    await mapper.append('same-id', [anEvent(), anEvent()], { expectedVersion: 'no_stream' });
    expect(await poller.readStream('same-id')).toHaveLength(1);
    expect(await mapper.readStream('same-id')).toHaveLength(2);
  });

  it('never lets readAll pass an event whose transaction commits after a later position', async () => {
    const store = await fx.store();
    const early = await fx.pool.connect();
    try {
      await early.query('begin');
      const a = await store.append('slow', [anEvent()], { expectedVersion: 'no_stream' }, early);
      const b = await store.append('fast', [anEvent()], { expectedVersion: 'no_stream' });
      expect(b.globalPositions[0]).toBeGreaterThan(a.globalPositions[0]);

      // Position 2 is committed, position 1 is not: a reader that took 2 and moved past it would skip 1.
      const whileOpen = await store.readAll({ limit: 100 });
      expect(whileOpen).toEqual([]);
      await early.query('commit');
    } finally {
      early.release();
    }
    // Readable once no older transaction is open anywhere in the cluster (another test's may be, for a while).
    const after = await readAllOnce(store, 2);
    expect(after.map((e) => e.streamId)).toEqual(['slow', 'fast']);
    // Resuming after each event in turn returns the rest, nothing skipped, nothing twice.
    let cursor: Position | undefined;
    const paged: string[] = [];
    for (;;) {
      const page = await store.readAll({ after: cursor, limit: 1 });
      if (page.length === 0) break;
      paged.push(page[0].streamId);
      cursor = page[0].position;
    }
    expect(paged).toEqual(['slow', 'fast']);
  });

  it('keeps a stream in order globally when the later appender holds the older transaction id', async () => {
    const store = await fx.store();
    const consumer = await fx.pool.connect();
    try {
      // A consumer takes its transaction id first (marking an event processed), then appends to a
      // stream another writer appends to and commits in the meantime.
      await consumer.query('begin');
      await store.markProcessed(consumer, 'mapper', randomUUID());
      const olderXid = BigInt((await consumer.query('select pg_current_xact_id()::text as x')).rows[0].x);
      await store.append('doc', [anEvent({ type: 'First' })], { expectedVersion: 'any' });
      await store.append('doc', [anEvent({ type: 'Second' })], { expectedVersion: 'any' }, consumer);
      await consumer.query('commit');

      const all = await readAllOnce(store, 2);
      expect(all.map((e) => [e.type, e.streamVersion])).toEqual([
        ['First', 1],
        ['Second', 2],
      ]);
      // The case really happened: the second append's own transaction id is the older one.
      expect(olderXid).toBeLessThan(all[0].position.transactionId);
    } finally {
      consumer.release();
    }
  });

  it('moves a checkpoint forward only', async () => {
    const store = await fx.store();
    expect(await store.readCheckpoint('projection')).toBeUndefined();
    await store.storeCheckpoint('projection', { transactionId: 10n, globalPosition: 7n });
    await store.storeCheckpoint('projection', { transactionId: 9n, globalPosition: 99n });
    expect(await store.readCheckpoint('projection')).toEqual({ transactionId: 10n, globalPosition: 7n });
    await store.storeCheckpoint('projection', { transactionId: 10n, globalPosition: 8n });
    expect(await store.readCheckpoint('projection')).toEqual({ transactionId: 10n, globalPosition: 8n });
  });
});
