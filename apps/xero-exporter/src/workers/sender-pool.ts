// The sender's own database pool: each unit of work holds one connection for its whole length (its
// documents' rows and a rate slot stay locked while Xero answers), so units get a pool of their own and
// never starve the consumer, the relay or the HTTP API of the service's main pool.
import { JsonLogger } from '@lnbx/platform';
import { Inject, Injectable, OnApplicationShutdown, type Provider } from '@nestjs/common';
import { Pool } from 'pg';
import { ExporterConfig } from '../config';

export const SENDER_POOL = Symbol('SENDER_POOL');

export const senderPoolProvider: Provider = {
  provide: SENDER_POOL,
  inject: [ExporterConfig, JsonLogger],
  useFactory: (config: ExporterConfig, logger: JsonLogger): Pool => {
    // One connection per unit: at least one organisation's concurrent limit and a few spare for the reference
    // data; more for many organisations at once (XERO_SENDER_CONNECTIONS). Idle ones close after 10 s.
    const max = Math.max(config.xeroSenderConnections, config.xeroLimitConcurrent + 2);
    const pool = new Pool({ connectionString: config.databaseUrl, max, idleTimeoutMillis: 10_000, application_name: 'xero-exporter-sender' });
    const log = logger.child({ component: 'exporter' });
    pool.on('error', (err) => log.error('postgres sender pool error', { err }));
    return pool;
  },
};

/** Closed after the workers stopped (they stop before shutdown; this runs at shutdown), so no unit loses its connection. */
@Injectable()
export class SenderPoolLifecycle implements OnApplicationShutdown {
  constructor(@Inject(SENDER_POOL) private readonly pool: Pool) {}
  async onApplicationShutdown(): Promise<void> {
    await this.pool.end().catch(() => undefined);
  }
}
