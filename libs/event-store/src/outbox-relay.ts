// Moves outbox events from Postgres to Kafka (through a `publish` callback), at least once and in
// order, with one publishing relay per schema and name across all processes.
import { CodedError } from '@lnbx/contracts';
import type { PoolClient } from 'pg';
import type { OutboxMessage, Position } from './event-store';
import type { PostgresEventStore } from './postgres-event-store';
import { START } from './rows';
import { outboxChannel } from './schema';
import { type StepOutcome, WorkLoop } from './work-loop';

export interface OutboxRelayOptions {
  /** Names the checkpoint and the leadership lock. */
  name: string;
  /** Sends the batch, in order; resolves once the broker has it. Throwing leaves the batch to retry. */
  publish: (batch: OutboxMessage[]) => Promise<void>;
  batchSize?: number;
  /** How often to look for outbox events when no NOTIFY arrives (a missed one costs at most this). */
  pollIntervalMs?: number;
  /** How often a standby tries to take over. */
  standbyIntervalMs?: number;
  /** How soon to look again when outbox events wait behind an older open transaction (default 10 ms, doubling). */
  heldBackRetryMs?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** Failures the relay recovers from by itself (retrying); for logs and metrics. */
  onError?: (err: unknown) => void;
}

export interface OutboxRelayStatus {
  running: boolean;
  /** Holds the lock, so it is the one that publishes. */
  leader: boolean;
  /** Outbox reads done while leader. */
  polls: number;
  /** Events published (a republished one counts again). */
  published: number;
  lastError?: string;
}

class PublishFailed extends CodedError<'KAFKA.PUBLISH_FAILED'> {
  constructor(cause: unknown) {
    super('KAFKA.PUBLISH_FAILED', `publish failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

export class OutboxRelay {
  private readonly o: Required<Omit<OutboxRelayOptions, 'onError'>> & Pick<OutboxRelayOptions, 'onError'>;
  private readonly loop: WorkLoop;
  private client?: PoolClient;
  private leader = false;
  private checkpoint: Position = START;
  private polls = 0;
  /** Empty reads in a row while outbox events waited behind an older open transaction. */
  private heldBack = 0;
  private published = 0;
  private lastError?: string;
  private readonly onNotification = () => this.loop.wake();

  constructor(
    private readonly store: PostgresEventStore,
    options: OutboxRelayOptions,
  ) {
    this.o = { batchSize: 100, pollIntervalMs: 1000, standbyIntervalMs: 2000, heldBackRetryMs: 10, retryBaseMs: 200, retryMaxMs: 30_000, ...options };
    // Equal jitter, as every retry of ours: relays of several instances that failed together do not retry together.
    this.loop = new WorkLoop({
      name: `outbox relay ${store.schema}.${this.o.name}`,
      step: () => this.step(),
      everyMs: () => (this.leader ? this.o.pollIntervalMs : this.o.standbyIntervalMs),
      backoff: { baseDelayMs: this.o.retryBaseMs, maxDelayMs: this.o.retryMaxMs },
      onError: (err) => this.recover(err),
    });
  }

  start(): void {
    this.loop.start();
  }

  /** Finishes the batch in flight (publish and checkpoint), then lets go of the lock. */
  async stop(): Promise<void> {
    await this.loop.stop();
    this.dropConnection();
  }

  /** Look for new outbox events now rather than at the next poll. */
  notify(): void {
    this.loop.wake();
  }

  /** Outbox events not yet published past the checkpoint. */
  lag(): Promise<number> {
    return this.store.outboxLag(this.o.name);
  }

  status(): OutboxRelayStatus {
    return { running: this.loop.running, leader: this.leader, polls: this.polls, published: this.published, lastError: this.lastError };
  }

  private recover(err: unknown): void {
    this.fail(err);
    // The connection, and with it the lock, may be gone: start over from a fresh one. A failed
    // publish says nothing against the connection, so the leader keeps its lock and retries.
    if (!(err instanceof PublishFailed)) this.dropConnection(err);
  }

  /** One round: become leader if possible, publish one batch. */
  private async step(): Promise<StepOutcome> {
    const client = await this.connection();
    if (!this.leader) {
      const { rows } = await client.query<{ locked: boolean }>('select pg_try_advisory_lock(hashtext($1), hashtext($2)) as locked', [
        'lnbx.outbox-relay',
        `${this.store.schema}.${this.o.name}`,
      ]);
      if (!rows[0].locked) return 'idle';
      this.leader = true;
      // The previous leader may have moved on since this instance last looked.
      this.checkpoint = (await this.store.readCheckpoint(this.o.name, client)) ?? START;
    }
    const batch = await this.store.readOutbox(this.checkpoint, this.o.batchSize, client);
    this.polls += 1;
    if (batch.length === 0) {
      if (!(await this.store.outboxHeldBack(this.checkpoint, client))) {
        this.heldBack = 0;
        return 'idle';
      }
      // Doubling up to the poll interval: a transaction left open for minutes costs a few queries, not hundreds a second.
      this.heldBack += 1;
      return { waitMs: Math.min(this.o.pollIntervalMs, this.o.heldBackRetryMs * 2 ** Math.min(this.heldBack - 1, 16)) };
    }
    this.heldBack = 0;
    try {
      await this.o.publish(batch);
    } catch (err) {
      throw new PublishFailed(err);
    }
    this.published += batch.length;
    // Through the lock's own connection: if the lock is lost, so is this write.
    const last = batch[batch.length - 1].position;
    await this.store.storeCheckpoint(this.o.name, last, client);
    this.checkpoint = last;
    return batch.length < this.o.batchSize ? 'idle' : 'more';
  }

  private async connection(): Promise<PoolClient> {
    if (this.client) return this.client;
    const client = await this.store.pool.connect();
    client.on('error', (err) => {
      // Lost while idle (server restart, terminated backend): the lock went with it, so stand down now.
      if (this.client !== client) return;
      this.fail(err);
      this.dropConnection(err);
      this.loop.wake();
    });
    client.on('notification', this.onNotification);
    this.client = client;
    await client.query(`listen ${outboxChannel(this.store.schema)}`);
    return client;
  }

  /** Destroys the dedicated connection, never pooling it: its session holds the lock and the LISTEN. */
  private dropConnection(reason?: unknown): void {
    const client = this.client;
    this.client = undefined;
    this.leader = false;
    if (!client) return;
    client.off('notification', this.onNotification);
    // Keep a listener: a dying connection can still emit 'error', and an unheard one kills the process.
    client.release(reason instanceof Error ? reason : true);
  }

  private fail(err: unknown): void {
    const cause = err instanceof PublishFailed ? err.cause : err;
    this.lastError = err instanceof Error ? err.message : String(err);
    if (this.o.onError) this.o.onError(cause);
    else console.error(`outbox relay ${this.store.schema}.${this.o.name}: ${this.lastError}`);
  }
}
