// The transport against the real broker: validation on arrival, dead letters with the reason and the
// original bytes, bounded retries that block only their own partition, idempotent consumption.
import { createEnvelope, encode, EventEnvelope, RunRequested, topicName } from '@lnbx/contracts';
import { PostgresEventStore } from '@lnbx/event-store';
import { JsonLogger } from '@lnbx/platform';
import { createTestDatabase, kafkaBrokers, TestDatabase, uniqueTopicPrefix, waitFor } from '@lnbx/testing';
import { Kafka, logLevel } from 'kafkajs';
import { Pool } from 'pg';
import { Outbox } from './event-sourcing.module';
import { CodedError } from './errors';
import { EventPublisher } from './publisher';
import { KafkaEventContext, KafkaEventTransport } from './transport';
import { listening, readDeadLetters } from './transport.testing';

const TOPIC = RunRequested.definition.topic;

function aRunRequested(runId: string, key = 'acme:invoices'): EventEnvelope<RunRequested.Value> {
  return createEnvelope(
    RunRequested.definition,
    { runId, flow: 'invoices', mode: 'export', trigger: 'manual', requestedBy: 'test' },
    {
      producer: 'monitor-api',
      connectionId: 'acme',
      correlationId: runId,
      key,
    },
  );
}

describe('KafkaEventTransport', () => {
  const prefix = uniqueTopicPrefix('transport');
  const kafka = new Kafka({ clientId: 'transport-test', brokers: kafkaBrokers(), logLevel: logLevel.NOTHING });
  const logger = new JsonLogger('test', 'error', () => undefined);
  const publisher = new EventPublisher(kafka, prefix);
  const seen: { runId: string; attempt: number; partition: number }[] = [];
  const behaviour = new Map<string, (attempt: number) => void | Promise<void>>();
  let transport: KafkaEventTransport;
  let dlq: Awaited<ReturnType<typeof readDeadLetters>>;
  let db: TestDatabase;
  let pool: Pool;
  let outbox: Outbox;

  beforeAll(async () => {
    db = await createTestDatabase('transport');
    pool = new Pool({ connectionString: db.url });
    // The test database is migrated (libs/testing): the mapper's schema has an event store to borrow.
    const store = new PostgresEventStore(pool, 'mapper');
    await pool.query('create table mapper.applied (run_id text primary key, n int not null)');
    outbox = new Outbox(store, undefined as never);

    transport = new KafkaEventTransport({
      kafka,
      groupId: `${prefix}group`,
      topicPrefix: prefix,
      logger,
      publisher,
      maxAttempts: 3,
      retryBaseMs: 20,
      retryMaxMs: 100,
      partitionsConsumedConcurrently: 3,
    });
    transport.addHandler(
      TOPIC,
      async (env: EventEnvelope<RunRequested.Value>, ctx: KafkaEventContext) => {
        await behaviour.get(env.payload.runId)?.(ctx.attempt);
        // Idempotent consumption: the processed eventId and the state change commit together.
        await outbox.once('transport-test', env.eventId, async (tx) => {
          await tx.query('insert into mapper.applied (run_id, n) values ($1, 1) on conflict (run_id) do update set n = applied.n + 1', [env.payload.runId]);
        });
        seen.push({ runId: env.payload.runId, attempt: ctx.attempt, partition: ctx.partition });
      },
      true,
    );
    await listening(transport);
    dlq = await readDeadLetters(kafka, prefix, TOPIC);
  });

  afterAll(async () => {
    await transport?.close();
    await dlq?.stop();
    await publisher.close();
    await pool?.end();
    await db?.drop();
  });

  const dlqFor = (bytes: string) => waitFor(`a dead letter holding ${bytes}`, () => dlq.messages.find((m) => m.value?.toString().includes(bytes)));

  it('handles a valid event', async () => {
    await publisher.publish([aRunRequested('ok-1')]);
    await waitFor('ok-1 handled', () => seen.find((s) => s.runId === 'ok-1'));
  });

  it('sends bytes that are not JSON to the dead-letter topic with the reason and the original bytes, and goes on', async () => {
    await publisher.sendRaw(topicName(prefix, TOPIC), [{ key: 'acme:invoices', value: '{"broken' }]);
    await publisher.publish([aRunRequested('after-broken')]);
    const dead = await dlqFor('{"broken');
    expect(dead.value?.toString()).toBe('{"broken');
    expect(dead.headers?.['x-dlq-code']?.toString()).toBe('CONTRACT.NOT_JSON');
    expect(dead.headers?.['x-original-topic']?.toString()).toBe(topicName(prefix, TOPIC));
    await waitFor('the next message handled', () => seen.find((s) => s.runId === 'after-broken'));
  });

  it('dead-letters an envelope that fails validation, naming the field', async () => {
    const bad = { ...aRunRequested('bad-flow'), payload: { runId: 'bad-flow', flow: 'orders', mode: 'export', trigger: 'manual', requestedBy: 't' } };
    await publisher.sendRaw(topicName(prefix, TOPIC), [{ key: 'acme:invoices', value: JSON.stringify(bad) }]);
    const dead = await dlqFor('"bad-flow"');
    expect(dead.headers?.['x-dlq-code']?.toString()).toBe('CONTRACT.BAD_PAYLOAD');
    expect(JSON.parse(dead.headers!['x-dlq-reasons']!.toString()).join(' ')).toMatch(/payload\.flow/);
  });

  it('retries a retriable failure with backoff and handles it once', async () => {
    behaviour.set('flaky', (attempt) => {
      if (attempt < 3) throw new CodedError('XERO.UNAVAILABLE', 'try later');
    });
    await publisher.publish([aRunRequested('flaky')]);
    const done = await waitFor('flaky handled', () => seen.find((s) => s.runId === 'flaky'));
    expect(done.attempt).toBe(3);
  });

  it('sends a permanent failure straight to the dead-letter topic with its code', async () => {
    behaviour.set('permanent', () => {
      throw new CodedError('LNB.VALIDATION', 'field x is wrong');
    });
    await publisher.publish([aRunRequested('permanent')]);
    const dead = await dlqFor('"permanent"');
    expect(dead.headers?.['x-dlq-code']?.toString()).toBe('LNB.VALIDATION');
  });

  it('while a message waits for its retry, the other partitions go on; it gives up after the bounded retries', async () => {
    const others = ['o-a', 'o-b', 'o-c', 'o-d'].map((id) => aRunRequested(id, `acme:${id}`));
    const othersDone = () => others.every((o) => seen.some((s) => s.runId === o.payload.runId));
    const attempts: { attempt: number; at: number }[] = [];
    behaviour.set('stuck', (attempt) => {
      attempts.push({ attempt, at: Date.now() });
      // The first failure asks for a long wait (as a Retry-After would); the others arrive meanwhile.
      throw new CodedError('XERO.RATE_LIMITED', 'still broken', { retryAfterMs: attempt === 1 ? 3000 : undefined });
    });
    const raw = topicName(prefix, TOPIC);
    await publisher.sendRaw(raw, [{ key: 'acme:stuck', value: encode(aRunRequested('stuck', 'acme:stuck')), partition: 0 }]);
    await waitFor('stuck to fail once', () => attempts.length === 1);
    await publisher.sendRaw(
      raw,
      others.map((o, i) => ({ key: o.key, value: encode(o), partition: 1 + (i % 2) })),
    );
    await waitFor('the other partitions handled', othersDone);
    const othersDoneAt = Date.now();
    const dead = await dlqFor('"stuck"');
    expect(attempts.map((a) => a.attempt)).toEqual([1, 2, 3]);
    expect(othersDoneAt).toBeLessThan(attempts[1].at);
    expect(attempts[1].at - attempts[0].at).toBeGreaterThanOrEqual(3000);
    expect(dead.headers?.['x-dlq-code']?.toString()).toBe('HANDLER.RETRIES_EXHAUSTED');
    expect(JSON.parse(dead.headers!['x-dlq-reasons']!.toString())[0]).toBe('XERO.RATE_LIMITED: still broken (after 3 attempts)');
  });

  it('applies a redelivered event once', async () => {
    const env = aRunRequested('twice');
    await publisher.publish([env]);
    await publisher.publish([env]);
    await waitFor('delivered twice', () => seen.filter((s) => s.runId === 'twice').length === 2);
    const { rows } = await pool.query('select n from mapper.applied where run_id = $1', ['twice']);
    expect(rows).toEqual([{ n: 1 }]);
  });
});
