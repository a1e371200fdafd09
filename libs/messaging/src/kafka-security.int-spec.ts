// Issue 15's threat: anyone who reached the broker could publish a RunRequested and have it run. Against a
// second, secured broker (KAFKA_SECURE=1 tools/kafka/kafka.sh on free ports, deleted afterwards) with the
// topics and ACLs of the admin's setup step: no credentials, no access; a service writes only its own
// topics; and a service's real messaging code works over SASL_SSL as its own principal.
import {
  baseTopic,
  createEnvelope,
  deadLetterTopic,
  encode,
  EventEnvelope,
  InvoiceDetected,
  RunRequested,
  RunStarted,
  type ServiceName,
  topicName,
} from '@lnbx/contracts';
import { JsonLogger, KafkaConfig, kafkaConnectionOptions, loadConfig } from '@lnbx/platform';
import { createTestDatabase, spawnService, type SpawnedService, type TestDatabase, uniqueTopicPrefix, waitFor } from '@lnbx/testing';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import * as path from 'node:path';
import {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  Kafka,
  KafkaMessage,
  logLevel,
  ResourcePatternTypes,
  type KafkaConfig as KafkajsConfig,
} from 'kafkajs';
import { setUpKafka } from './kafka-setup';
import { EventPublisher } from './publisher';
import { KafkaEventContext, KafkaEventTransport } from './transport';

const root = path.resolve(__dirname, '../../..');
const REQUESTED = RunRequested.definition.topic;
const STARTED = RunStarted.definition.topic;
const INVOICES = InvoiceDetected.definition.topic;

/** Two free TCP ports in a row (client and controller listeners), so runs on one machine never meet. */
async function freePortPair(): Promise<number> {
  const taken = (port: number) =>
    new Promise<boolean>((resolve) => {
      const server = createServer()
        .once('error', () => resolve(true))
        .listen(port, '127.0.0.1', () => server.close(() => resolve(false)));
    });
  for (;;) {
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port: p } = server.address() as { port: number };
        server.close(() => resolve(p));
      });
    });
    if (port < 65535 && !(await taken(port + 1))) return port;
  }
}

function kafkaSh(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [path.join(root, 'tools/kafka/kafka.sh'), ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`kafka.sh ${args.join(' ')} exited ${code}:\n${err.slice(-3000)}`))));
  });
}

/** Every kafkajs error type and message along an error's causes. */
function errorChain(err: unknown): string[] {
  const out: string[] = [];
  const seen = new Set<unknown>();
  const walk = (e: unknown): void => {
    if (!e || typeof e !== 'object' || seen.has(e)) return;
    seen.add(e);
    const x = e as { type?: unknown; name?: unknown; message?: unknown; cause?: unknown; originalError?: unknown; errors?: unknown[] };
    out.push([x.name, x.type, x.message].filter(Boolean).join(': '));
    walk(x.cause);
    walk(x.originalError);
    (x.errors ?? []).forEach(walk);
  };
  walk(err);
  return out;
}

/** 'succeeded', or the error chain of the refusal, so an assertion shows what the broker said. */
const failureOf = (work: Promise<unknown>): Promise<string> =>
  work.then(
    () => 'succeeded',
    (err: unknown) => errorChain(err).join(' <- '),
  );

function aRunRequested(runId: string): EventEnvelope<RunRequested.Value> {
  return createEnvelope(
    RunRequested.definition,
    { runId, flow: 'invoices', mode: 'export', trigger: 'manual', requestedBy: 'operator@acme' },
    {
      producer: 'monitor-api',
      connectionId: 'acme',
      correlationId: runId,
      key: 'acme:invoices',
    },
  );
}

