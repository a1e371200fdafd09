// What the poller's integration tests share: an LNB sandbox, a database of their own, the topics and a
// Kafka observer that reads what is published (dead letters apart), poller processes (and any other
// service a test needs) on that prefix, and a run requested the way monitor-api requests one, for any connection.
// A run uses only its connection's stored LNB credentials: the harness seals the sandbox's default account's for
// its connection (`connectionId`) as monitor-api would have them kept, and `setCredentials` any other's.
import {
  createEnvelope,
  decode,
  type DetectedDocumentValue,
  type EventEnvelope,
  EVENTS,
  type Flow,
  flowKey,
  type RunCompleted,
  type RunFailed,
  RunRequested,
  type RunStarted,
  topicName,
} from '@lnbx/contracts';
import { type LnbSandbox, type LnbSandboxOptions, startLnbSandbox } from '@lnbx/lnb-sandbox';
import { EventPublisher } from '@lnbx/messaging';
import { SecretCipher } from '@lnbx/platform';
import {
  createTestDatabase,
  kafkaBrokers,
  type SpawnedService,
  spawnService,
  type TestDatabase,
  testKafkaEnv,
  uniqueTopicPrefix,
  waitFor,
} from '@lnbx/testing';
import { type Consumer, Kafka, type KafkaMessage, logLevel } from 'kafkajs';
import { randomBytes, randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { credentialsContext, type LnbCredentials } from '../store/lnb-credentials-store';

export type RunOutcome = EventEnvelope<RunCompleted.Value | RunFailed.Value>;

/** A run as the poller answered it: every event of it waited for, whatever topic each travels on. */
export interface RunResult {
  runId: string;
  started: EventEnvelope<RunStarted.Value>;
  outcome: RunOutcome;
  detected: EventEnvelope<DetectedDocumentValue>[];
}

export interface PollerHarnessOptions {
  /** The topic prefix's and the database's label. */
  name: string;
  /** The connection a run is requested for unless told otherwise; the sandbox's default account is its LNB account. */
  connectionId: string;
  /** false: no credentials are stored for `connectionId` at start. Default true. */
  sealCredentials?: boolean;
  /** Registry topics whose dead-letter topic the observer reads into `deadLetters`. */
  deadLetterTopics?: string[];
}

const detectedType = (flow: Flow | undefined) => (flow === 'credit_notes' ? 'CreditNoteDetected' : 'InvoiceDetected');

export class PollerHarness {
  readonly prefix: string;
  readonly connectionId: string;
  /** POLLER_CREDENTIALS_KEY of every poller started: what the stored credentials are sealed with. */
  readonly credentialsKey = randomBytes(32).toString('hex');
  /** Every event published on the prefix, decoded, in the order the observer read them. */
  readonly received: EventEnvelope[] = [];
  readonly deadLetters: KafkaMessage[] = [];
  readonly publisher: EventPublisher;
  /** Every poller started, in order. */
  readonly pollers: SpawnedService[] = [];
  private readonly kafka: Kafka;
  private readonly services: SpawnedService[] = [];
  private consumer?: Consumer;
  private sandbox?: LnbSandbox;
  private database?: TestDatabase;

  constructor(private readonly options: PollerHarnessOptions) {
    this.prefix = uniqueTopicPrefix(options.name);
    this.connectionId = options.connectionId;
    this.kafka = new Kafka({ clientId: `${options.name}-test`, brokers: kafkaBrokers(), logLevel: logLevel.NOTHING });
    this.publisher = new EventPublisher(this.kafka, this.prefix);
  }

  get lnb(): LnbSandbox {
    if (!this.sandbox) throw new Error('start() the harness first');
    return this.sandbox;
  }
  get db(): TestDatabase {
    if (!this.database) throw new Error('start() the harness first');
    return this.database;
  }
  /** The first poller started. */
  get poller(): SpawnedService {
    if (!this.pollers.length) throw new Error('no poller started yet');
    return this.pollers[0];
  }

  /** The sandbox, the database, the topics and the observer; no service yet. */
  async start(sandbox: LnbSandboxOptions): Promise<void> {
    this.sandbox = await startLnbSandbox({ port: 0, ...sandbox });
    this.database = await createTestDatabase(this.options.name);
    this.consumer = this.kafka.consumer({ groupId: `${this.prefix}observer` });
    await this.consumer.connect();
    // The services create their topics at boot; the observer creates what it subscribes to first.
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      await admin.createTopics({
        topics: EVENTS.flatMap((d) => [d.topic, `${d.topic}.dlq`]).map((t) => ({ topic: topicName(this.prefix, t), numPartitions: 3 })),
      });
    } finally {
      await admin.disconnect();
    }
    if (this.options.sealCredentials !== false)
      await this.setCredentials(this.connectionId, { clientId: this.lnb.clientId, clientSecret: this.lnb.clientSecret });
    await this.consumer.subscribe({ topics: EVENTS.map((d) => topicName(this.prefix, d.topic)), fromBeginning: true });
    const dlqs = (this.options.deadLetterTopics ?? []).map((t) => topicName(this.prefix, `${t}.dlq`));
    if (dlqs.length) await this.consumer.subscribe({ topics: dlqs, fromBeginning: true });
    await this.consumer.run({
      eachMessage: async ({ topic, message }) => {
        if (topic.endsWith('.dlq')) return void this.deadLetters.push(message);
        const out = decode(topic.slice(this.prefix.length), message.value);
        if (out.ok) this.received.push(out.envelope);
      },
    });
  }

  /** What every service of the test needs: the database, the broker, the prefix. */
  env(): Record<string, string> {
    return { DATABASE_URL: this.db.url, ...testKafkaEnv(), KAFKA_TOPIC_PREFIX: this.prefix };
  }

  /**
   * Stores `connectionId`'s LNB credentials sealed, as the poller keeps them once monitor-api set them (PUT
   * /internal/connections/:id/lnb-credentials, which checks them with LNB first: the sandbox's accounts pass).
   */
  async setCredentials(connectionId: string, credentials: LnbCredentials): Promise<void> {
    const sealed = SecretCipher.fromText(this.credentialsKey, 'POLLER_CREDENTIALS_KEY').encrypt(JSON.stringify(credentials), credentialsContext(connectionId));
    const c = new Client({ connectionString: this.db.url });
    await c.connect();
    try {
      await c.query(
        `insert into poller.lnb_credentials (connection_id, sealed) values ($1, $2)
         on conflict (connection_id) do update set sealed = excluded.sealed, updated_at = now()`,
        [connectionId, sealed],
      );
    } finally {
      await c.end();
    }
  }

  /** A poller process against the sandbox (the stored credentials' key given), with `extra` settings. */
  async startPoller(extra: Record<string, string> = {}): Promise<SpawnedService> {
    const poller = await this.startService('lnb-poller', {
      LNB_BASE_URL: this.lnb.url,
      POLLER_CREDENTIALS_KEY: this.credentialsKey,
      ...extra,
    });
    this.pollers.push(poller);
    return poller;
  }

  /** Another service on the same database, broker and prefix (the mapper, say); stopped with the harness. */
  async startService(app: string, extra: Record<string, string> = {}): Promise<SpawnedService> {
    const service = await spawnService(app, { ...this.env(), ...extra });
    this.services.push(service);
    return service;
  }

  /**
   * Publishes RunRequested as monitor-api does (an export of invoices, asked by "test", of the harness's connection,
   * unless told otherwise); returns the run id.
   */
  async request(payload: Partial<RunRequested.Value> = {}, connectionId = this.connectionId): Promise<string> {
    const runId = randomUUID();
    const flow = payload.flow ?? 'invoices';
    await this.publisher.publish([
      createEnvelope(
        RunRequested.definition,
        { runId, flow, mode: 'export', trigger: 'manual', requestedBy: 'test', ...payload },
        {
          producer: 'monitor-api',
          connectionId,
          correlationId: runId,
          key: flowKey(connectionId, flow),
        },
      ),
    ]);
    return runId;
  }

  ofRun<T extends object>(runId: string, type: string): EventEnvelope<T>[] {
    return this.received.filter((e) => e.correlationId === runId && e.type === type) as EventEnvelope<T>[];
  }

  /** RunCompleted or RunFailed. */
  outcome(runId: string, { timeoutMs = 30_000 } = {}): Promise<RunOutcome> {
    return waitFor(
      `run ${runId} to end`,
      () => this.received.find((e) => e.correlationId === runId && (e.type === 'RunCompleted' || e.type === 'RunFailed')) as RunOutcome | undefined,
      { timeoutMs },
    );
  }

  /** RunStarted: it travels on a topic of its own, so it may be read after the outcome. */
  started(runId: string): Promise<EventEnvelope<RunStarted.Value>> {
    return waitFor(`run ${runId} to start`, () => this.ofRun<RunStarted.Value>(runId, 'RunStarted')[0]);
  }

  /**
   * The documents a run published: as many as its RunCompleted counts as emitted (none for a failed run),
   * published before its outcome (same outbox, committed earlier) but on other partitions.
   */
  async detected(runId: string, outcome: RunOutcome, flow?: Flow): Promise<EventEnvelope<DetectedDocumentValue>[]> {
    const expected = outcome.type === 'RunCompleted' ? (outcome.payload as RunCompleted.Value).counts.emitted : 0;
    const ofRun = () => this.ofRun<DetectedDocumentValue>(runId, detectedType(flow));
    await waitFor('every detected event of the run', () => ofRun().length >= expected);
    return ofRun();
  }

  /** Requests a run and waits for all of it: its outcome, its documents and its start. */
  async run(payload: Partial<RunRequested.Value> = {}, connectionId = this.connectionId): Promise<RunResult> {
    const runId = await this.request(payload, connectionId);
    const outcome = await this.outcome(runId);
    const detected = await this.detected(runId, outcome, payload.flow);
    return { runId, started: await this.started(runId), outcome, detected };
  }

  /** For afterEach, given `expect.getState()`: on a failed test, what the first poller said last. */
  reportFailure(state: { assertionCalls: number; numPassingAsserts: number }, lines = 40): void {
    if (this.pollers.length && state.assertionCalls > 0 && state.numPassingAsserts < state.assertionCalls) {
      process.stderr.write(
        this.poller.logs
          .slice(-lines)
          .map((l) => JSON.stringify(l))
          .join('\n') + '\n',
      );
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.services.map((s) => s.stop()));
    await this.consumer?.disconnect();
    await this.publisher.close();
    await this.sandbox?.close();
    await this.database?.drop();
  }
}
