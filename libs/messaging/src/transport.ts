// A custom Nest transport on kafkajs. Nest's stock Kafka transport retries a failing event handler
// without end and commits offsets its own way; this one decodes and validates every message with the
// contracts' decoder, sends what cannot be decoded (or keeps failing) to `<topic>.dlq` with the reason
// and the original bytes, retries retriable failures with backoff by pausing that partition only, and
// commits an offset only once its message is handled or dead-lettered.
import {
  baseTopic,
  deadLetterTopic,
  decode,
  type ErrorCode,
  EventEnvelope,
  nextTry,
  type RetryPolicy,
  SERVICES,
  type ServiceName,
  topicName,
} from '@lnbx/contracts';
import { applyDecorators, ArgumentsHost, Catch, Controller, RpcExceptionFilter, UseFilters } from '@nestjs/common';
import { CustomTransportStrategy, EventPattern, type MessageHandler, Server } from '@nestjs/microservices';
import type { JsonLogger } from '@lnbx/platform';
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { Counter, Histogram, Registry } from 'prom-client';
import { lastValueFrom, Observable, throwError } from 'rxjs';
import { accessOf } from './access';
import { CodedError, errorCode, isRetriable, retryAfterOf } from './errors';
import { EventPublisher } from './publisher';
import { ensureTopics } from './topics';

/**
 * A handler of a whole batch (`(envelopes: EventEnvelope[], ctx) => ...`): it gets up to
 * `maxBatchSize` consecutive messages of one partition at once, in order, to handle in one transaction.
 * When the batch fails, its messages are handled again one at a time (each as a batch of one), so a
 * poison message is retried and dead-lettered alone and its neighbours still go through.
 */
export const BatchEventPattern = (topics: string | string[]): MethodDecorator => EventPattern(topics, { batch: true });

/** What a consumer takes at once unless told otherwise: partitions handled concurrently, messages per batch handler call. */
export const CONSUMER_DEFAULTS = { partitionsConsumedConcurrently: 3, maxBatchSize: 100 } as const;

const isBatchHandler = (h: MessageHandler | null): boolean => (h?.extras as { batch?: boolean } | undefined)?.batch === true;

/** What a handler receives besides the envelope. */
export class KafkaEventContext {
  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly offset: string,
    readonly attempt: number,
    readonly groupId: string,
  ) {}
}

export interface KafkaTransportOptions {
  kafka: Kafka;
  groupId: string;
  topicPrefix: string;
  logger: JsonLogger;
  publisher: EventPublisher;
  metrics?: Registry;
  maxAttempts?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
  partitionsConsumedConcurrently?: number;
  /** Messages a batch handler gets at once (default 100). */
  maxBatchSize?: number;
  sessionTimeoutMs?: number;
  /** Read a new group's topics from the start (true for services: nothing is missed at first boot). */
  fromBeginning?: boolean;
  /** The service (its principal's ACLs, libs/messaging/src/access.ts): its handlers are checked against them at start. */
  service?: string;
  /**
   * Create missing topics at start (plaintext, local development). False on a secured broker: the admin's
   * setup step made them and the service may not; the topics it uses are checked instead.
   */
  createTopics?: boolean;
}

export interface DeadLetter {
  topic: string;
  code: ErrorCode;
  reasons: string[];
  message: KafkaMessage;
  partition: number;
}

/** Keeps a handler's own error (its code, whether it is retriable) instead of Nest's generic one. */
@Catch()
export class PassThroughRpcFilter implements RpcExceptionFilter<unknown> {
  catch(exception: unknown, _host: ArgumentsHost): Observable<never> {
    return throwError(() => exception);
  }
}

/**
 * A controller of Kafka event handlers (`@EventPattern`). It carries the pass-through filter itself:
 * a hybrid app's microservice is born initialised, so a global filter set on it is ignored.
 */
export const EventHandlers = (): ClassDecorator => applyDecorators(Controller(), UseFilters(new PassThroughRpcFilter()));

export class KafkaEventTransport extends Server implements CustomTransportStrategy {
  private consumer?: Consumer;
  private stopping = false;
  /** Attempts so far of messages waiting for a retry, by topic/partition/offset. */
  private readonly attempts = new Map<string, number>();
  private readonly consumed?: Counter<'topic' | 'outcome'>;
  private readonly deadLetters?: Counter<'topic' | 'code'>;
  private readonly duration?: Histogram<'topic'>;
  private readonly retry: RetryPolicy;

  constructor(private readonly options: KafkaTransportOptions) {
    super();
    this.retry = {
      maxAttempts: options.maxAttempts ?? 5,
      baseDelayMs: options.retryBaseMs ?? 200,
      maxDelayMs: options.retryMaxMs ?? 10_000,
      jitter: 'equal',
      // A handler's Retry-After is its least wait, however long: retrying sooner would only spend an attempt.
      maxRetryAfterMs: Number.POSITIVE_INFINITY,
    };
    const registers = options.metrics ? [options.metrics] : [];
    if (options.metrics) {
      this.consumed = new Counter({
        name: 'lnbx_messages_consumed_total',
        help: 'Messages consumed, by outcome (handled, dead_lettered, retried).',
        labelNames: ['topic', 'outcome'],
        registers,
      });
      this.deadLetters = new Counter({
        name: 'lnbx_dead_letters_total',
        help: 'Messages sent to a dead-letter topic, by code.',
        labelNames: ['topic', 'code'],
        registers,
      });
      this.duration = new Histogram({
        name: 'lnbx_handler_duration_seconds',
        help: 'Time to handle one message.',
        labelNames: ['topic'],
        registers,
        buckets: [0.001, 0.005, 0.02, 0.1, 0.5, 2, 10],
      });
    }
  }

