// Batch handlers against the real broker: a partition's messages reach the handler several at a time, in
// order, handled in one transaction; a poison message in a batch is split out and dead-lettered alone, its
// neighbours handled once each.
import { createEnvelope, EventEnvelope, RunRequested } from '@lnbx/contracts';
import { PostgresEventStore } from '@lnbx/event-store';
import { JsonLogger } from '@lnbx/platform';
import { createTestDatabase, kafkaBrokers, TestDatabase, uniqueTopicPrefix, waitFor } from '@lnbx/testing';
import { Kafka, logLevel } from 'kafkajs';
import { Pool } from 'pg';
import { CodedError } from './errors';
import { Outbox } from './event-sourcing.module';
import { EventPublisher } from './publisher';
import { KafkaEventTransport } from './transport';
import { listening, readDeadLetters } from './transport.testing';

const TOPIC = RunRequested.definition.topic;
const KEY = 'acme:invoices';

const aRun = (runId: string): EventEnvelope<RunRequested.Value> =>
  createEnvelope(
    RunRequested.definition,
    { runId, flow: 'invoices', mode: 'export', trigger: 'manual', requestedBy: 'test' },
    { producer: 'monitor-api', connectionId: 'acme', correlationId: runId, key: KEY },
  );

describe('KafkaEventTransport with a batch handler', () => {
  const prefix = uniqueTopicPrefix('batch-transport');
  const kafka = new Kafka({ clientId: 'batch-transport-test', brokers: kafkaBrokers(), logLevel: logLevel.NOTHING });
  const publisher = new EventPublisher(kafka, prefix);
  /** Each call's run ids, in the order the handler got them. */
  const calls: string[][] = [];
  let transport: KafkaEventTransport;
  let dlq: Awaited<ReturnType<typeof readDeadLetters>>;
  let db: TestDatabase;
  let pool: Pool;

  beforeAll(async () => {
    db = await createTestDatabase('batch_transport');
    pool = new Pool({ connectionString: db.url });
    // The test database is migrated (libs/testing): the mapper's schema has an event store to borrow.
    const outbox = new Outbox(new PostgresEventStore(pool, 'mapper'), undefined as never);
    await pool.query('create table mapper.handled (seq serial primary key, run_id text not null)');
    transport = new KafkaEventTransport({
      kafka,
      groupId: `${prefix}group`,
      topicPrefix: prefix,
      logger: new JsonLogger('test', 'error', () => undefined),
      publisher,
      maxAttempts: 2,
      retryBaseMs: 20,
      retryMaxMs: 50,
      maxBatchSize: 25,
    });
    transport.addHandler(
      TOPIC,
      async (envs: EventEnvelope<RunRequested.Value>[]) => {
        calls.push(envs.map((e) => e.payload.runId));
        await outbox.onceMany(
          'batch-test',
          envs.map((e) => e.eventId),
          async (tx, fresh) => {
            for (const e of envs) {
              if (!fresh.delete(e.eventId)) continue;
              await tx.query('insert into mapper.handled (run_id) values ($1)', [e.payload.runId]);
              // A poison message fails the whole transaction: nothing of its batch is kept.
              if (e.payload.runId.startsWith('poison')) throw new CodedError('LNB.VALIDATION', `${e.payload.runId} cannot be handled`);
            }
          },
        );
      },
      true,
      { batch: true },
    );
    await listening(transport);
    dlq = await readDeadLetters(kafka, prefix, TOPIC);
  });

  afterAll(async () => {
    // Kafka's clients first (they may still be handling), then the database they write to.
    await Promise.all([transport?.close(), dlq?.stop(), publisher.close()]);
    await pool?.end();
    await db?.drop();
  });

  const handled = async (like: string): Promise<string[]> =>
    (await pool.query<{ run_id: string }>('select run_id from mapper.handled where run_id like $1 order by seq', [like])).rows.map((r) => r.run_id);

  it('hands a partition its messages several at a time, in order, each handled once', async () => {
    const runs = Array.from({ length: 60 }, (_, i) => aRun(`b-${String(i).padStart(2, '0')}`));
    await publisher.publish(runs);
    // A redelivery in the same batch: handled once.
    await publisher.publish([runs[5]]);
    const ids = runs.map((r) => r.payload.runId);
    const given = () => calls.flat().filter((id) => id.startsWith('b-'));
    // Every message given to the handler, the redelivery included (it comes after the 60, maybe in the same call as
    // the last of them), and every one stored (a call is counted as it starts, stored when it commits).
    await waitFor('every message given and stored', async () => given().length === ids.length + 1 && (await handled('b-%')).length === ids.length);
    expect(await handled('b-%')).toEqual(ids);
    const mine = calls.filter((c) => c.some((id) => id.startsWith('b-')));
    expect(Math.max(...mine.map((c) => c.length))).toBeGreaterThan(1);
    expect(Math.max(...mine.map((c) => c.length))).toBeLessThanOrEqual(25);
    expect(given()).toEqual([...ids, ids[5]]);
  });

  it('splits a poison message out of its batch: dead-lettered alone, its neighbours handled once, the batches after it whole', async () => {
    const runs = Array.from({ length: 60 }, (_, i) => aRun(i === 7 ? 'poison-7' : `p-${String(i).padStart(2, '0')}`));
    await publisher.publish(runs);
    const dead = await waitFor('the poison dead-lettered', () => dlq.messages.find((m) => m.value?.toString().includes('"poison-7"')));
    expect(dead.headers?.['x-dlq-code']?.toString()).toBe('LNB.VALIDATION');
    const neighbours = runs.map((r) => r.payload.runId).filter((id) => id !== 'poison-7');
    await waitFor('the neighbours handled', async () => (await handled('p-%')).length === neighbours.length);
    expect(await handled('p-%')).toEqual(neighbours);
    expect(await handled('poison%')).toEqual([]);
    // It was tried with its batch first, then alone.
    expect(calls.some((c) => c.length > 1 && c.includes('poison-7'))).toBe(true);
    expect(calls).toContainEqual(['poison-7']);
    // Only the poison's own chunk went one at a time: what followed it was handed over several at once again.
    const afterPoison = calls.slice(calls.findIndex((c) => c.length === 1 && c[0] === 'poison-7') + 1);
    expect(afterPoison.some((c) => c.length > 1)).toBe(true);
    expect(dlq.messages.filter((m) => m.value?.toString().includes('"poison-7"'))).toHaveLength(1);
  });
});
