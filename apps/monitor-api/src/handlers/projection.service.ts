import { definitionForType, EventEnvelope } from '@lnbx/contracts';
import { Outbox } from '@lnbx/messaging';
import { Injectable } from '@nestjs/common';
import type { Transaction } from '@lnbx/event-store';
import type { Effects } from '../domain/effects';
import { known } from '../domain/events';
import { MonitorMetrics } from '../metrics';
import { Notifier } from '../workers/notifier';
import { PROJECTION_CONSUMER, take } from '../store/projector';
import { ConnectionCommands } from './connection-commands';

/** Projects envelopes once per eventId, then applies their effects (metrics, notices) after the commit. */
@Injectable()
export class ProjectionService {
  constructor(
    private readonly outbox: Outbox,
    private readonly metrics: MonitorMetrics,
    private readonly notifier: Notifier,
    private readonly connections: ConnectionCommands,
  ) {}

  /**
   * Events from Kafka (a batch of one partition, in order), projected in one transaction; their effects
   * applied once it commits. A batch of several holds the projection's batch lock first: the entities an
   * event locks are known only as it is projected, so two batches taking theirs in different orders could
   * deadlock; one at a time they cannot (a single event, or a batch handled again one at a time, goes beside).
   */
  async consume(envs: EventEnvelope[]): Promise<void> {
    const all: (Effects & { connectionId: string })[] = [];
    await this.outbox.onceMany(
      PROJECTION_CONSUMER,
      envs.map((e) => e.eventId),
      async (tx, fresh) => {
        if (fresh.size > 1) await tx.query(`select pg_advisory_xact_lock(hashtextextended('monitor.projection:batch', 0))`);
        for (const env of envs) {
          if (!fresh.delete(env.eventId)) continue;
          const effects = await take(tx, env, definitionForType(env.type)?.topic ?? env.type);
          if (!effects) continue;
          all.push({ ...effects, connectionId: env.connectionId });
          // Live only, never in a rebuild: the connection's stream keeps what it learned, the rebuild replays that.
          await this.connections.learnFromXero(tx, known(env));
        }
      },
    );
    for (const e of all) this.apply(e);
  }

  /**
   * Commands the monitor itself emits: appended to its outbox (for Kafka) and projected in the same
   * transaction, so the Integration Center shows a requested run at once; when the command comes back
   * from Kafka it is found processed and skipped.
   */
  async emit(streamId: string, envelopes: EventEnvelope[], expected: 'no_stream' | 'any' = 'any', also?: (tx: Transaction) => Promise<void>): Promise<void> {
    const all: (Effects & { connectionId: string })[] = [];
    await this.outbox.store.withTransaction(async (tx) => {
      await this.outbox.append(tx, streamId, envelopes, expected);
      await also?.(tx);
      for (const env of envelopes) {
        await this.outbox.store.markProcessed(tx, PROJECTION_CONSUMER, env.eventId);
        const effects = await take(tx, env, definitionForType(env.type)?.topic ?? env.type);
        if (effects) all.push({ ...effects, connectionId: env.connectionId });
      }
    });
    for (const e of all) this.apply(e);
  }

  private apply(effects: Effects & { connectionId: string }): void {
    this.metrics.record(effects.metrics, effects.connectionId);
    this.notifier.add(effects.notices, effects.connectionId);
  }
}
