import { EventEnvelope } from '@lnbx/contracts';
import { definitionForType } from '@lnbx/contracts';
import { assertMigrated, ExpectedVersion, NewEvent, OutboxMessage, OutboxRelay, PostgresEventStore, Transaction } from '@lnbx/event-store';
import { CONFIG, JsonLogger, KAFKA, METRICS, PG_POOL, ServiceConfig } from '@lnbx/platform';
import { DynamicModule, Global, Inject, Injectable, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import { Gauge, Registry } from 'prom-client';
import { EventPublisher } from './publisher';

export const EVENT_STORE = Symbol('EVENT_STORE');
export const OUTBOX_RELAY = Symbol('OUTBOX_RELAY');
export const CONSUMER_NAME = Symbol('CONSUMER_NAME');

/**
 * Where a service's events go: appended to its own stream in its own schema, in the caller's
 * transaction, and into the outbox; the relay publishes them to Kafka afterwards, at least once and
 * in order. Nothing is sent to Kafka directly, so a crash between commit and send loses nothing.
 */
/** An envelope as the store keeps it: in the outbox for its registry topic, keyed by the envelope's key. */
export function toStored(env: EventEnvelope): NewEvent {
  const d = definitionForType(env.type);
  if (!d) throw new Error(`no topic is registered for ${env.type}`);
  return {
    eventId: env.eventId,
    type: env.type,
    data: env,
    topic: d.topic,
    kafkaKey: env.key,
    metadata: { correlationId: env.correlationId, causationId: env.causationId },
  };
}

@Injectable()
export class Outbox {
  constructor(
    @Inject(EVENT_STORE) readonly store: PostgresEventStore,
    @Inject(OUTBOX_RELAY) private readonly relay: OutboxRelay,
  ) {}

  async append(tx: Transaction, streamId: string, envelopes: EventEnvelope[], expectedVersion: ExpectedVersion = 'any'): Promise<void> {
    await this.store.append(streamId, envelopes.map(toStored), { expectedVersion }, tx);
  }

  /** Many streams at once (e.g. one detected event per document of a page), each with expected version `any`. */
  async appendMany(tx: Transaction, batch: { streamId: string; envelopes: EventEnvelope[] }[]): Promise<void> {
    await this.store.appendToStreams(
      batch.map((b) => ({ streamId: b.streamId, events: b.envelopes.map(toStored) })),
      tx,
    );
  }

  /**
   * `once` for a batch of events in one transaction: `fn` gets the ids not handled before (now marked,
   * atomically with what `fn` writes); a redelivered event is left out. An id given twice is in the set
   * once: the caller handles the first of them.
   */
  async onceMany<T>(consumer: string, eventIds: string[], fn: (tx: Transaction, fresh: Set<string>) => Promise<T>): Promise<T> {
    return this.store.withTransaction(async (tx) => fn(tx, await this.store.markProcessedMany(tx, consumer, eventIds)));
  }

  /** Runs `fn` once per (consumer, eventId): a redelivered event is skipped, atomically with what `fn` writes. */
  async once(consumer: string, eventId: string, fn: (tx: Transaction) => Promise<void>): Promise<boolean> {
    return this.store.withTransaction(async (tx) => {
      if (!(await this.store.markProcessed(tx, consumer, eventId))) return false;
      await fn(tx);
      return true;
    });
  }
}

@Injectable()
class RelayLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    @Inject(EVENT_STORE) private readonly store: PostgresEventStore,
    @Inject(OUTBOX_RELAY) private readonly relay: OutboxRelay,
    private readonly publisher: EventPublisher,
  ) {}
  async onApplicationBootstrap(): Promise<void> {
    this.relay.start();
  }
  async onApplicationShutdown(): Promise<void> {
    await this.relay.stop();
    await this.publisher.close();
  }
}

export interface EventSourcingOptions {
  /** The service's own Postgres schema. */
  schema: string;
  /**
   * The service's own last migration (apps/<service>/migrations) its code needs. The service creates no
   * table: it refuses to start, saying to run `npm run migrate`, until its schema has it.
   */
  requiredMigration?: string;
}

@Global()
@Module({})
export class EventSourcingModule {
  static forRoot(options: EventSourcingOptions): DynamicModule {
    return {
      module: EventSourcingModule,
      providers: [
        {
          provide: EVENT_STORE,
          inject: [PG_POOL],
          useFactory: async (pool: Pool) => {
            await assertMigrated(pool, { schema: options.schema, own: options.requiredMigration });
            return new PostgresEventStore(pool, options.schema);
          },
        },
        {
          provide: EventPublisher,
          inject: [KAFKA, CONFIG],
          useFactory: (kafka: Kafka, config: ServiceConfig) => new EventPublisher(kafka, config.topicPrefix),
        },
        {
          provide: OUTBOX_RELAY,
          inject: [EVENT_STORE, EventPublisher, JsonLogger, METRICS],
          useFactory: (store: PostgresEventStore, publisher: EventPublisher, logger: JsonLogger, metrics: Registry) => {
            const relay = new OutboxRelay(store, {
              name: 'kafka',
              publish: (batch: OutboxMessage[]) =>
                publisher.publishStored(batch.map((m) => ({ topic: m.topic, key: m.kafkaKey, type: m.type, eventId: m.eventId, json: m.json }))),
              onError: (err) => logger.warn('outbox relay: publish failed, will retry', { err }),
              pollIntervalMs: 500,
            });
            new Gauge({
              name: 'lnbx_outbox_lag_events',
              help: 'Events stored but not yet published to Kafka.',
              registers: [metrics],
              async collect() {
                this.set(await relay.lag().catch(() => -1));
              },
            });
            return relay;
          },
        },
        Outbox,
        RelayLifecycle,
      ],
      exports: [EVENT_STORE, EventPublisher, OUTBOX_RELAY, Outbox],
    };
  }
}
