import { waitFor } from '@lnbx/testing';
import { Pool } from 'pg';
import type { OutboxMessage } from './event-store';
import { OutboxRelay } from './outbox-relay';
import { PostgresEventStore } from './postgres-event-store';
import { anEvent, anOutboxEvent, killBackend, recordingRelay, relayLockHolder, type StoreFixture, storeFixture } from './testing';

describe('OutboxRelay (real Postgres)', () => {
  let fx: StoreFixture;
  const relays: OutboxRelay[] = [];
  const track = <T extends { relay: OutboxRelay }>(r: T): T => {
    relays.push(r.relay);
    return r;
  };
  const ids = (messages: OutboxMessage[]) => messages.map((m) => m.eventId);

  /** The dead relay never checkpointed; the next instance publishes the event and checkpoints it. */
  const afterDeath = async (dead: OutboxRelay, store: PostgresEventStore, eventId: string) => {
    await dead.stop();
    expect(await store.readCheckpoint('kafka')).toBeUndefined();
    const next = track(recordingRelay(store, 'kafka'));
    next.relay.start();
    await waitFor('the next instance to publish the event', () => next.published.length === 1);
    expect(ids(next.published)).toEqual([eventId]);
    await waitFor('the checkpoint written', async () => (await next.relay.lag()) === 0);
  };

  beforeAll(async () => {
    fx = await storeFixture('outbox_relay');
  });
  afterEach(async () => {
    await Promise.all(relays.splice(0).map((r) => r.stop()));
  });
  afterAll(async () => {
    await fx?.close();
  });

  it('publishes outbox events only, in order, then checkpoints and reports no lag', async () => {
    const store = await fx.store();
    const events = [anOutboxEvent(), anEvent(), anOutboxEvent({ topic: 'lnb.credit-note.detected.v1' })];
    await store.append('doc', events, { expectedVersion: 'no_stream' });
    const { relay, published } = track(recordingRelay(store, 'kafka'));
    expect(await relay.lag()).toBe(2);
    relay.start();
    await waitFor('both outbox events published', () => published.length === 2);
    expect(ids(published)).toEqual([events[0].eventId, events[2].eventId]);
    expect(published.map((m) => [m.topic, m.kafkaKey, m.streamVersion])).toEqual([
      ['lnb.invoice.detected.v1', 'doc', 1],
      ['lnb.credit-note.detected.v1', 'doc', 3],
    ]);
    // The data comes as the JSON text stored, unparsed: the relay hands it to Kafka as it is.
    expect(published.map((m) => JSON.parse(m.json))).toEqual([events[0].data, events[2].data]);
    await waitFor('lag to reach 0', async () => (await relay.lag()) === 0);
    expect(await store.readCheckpoint('kafka')).toEqual(published[1].position);
  });

  it('wakes on NOTIFY, well before its next poll', async () => {
    const store = await fx.store();
    const { relay, published } = track(recordingRelay(store, 'kafka', { pollIntervalMs: 60_000 }));
    relay.start();
    await waitFor('the relay to lead and poll once', () => relay.status().leader && relay.status().polls >= 1);
    await store.append('doc', [anOutboxEvent()], { expectedVersion: 'no_stream' });
    await waitFor('the event published on NOTIFY', () => published.length === 1, { timeoutMs: 10_000 });
    expect(relay.status().polls).toBeGreaterThanOrEqual(2);
  });

  it('publishes what an older open transaction held back as soon as that one ends, not at its next poll', async () => {
    const store = await fx.store();
    const { relay, published } = track(recordingRelay(store, 'kafka', { pollIntervalMs: 60_000 }));
    relay.start();
    await waitFor('the relay to lead and poll once', () => relay.status().leader && relay.status().polls >= 1);
    const older = await store.pool.connect();
    try {
      await older.query('begin');
      // It takes a transaction id, as the exporter's rate-slot row lock does while a Xero call is in flight.
      await older.query('select pg_current_xact_id()');
      const polls = relay.status().polls;
      await store.append('doc', [anOutboxEvent()], { expectedVersion: 'no_stream' });
      await waitFor('the relay to look again and again while the event is held back', () => relay.status().polls >= polls + 4);
      expect(published).toHaveLength(0);
      await older.query('commit');
    } finally {
      older.release();
    }
    await waitFor('the held-back event published', () => published.length === 1, { timeoutMs: 10_000 });
  });

  it('resumes from its checkpoint after a restart, publishing nothing twice', async () => {
    const store = await fx.store();
    await store.append('doc', [anOutboxEvent(), anOutboxEvent()], { expectedVersion: 'no_stream' });
    const first = recordingRelay(store, 'kafka');
    first.relay.start();
    await waitFor('the first two published', () => first.published.length === 2);
    await first.relay.stop();

    const later = anOutboxEvent();
    await store.append('doc', [later], { expectedVersion: 2 });
    const second = track(recordingRelay(store, 'kafka'));
    second.relay.start();
    await waitFor('the later event published', () => second.published.length === 1);
    await waitFor('lag to reach 0', async () => (await second.relay.lag()) === 0);
    expect(ids(second.published)).toEqual([later.eventId]);
    expect(first.published).toHaveLength(2);
  });

  it('still publishes an event committed before the process died, when publishing never succeeded', async () => {
    const store = await fx.store();
    const event = anOutboxEvent();
    await store.append('doc', [event], { expectedVersion: 'no_stream' });
    const dying = track(
      recordingRelay(store, 'kafka', {
        publish: async () => {
          throw new Error('broker unreachable');
        },
      }),
    );
    dying.relay.start();
    await waitFor('a failed publish', () => dying.errors.length >= 1);
    expect(dying.relay.status().leader).toBe(true);
    await afterDeath(dying.relay, store, event.eventId as string);
  });

  it('republishes, under the same eventId, a batch published just before the process died', async () => {
    const store = await fx.store('crash_after_publish');
    const event = anOutboxEvent();
    await store.append('doc', [event], { expectedVersion: 'no_stream' });
    const sent: OutboxMessage[] = [];
    const dying = track(
      recordingRelay(store, 'kafka', {
        // The broker has the batch; then the process dies before writing the checkpoint.
        publish: async (batch) => {
          sent.push(...batch);
          const pid = await relayLockHolder(fx.pool, 'crash_after_publish', 'kafka');
          if (pid !== undefined) await killBackend(fx.pool, pid);
        },
      }),
    );
    dying.relay.start();
    await waitFor('the checkpoint write to fail', () => dying.errors.length >= 1 && sent.length >= 1);
    expect(ids(sent)[0]).toBe(event.eventId);
    await afterDeath(dying.relay, store, event.eventId as string);
  });

  it('does not publish past a transaction still open, and publishes it once it commits', async () => {
    const store = await fx.store();
    const { relay, published } = track(recordingRelay(store, 'kafka'));
    relay.start();
    const early = await fx.pool.connect();
    try {
      await early.query('begin');
      await store.append('slow', [anOutboxEvent()], { expectedVersion: 'no_stream' }, early);
      await store.append('fast', [anOutboxEvent()], { expectedVersion: 'no_stream' });
      const polled = relay.status().polls;
      await waitFor('the relay to poll twice with the slow transaction open', () => relay.status().polls >= polled + 2);
      expect(published).toEqual([]);
      await early.query('commit');
    } finally {
      early.release();
    }
    await waitFor('both published', () => published.length === 2);
    expect(published.map((m) => m.streamId)).toEqual(['slow', 'fast']);
  });

  it('lets only one of two relays on a schema publish, and the standby takes over when it stops', async () => {
    const store = await fx.store('two_relays');
    const a = track(recordingRelay(store, 'kafka'));
    const b = track(recordingRelay(store, 'kafka'));
    a.relay.start();
    b.relay.start();
    await store.append('doc', [anOutboxEvent(), anOutboxEvent()], { expectedVersion: 'no_stream' });
    await waitFor('both events published', () => a.published.length + b.published.length === 2);
    const [leader, standby] = a.relay.status().leader ? [a, b] : [b, a];
    const polls = leader.relay.status().polls;
    await waitFor('a few more rounds, the standby trying to lead each time', () => leader.relay.status().polls >= polls + 3);
    expect(standby.relay.status().leader).toBe(false);
    expect(standby.published).toEqual([]);
    expect(await relayLockHolder(fx.pool, 'two_relays', 'kafka')).toBeDefined();

    await leader.relay.stop();
    const later = anOutboxEvent();
    await store.append('doc', [later], { expectedVersion: 2 });
    await waitFor('the standby to publish the later event', () => standby.published.length === 1);
    expect(ids(standby.published)).toEqual([later.eventId]);
    expect(leader.published).toHaveLength(2);
  });

  it('takes over from a leader whose process died', async () => {
    const store = await fx.store('dead_leader');
    // The leader lives in a "process" of its own: its own pool, which can no longer connect once dead.
    const deadPool = new Pool({ connectionString: fx.db.url, max: 2 });
    const a = track(recordingRelay(new PostgresEventStore(deadPool, 'dead_leader'), 'kafka'));
    a.relay.start();
    await waitFor('a to lead', () => a.relay.status().leader);
    const b = track(recordingRelay(store, 'kafka'));
    b.relay.start();
    const ended = deadPool.end();
    await killBackend(fx.pool, (await relayLockHolder(fx.pool, 'dead_leader', 'kafka')) as number);
    await store.append('doc', [anOutboxEvent()], { expectedVersion: 'no_stream' });
    await waitFor('b to take over and publish', () => b.published.length === 1);
    expect(b.relay.status().leader).toBe(true);
    expect(a.relay.status().leader).toBe(false);
    expect(a.published).toEqual([]);
    await a.relay.stop();
    await ended;
  });

  it('publishes each stream in order under concurrent appenders, in batches', async () => {
    const store = await fx.store();
    const streams = ['s1', 's2', 's3'];
    await Promise.all(
      streams.flatMap((s) => Array.from({ length: 15 }, () => store.append(s, [anOutboxEvent(), anOutboxEvent()], { expectedVersion: 'any' }))),
    );
    const { relay, published } = track(recordingRelay(store, 'kafka', { batchSize: 7 }));
    relay.start();
    await waitFor('all 90 published', () => published.length === 90);
    for (const s of streams) {
      expect(published.filter((m) => m.streamId === s).map((m) => m.streamVersion)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    }
    expect(new Set(ids(published)).size).toBe(90);
  });
});