  on(): void {
    throw new Error('KafkaEventTransport has no events to listen to');
  }

  unwrap<T>(): T {
    if (!this.consumer) throw new Error('not listening yet');
    return this.consumer as T;
  }

  /** The registry topics this service handles. */
  patterns(): string[] {
    return [...this.getHandlers().keys()];
  }

  listen(callback: (err?: unknown) => void): void {
    this.start().then(
      () => callback(),
      (err) => callback(err),
    );
  }

  private async start(): Promise<void> {
    const { kafka, groupId, topicPrefix, createTopics = true } = this.options;
    this.checkAccess();
    const admin = kafka.admin();
    try {
      // Its own topics and the dead-letter topics it writes: on a secured broker it sees no other.
      await ensureTopics(admin, topicPrefix, createTopics ? {} : { topics: this.patterns().flatMap((p) => [p, deadLetterTopic(p)]), create: false });
    } finally {
      await admin.disconnect();
    }
    const topics = this.patterns().map((p) => topicName(topicPrefix, p));
    if (!topics.length) return;
    this.consumer = kafka.consumer({
      groupId,
      sessionTimeout: this.options.sessionTimeoutMs ?? 15_000,
      heartbeatInterval: 1_000,
      rebalanceTimeout: 20_000,
      allowAutoTopicCreation: false,
      // A resumed partition joins the next fetch only: a short wait keeps a retry's delay near its backoff.
      maxWaitTimeInMs: 250,
    });
    await this.consumer.connect();
    await this.consumer.subscribe({ topics, fromBeginning: this.options.fromBeginning ?? true });
    await this.consumer.run({
      autoCommit: true,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? CONSUMER_DEFAULTS.partitionsConsumedConcurrently,
      eachBatch: (payload) => this.onBatch(payload),
    });
    this.options.logger.info('consuming', { groupId, topics });
  }

  /**
   * A handler of a topic the service's principal may not read would fail on a secured broker with an
   * authorisation error: said here, at start, naming the table to change. Plaintext only warns.
   */
  private checkAccess(): void {
    const { service, createTopics = true, logger } = this.options;
    if (!service || !(SERVICES as readonly string[]).includes(service)) return;
    const readable = new Set(accessOf(service as ServiceName).reads);
    const outside = this.patterns().filter((p) => !readable.has(p));
    if (!outside.length) return;
    const msg = `${service} handles ${outside.join(', ')} but its Kafka principal may not read ${outside.length > 1 ? 'them' : 'it'}: add ${outside.length > 1 ? 'them' : 'it'} to SUBSCRIPTIONS in libs/messaging/src/access.ts and run the Kafka setup step`;
    if (!createTopics) throw new Error(msg);
    logger.warn(msg);
  }

  /**
   * Handles a batch in order: a batch handler's messages in chunks of `maxBatchSize`, any other's one at a
   * time. A chunk that cannot go whole (a failure, a message that does not decode or waits for a retry) goes
   * one message at a time, and the chunks after it whole again. A retriable failure pauses only this
   * partition and seeks back to the failed message, so it comes again after the backoff while the other
   * partitions go on; its offset is not resolved, so no commit ever passes it.
   */
  private async onBatch({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale, pause }: EachBatchPayload): Promise<void> {
    const { topic, partition } = batch;
    const pattern = baseTopic(this.options.topicPrefix, topic);
    const handler = this.getHandlerByPattern(pattern);
    const size = isBatchHandler(handler) ? (this.options.maxBatchSize ?? CONSUMER_DEFAULTS.maxBatchSize) : 1;
    const going = () => isRunning() && !isStale() && !this.stopping;
    batches: for (let i = 0; i < batch.messages.length && going(); i += size) {
      const chunk = batch.messages.slice(i, i + size);
      if (chunk.length > 1 && (await this.onChunk(topic, partition, pattern, handler!, chunk))) {
        resolveOffset(chunk[chunk.length - 1].offset);
        await heartbeat();
        continue;
      }
      for (const message of chunk) {
        if (!going()) break batches;
        const outcome = await this.onMessage(topic, partition, message);
        if (outcome.retryInMs !== undefined) {
          const resume = pause();
          this.consumer?.seek({ topic, partition, offset: message.offset });
          setTimeout(resume, outcome.retryInMs).unref();
          break batches;
        }
        resolveOffset(message.offset);
        await heartbeat();
      }
    }
    await commitOffsetsIfNecessary();
  }

