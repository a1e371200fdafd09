import { DynamicModule, Global, Inject, Module, OnApplicationShutdown, Provider } from '@nestjs/common';
import { Admin, Kafka, logLevel as KafkaLogLevel } from 'kafkajs';
import { hostname } from 'node:os';
import { Pool } from 'pg';
import { Registry } from 'prom-client';
import { loadConfig } from './config';
import { HEALTH_CHECKS, HealthCheck, HealthController } from './health';
import { kafkaConnectionOptions } from './kafka-client';
import { JsonLogger } from './logger';
import { createMetricsRegistry, METRICS, MetricsController, MetricsToken } from './metrics';
import { ServiceConfig } from './service-config';

export const CONFIG = Symbol('CONFIG');
export const PG_POOL = Symbol('PG_POOL');
export const KAFKA = Symbol('KAFKA');
export const SERVICE_NAME = Symbol('SERVICE_NAME');
export const KAFKA_ADMIN = Symbol('KAFKA_ADMIN');

export interface PlatformOptions<C extends ServiceConfig> {
  service: string;
  /** The service's config class (a ServiceConfig subclass); read from the environment at boot. */
  configClass: new () => C;
  /** Config already loaded (by main.ts, to fail before Nest starts); else loaded here. */
  config?: C;
  logger?: JsonLogger;
}

/** Bridges kafkajs's own logging into our JSON logs. */
export function kafkaLogCreator(logger: JsonLogger) {
  return () =>
    ({ level, log }: { level: number; log: { message: string } & Record<string, unknown> }) => {
      const { message, timestamp: _t, logger: _l, ...rest } = log;
      const fields = { ...rest, component: 'kafkajs' };
      // kafkajs logs every retried protocol error ("Response Metadata ...") at ERROR; it retries them itself.
      if (message.startsWith('Response ')) logger.debug(message, fields);
      else if (level === KafkaLogLevel.ERROR) logger.error(message, fields);
      else if (level === KafkaLogLevel.WARN) logger.warn(message, fields);
      else if (level === KafkaLogLevel.INFO) logger.debug(message, fields);
    };
}

class PlatformLifecycle implements OnApplicationShutdown {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(KAFKA_ADMIN) private readonly admin: Admin,
  ) {}
  async onApplicationShutdown(): Promise<void> {
    await this.admin.disconnect().catch(() => undefined);
    await this.pool.end().catch(() => undefined);
  }
}

/** Config, JSON logging, Postgres, Kafka, metrics and health for one service. */
@Global()
@Module({})
export class PlatformModule {
  static forRoot<C extends ServiceConfig>(options: PlatformOptions<C>): DynamicModule {
    const config = options.config ?? loadConfig(options.configClass);
    const logger = options.logger ?? new JsonLogger(options.service, config.logLevel);
    const instance = config.instanceId ?? `${hostname()}-${process.pid}`;
    const pool = new Pool({ connectionString: config.databaseUrl, max: 10, application_name: options.service });
    pool.on('error', (err) => logger.error('postgres pool error', { err }));
    const kafka = new Kafka({
      clientId: `${options.service}-${instance}`,
      // Plaintext, or SASL/SCRAM over TLS as the service's own principal (User:<service> unless KAFKA_SASL_USERNAME).
      ...kafkaConnectionOptions(config, options.service),
      logCreator: kafkaLogCreator(logger.child({ component: 'kafkajs' })),
      retry: { retries: 8, initialRetryTime: 200, maxRetryTime: 5000 },
    });
    const admin = kafka.admin();
    const checks: HealthCheck[] = [
      { name: 'postgres', check: async () => void (await pool.query('select 1')) },
      {
        name: 'kafka',
        check: async () => {
          await admin.connect();
          const cluster = await admin.describeCluster();
          if (!cluster.brokers.length) throw new Error('the cluster lists no broker');
        },
      },
    ];
    const providers: Provider[] = [
      { provide: SERVICE_NAME, useValue: options.service },
      { provide: CONFIG, useValue: config },
      { provide: options.configClass, useValue: config },
      { provide: JsonLogger, useValue: logger },
      { provide: PG_POOL, useValue: pool },
      { provide: KAFKA, useValue: kafka },
      { provide: KAFKA_ADMIN, useValue: admin },
      { provide: METRICS, useFactory: (): Registry => createMetricsRegistry(options.service) },
      { provide: MetricsToken, useValue: new MetricsToken(config.metricsToken) },
      { provide: HEALTH_CHECKS, useValue: checks },
      PlatformLifecycle,
    ];
    return {
      module: PlatformModule,
      controllers: [HealthController, MetricsController],
      providers,
      exports: [SERVICE_NAME, CONFIG, options.configClass, JsonLogger, PG_POOL, KAFKA, KAFKA_ADMIN, METRICS, MetricsToken, HEALTH_CHECKS],
    };
  }
}