describe('Kafka secured: SASL/SCRAM over TLS, one principal per service, ACLs from the registry', () => {
  const prefix = uniqueTopicPrefix('secured');
  const logger = new JsonLogger('kafka-security-test', 'error', () => undefined);
  let scriptEnv: NodeJS.ProcessEnv;
  let brokers: string;
  let started = false;
  const clients: { disconnect(): Promise<void> }[] = [];
  const publishers: EventPublisher[] = [];
  let transport: KafkaEventTransport | undefined;
  const deadLetters: { topic: string; message: KafkaMessage }[] = [];
  const deadLetterOf = (topic: string, group: string) =>
    waitFor(`a dead letter from ${topic} by ${group}`, () =>
      deadLetters.find((d) => d.topic === deadLetterTopic(topic) && d.message.headers?.['x-consumer-group']?.toString() === `${prefix}${group}`),
    );

  let service: SpawnedService | undefined;
  let db: TestDatabase | undefined;

  /** A principal's settings as kafka.sh gives them: brokers, sasl_ssl, its user, the paths of its password and the CA. */
  async function envOf(principal: ServiceName | 'admin'): Promise<Record<string, string>> {
    const lines = await kafkaSh(['env', principal], scriptEnv);
    return Object.fromEntries(
      lines
        .trim()
        .split('\n')
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
  }
  /** The kafkajs options of a principal, through the services' own config class and builder. */
  const optionsOf = async (principal: ServiceName | 'admin'): Promise<Pick<KafkajsConfig, 'brokers' | 'ssl' | 'sasl'>> =>
    kafkaConnectionOptions(loadConfig(KafkaConfig, await envOf(principal)));
  const kafkaAs = async (principal: ServiceName | 'admin'): Promise<Kafka> =>
    new Kafka({
      clientId: `secured-test-${principal}`,
      ...(await optionsOf(principal)),
      logLevel: logLevel.NOTHING,
      retry: { retries: 2, initialRetryTime: 100 },
    });
  /** A client that fails fast: refusals are what these tests wait for. */
  const brief = (extra: Partial<KafkajsConfig>): Kafka =>
    new Kafka({
      clientId: 'secured-test-intruder',
      brokers: brokers.split(','),
      logLevel: logLevel.NOTHING,
      connectionTimeout: 3000,
      retry: { retries: 1, initialRetryTime: 100 },
      ...extra,
    });
  const tracked = <T extends { disconnect(): Promise<void> }>(c: T): T => (clients.push(c), c);

  beforeAll(async () => {
    const port = await freePortPair();
    brokers = `127.0.0.1:${port}`;
    // Topics and ACLs are made below for this run's prefix, by the same function the setup step runs.
    scriptEnv = { ...process.env, KAFKA_SECURE: '1', KAFKA_PORT: String(port), KAFKA_SETUP: '0', KAFKA_HEAP: '384m' };
    started = true;
    await kafkaSh(['start'], scriptEnv);
    const admin = tracked((await kafkaAs('admin')).admin());
    await setUpKafka(admin, { prefix });
    // monitor-api reads every dead-letter topic, in its one dead-letter group.
    const dlqReader = tracked((await kafkaAs('monitor-api')).consumer({ groupId: `${prefix}monitor-api.dlq`, maxWaitTimeInMs: 100 }));
    await dlqReader.connect();
    await dlqReader.subscribe({ topics: [REQUESTED, INVOICES].map((t) => topicName(prefix, deadLetterTopic(t))), fromBeginning: true });
    await dlqReader.run({ eachMessage: async ({ topic, message }) => void deadLetters.push({ topic: baseTopic(prefix, topic), message }) });
  }, 240_000); // A JVM that formats and starts: 20 to 40 s here, far more on a machine others load.

  afterAll(async () => {
    await service?.stop();
    await db?.drop();
    await transport?.close();
    await Promise.all(publishers.map((p) => p.close()));
    await Promise.all(clients.map((c) => c.disconnect().catch(() => undefined)));
    // Stops the broker this test started and deletes its data; the cached CA and passwords stay.
    if (started) await kafkaSh(['reset'], scriptEnv);
  });

  it('refuses a client without credentials (TLS only, or plaintext) and one with a wrong password: it can neither produce nor consume', async () => {
    const { ssl } = await optionsOf('mapper');
    const forge = (kafka: Kafka) =>
      failureOf(
        (async () => {
          const producer = tracked(kafka.producer());
          await producer.connect();
          await producer.send({ topic: topicName(prefix, REQUESTED), messages: [{ key: 'acme:invoices', value: encode(aRunRequested('forged')) }] });
        })(),
      );
    const read = (kafka: Kafka) =>
      failureOf(
        (async () => {
          const consumer = tracked(kafka.consumer({ groupId: `${prefix}lnb-poller` }));
          await consumer.connect();
          await consumer.subscribe({ topic: topicName(prefix, REQUESTED), fromBeginning: true });
        })(),
      );
    // Over TLS without SASL the broker closes the connection at the first request past the handshake.
    const anonymous = brief({ ssl });
    expect(await forge(anonymous)).toMatch(/KafkaJSConnectionClosedError: Closed connection/);
    expect(await read(anonymous)).toMatch(/KafkaJSConnectionClosedError: Closed connection/);
    const plaintext = brief({});
    expect(await forge(plaintext)).toMatch(/KafkaJSConnectionClosedError: Closed connection/);
    expect(await read(plaintext)).toMatch(/KafkaJSConnectionClosedError: Closed connection/);
    const guessed = brief({ ssl, sasl: { mechanism: 'scram-sha-512', username: 'lnb-poller', password: 'guessed' } });
    expect(await forge(guessed)).toMatch(/KafkaJSSASLAuthenticationError.*invalid credentials/);
    expect(await read(guessed)).toMatch(/KafkaJSSASLAuthenticationError.*invalid credentials/);
  });

  it('refuses a RunRequested forged by the mapper, and the poller writing a command topic of monitor-api', async () => {
    const mapper = new EventPublisher(await kafkaAs('mapper'), prefix);
    publishers.push(mapper);
    expect(await failureOf(mapper.publish([aRunRequested('forged-by-mapper')]))).toMatch(/KafkaJSProtocolError: TOPIC_AUTHORIZATION_FAILED/);

    const poller = await kafkaAs('lnb-poller');
    const pollerRaw = new EventPublisher(poller, prefix);
    publishers.push(pollerRaw);
    for (const topic of ['xero.allocation.check-requested.v1', 'lnb.schedule.change-requested.v1', 'mapper.document.mapped.v1']) {
      expect(await failureOf(pollerRaw.sendRaw(topicName(prefix, topic), [{ key: 'acme:x', value: '{}' }]))).toMatch(
        /KafkaJSProtocolError: TOPIC_AUTHORIZATION_FAILED/,
      );
    }
    // Nor may it use another service's consumer group (kafkajs reports the refusal as no coordinator), or create a topic.
    const admin = tracked(poller.admin());
    expect(await failureOf(admin.fetchOffsets({ groupId: `${prefix}lnb-poller`, topics: [topicName(prefix, REQUESTED)] }))).toBe('succeeded');
    expect(await failureOf(admin.fetchOffsets({ groupId: `${prefix}mapper`, topics: [topicName(prefix, REQUESTED)] }))).toMatch(
      /KafkaJSGroupCoordinatorNotFound/,
    );
    expect(await failureOf(admin.createTopics({ topics: [{ topic: `${prefix}intruder.v1` }] }))).toMatch(/KafkaJSCreateTopicError: TOPIC_AUTHORIZATION_FAILED/);
  });

  it("lets each service produce and consume its own topics through the project's transport and publisher over SASL_SSL", async () => {
    const [monitorKafka, pollerKafka] = [await kafkaAs('monitor-api'), await kafkaAs('lnb-poller')];
    const monitor = new EventPublisher(monitorKafka, prefix);
    const poller = new EventPublisher(pollerKafka, prefix);
    publishers.push(monitor, poller);

    const handled: string[] = [];
    transport = new KafkaEventTransport({
      kafka: pollerKafka,
      groupId: `${prefix}lnb-poller`,
      topicPrefix: prefix,
      logger,
      publisher: poller,
      service: 'lnb-poller',
      createTopics: false,
      maxAttempts: 2,
      retryBaseMs: 20,
    });
    transport.addHandler(
      REQUESTED,
      async (env: EventEnvelope<RunRequested.Value>, _ctx: KafkaEventContext) => {
        handled.push(env.payload.runId);
        await poller.publish([
          createEnvelope(
            RunStarted.definition,
            {
              runId: env.payload.runId,
              flow: env.payload.flow,
              mode: env.payload.mode,
              trigger: env.payload.trigger,
              requestedBy: env.payload.requestedBy,
              startedAt: new Date().toISOString(),
            },
            {
              producer: 'lnb-poller',
              connectionId: env.connectionId,
              correlationId: env.correlationId,
              causationId: env.eventId,
              key: env.key,
            },
          ),
        ]);
      },
      true,
    );
    await new Promise<void>((resolve, reject) => transport!.listen((err?: unknown) => (err ? reject(err) : resolve())));

    // monitor-api reads every topic, in its own group.
    const seen: { topic: string; message: KafkaMessage }[] = [];
    const reader = tracked(monitorKafka.consumer({ groupId: `${prefix}monitor-api`, maxWaitTimeInMs: 100 }));
    await reader.connect();
    await reader.subscribe({ topic: topicName(prefix, STARTED), fromBeginning: true });
    await reader.run({ eachMessage: async ({ topic, message }) => void seen.push({ topic, message }) });

    await monitor.publish([aRunRequested('run-1')]);
    await monitor.sendRaw(topicName(prefix, REQUESTED), [
      { key: 'acme:invoices', value: encode(aRunRequested('run-2')) },
      { key: 'acme:invoices', value: '{"not an envelope' },
    ]);

    const started = await waitFor('RunStarted of both runs, written by the poller', () => {
      const runs = seen.filter((s) => s.topic === topicName(prefix, STARTED)).map((s) => JSON.parse(String(s.message.value)).payload.runId);
      return runs.length >= 2 && runs;
    });
    expect(started.sort()).toEqual(['run-1', 'run-2']);
    expect(handled.sort()).toEqual(['run-1', 'run-2']);
    const dead = await deadLetterOf(REQUESTED, 'lnb-poller');
    expect(String(dead.message.value)).toBe('{"not an envelope');
  });

  it('runs a whole service as its own principal: the mapper starts without creating a topic, is ready, and dead-letters what it refuses', async () => {
    db = await createTestDatabase('secured');
    const { KAFKA_BROKERS, ...credentials } = await envOf('mapper');
    service = await spawnService('mapper', { ...credentials, KAFKA_BROKERS, KAFKA_SASL_USERNAME: '', DATABASE_URL: db.url, KAFKA_TOPIC_PREFIX: prefix });
    expect(service.logs.find((l) => l.msg === 'service started')).toMatchObject({ kafka: { security: 'sasl_ssl', principal: 'User:mapper' } });
    expect(service.logs.some((l) => /PLAINTEXT/.test(String(l.msg)))).toBe(false);
    expect((await fetch(`${service.url}/health/ready`)).status).toBe(200);

    const poller = new EventPublisher(await kafkaAs('lnb-poller'), prefix);
    publishers.push(poller);
    await poller.sendRaw(topicName(prefix, INVOICES), [{ key: 'acme:invoice:X', value: '{"half an invoice' }]);
    const letter = await deadLetterOf(INVOICES, 'mapper');
    expect(String(letter.message.value)).toBe('{"half an invoice');
    expect(letter.message.headers?.['x-dlq-code']?.toString()).toBe('CONTRACT.NOT_JSON');
  });

  it('the setup step is idempotent and takes back an ACL the plan does not hold', async () => {
    const admin = tracked((await kafkaAs('admin')).admin());
    const extra = {
      resourceType: AclResourceTypes.TOPIC,
      resourceName: topicName(prefix, REQUESTED),
      resourcePatternType: ResourcePatternTypes.LITERAL,
      principal: 'User:mapper',
      host: '*',
      operation: AclOperationTypes.WRITE,
      permissionType: AclPermissionTypes.ALLOW,
    };
    await admin.createAcls({ acl: [extra] });
    const again = await setUpKafka(admin, { prefix });
    expect(again.revoked).toEqual([{ principal: 'User:mapper', resourceType: 'topic', name: topicName(prefix, REQUESTED), operation: 'WRITE' }]);
    expect((await setUpKafka(admin, { prefix })).revoked).toEqual([]);
  });
});