  /** A batch handler's chunk in one call; false (nothing done) when it must go one message at a time. */
  private async onChunk(topic: string, partition: number, pattern: string, handler: MessageHandler, chunk: KafkaMessage[]): Promise<boolean> {
    if (chunk.some((m) => this.attempts.has(`${topic}/${partition}/${m.offset}`))) return false;
    const envelopes: EventEnvelope[] = [];
    for (const m of chunk) {
      const decoded = decode(pattern, m.value);
      if (!decoded.ok) return false;
      envelopes.push(decoded.envelope as EventEnvelope);
    }
    const started = process.hrtime.bigint();
    try {
      const ctx = new KafkaEventContext(topic, partition, chunk[0].offset, 1, this.options.groupId);
      await lastValueFrom(this.transformToObservable(await handler(envelopes, ctx)), { defaultValue: undefined });
    } catch (err) {
      this.options.logger.info('batch handler failed; handling its messages one at a time', {
        topic: pattern,
        partition,
        offsets: `${chunk[0].offset}-${chunk[chunk.length - 1].offset}`,
        code: errorCode(err),
      });
      return false;
    }
    // The histogram is per message: each of the chunk's messages took its share.
    const share = Number(process.hrtime.bigint() - started) / 1e9 / chunk.length;
    for (let i = 0; i < chunk.length; i++) this.duration?.observe({ topic: pattern }, share);
    this.consumed?.inc({ topic: pattern, outcome: 'handled' }, chunk.length);
    return true;
  }

  private async onMessage(topic: string, partition: number, message: KafkaMessage): Promise<{ retryInMs?: number }> {
    const pattern = baseTopic(this.options.topicPrefix, topic);
    const decoded = decode(pattern, message.value);
    if (!decoded.ok) {
      await this.deadLetter({ topic, partition, message, code: decoded.code, reasons: decoded.reasons });
      return {};
    }
    const handler = this.getHandlerByPattern(pattern);
    if (!handler) {
      await this.deadLetter({ topic, partition, message, code: 'CONTRACT.NO_HANDLER', reasons: [`no handler for ${pattern}`] });
      return {};
    }
    const attemptKey = `${topic}/${partition}/${message.offset}`;
    const attempt = (this.attempts.get(attemptKey) ?? 0) + 1;
    const end = this.duration?.startTimer({ topic: pattern });
    try {
      const ctx = new KafkaEventContext(topic, partition, message.offset, attempt, this.options.groupId);
      const result = await handler(isBatchHandler(handler) ? [decoded.envelope] : decoded.envelope, ctx);
      await lastValueFrom(this.transformToObservable(result), { defaultValue: undefined });
      this.attempts.delete(attemptKey);
      this.consumed?.inc({ topic: pattern, outcome: 'handled' });
      return {};
    } catch (err) {
      const env = decoded.envelope as EventEnvelope;
      const code = errorCode(err);
      const reason = (err as Error)?.message ?? String(err);
      const next = nextTry(attempt, { retriable: isRetriable(err), retryAfterMs: retryAfterOf(err) }, this.retry);
      if (next.retry) {
        this.attempts.set(attemptKey, attempt);
        this.consumed?.inc({ topic: pattern, outcome: 'retried' });
        this.options.logger.warn('handler failed; will retry', {
          topic: pattern,
          partition,
          offset: message.offset,
          eventId: env.eventId,
          code,
          reason,
          attempt,
          waitMs: next.delayMs,
        });
        return { retryInMs: next.delayMs };
      }
      this.attempts.delete(attemptKey);
      const exhausted = next.because !== 'not_retriable';
      await this.deadLetter({
        topic,
        partition,
        message,
        code: exhausted ? 'HANDLER.RETRIES_EXHAUSTED' : code,
        reasons: [exhausted ? `${code}: ${reason} (after ${attempt} attempts)` : reason],
      });
      return {};
    } finally {
      end?.();
    }
  }

  private async deadLetter({
    topic,
    partition,
    message,
    code,
    reasons,
  }: {
    topic: string;
    partition: number;
    message: KafkaMessage;
    code: ErrorCode;
    reasons: string[];
  }): Promise<void> {
    const dlq = deadLetterTopic(topic);
    await this.options.publisher.sendRaw(dlq, [
      {
        key: message.key,
        value: message.value,
        headers: {
          'x-dlq-code': code,
          'x-dlq-reasons': JSON.stringify(reasons),
          'x-original-topic': topic,
          'x-original-partition': String(partition),
          'x-original-offset': message.offset,
          'x-consumer-group': this.options.groupId,
          'x-failed-at': new Date().toISOString(),
        },
      },
    ]);
    const pattern = baseTopic(this.options.topicPrefix, topic);
    this.deadLetters?.inc({ topic: pattern, code });
    this.consumed?.inc({ topic: pattern, outcome: 'dead_lettered' });
    this.options.logger.warn('message dead-lettered', { topic: pattern, partition, offset: message.offset, code, reasons });
  }

  async close(): Promise<void> {
    this.stopping = true;
    await this.consumer?.disconnect().catch(() => undefined);
    this.consumer = undefined;
  }
}

export { CodedError };
