import { LnbClient, type LnbClientOptions, type LnbRequestEvent } from '@lnbx/lnb-client';
import { JsonLogger, METRICS, PG_POOL } from '@lnbx/platform';
import type { Provider } from '@nestjs/common';
import type { Pool } from 'pg';
import { Counter, Registry } from 'prom-client';
import { PollerConfig } from '../config';
import { PostgresBudgetStore } from '../store/budget-store';
import { LnbCredentialsStore } from '../store/lnb-credentials-store';
import { LnbBudget } from './lnb-budget';

/** The connection's share of its LNB budget in this process; the bucket itself is in Postgres, shared. */
export const lnbBudgetProvider: Provider = {
  provide: LnbBudget,
  inject: [PG_POOL, PollerConfig, JsonLogger, METRICS],
  useFactory: (pool: Pool, config: PollerConfig, logger: JsonLogger, metrics: Registry) => {
    const policy = { perMinute: config.lnbRequestsPerMinute, burst: config.lnbRequestBurst };
    const log = logger.child({ component: 'lnb-budget' });
    const waited = new Counter({
      name: 'lnbx_lnb_budget_wait_seconds_total',
      help: 'Time LNB requests waited for the connection budget (or a 429 pause).',
      registers: [metrics],
    });
    return new LnbBudget(new PostgresBudgetStore(pool, config.connectionId, policy), policy, {
      onError: (err) => log.warn('the LNB budget could not be read or written', { err }),
      onWaited: (ms) => waited.inc(ms / 1000),
    });
  },
};

/**
 * LNB clients, one per run: its own token, connections and short memory of orders (nothing cached by
 * an earlier run hides a change made in LNB since), and its own count of the requests it sent (the run's
 * RunCompleted says how many). Every client spends the one shared budget.
 */
export class LnbClients {
  constructor(
    private readonly options: Omit<LnbClientOptions, 'onRequest'>,
    private readonly onRequest: (event: LnbRequestEvent) => void,
    /** The connections' credentials set through monitor-api; absent (or none set) the configured ones are used. */
    private readonly credentials?: Pick<LnbCredentialsStore, 'configured' | 'load'>,
  ) {}

  /**
   * A client for another connection's credentials, to check them before they are kept (PUT
   * /internal/connections/:id/lnb-credentials): outside this deployment's budget (it is another LNB account),
   * tried twice at most so the caller hears back within its timeout.
   */
  forCredentials({ clientId, clientSecret }: { clientId: string; clientSecret: string }): LnbClient {
    const retry = { ...this.options.retry, maxAttempts: Math.min(2, this.options.retry.maxAttempts) };
    return new LnbClient({ ...this.options, gate: undefined, clientId, clientSecret, retry, onRequest: this.onRequest });
  }

  /**
   * A client for one run of `connectionId`, with its credentials as last set (read at each run: a change takes
   * effect at the next run, without a restart), else LNB_CLIENT_ID's; `count` hears of each request it sends.
   * Close it at the end of the run. Stored credentials that cannot be opened fail the run, saying why.
   */
  async forRun(connectionId: string, count: (event: LnbRequestEvent) => void): Promise<LnbClient> {
    const stored = this.credentials?.configured ? await this.credentials.load(connectionId) : null;
    return new LnbClient({
      ...this.options,
      ...(stored ? { clientId: stored.clientId, clientSecret: stored.clientSecret } : {}),
      onRequest: (event) => {
        this.onRequest(event);
        count(event);
      },
    });
  }
}

/** The clients' settings from the config, logging through our (redacting) logger. */
export const lnbClientsProvider: Provider = {
  provide: LnbClients,
  inject: [PollerConfig, JsonLogger, LnbBudget, METRICS, LnbCredentialsStore],
  useFactory: (config: PollerConfig, logger: JsonLogger, budget: LnbBudget, metrics: Registry, credentials: LnbCredentialsStore) => {
    const log = logger.child({ component: 'lnb-client' });
    const requests = new Counter({
      name: 'lnbx_lnb_requests_total',
      help: 'Requests sent to LNB, by route and HTTP status (0: no answer).',
      labelNames: ['route', 'status'],
      registers: [metrics],
    });
    return new LnbClients(
      {
        baseUrl: config.lnbBaseUrl,
        clientId: config.lnbClientId,
        clientSecret: config.lnbClientSecret,
        timeoutMs: config.lnbTimeoutMs,
        retry: { maxAttempts: config.lnbMaxAttempts, baseDelayMs: config.lnbRetryBaseMs, maxDelayMs: Math.max(config.lnbRetryBaseMs, 10_000) },
        // An order is invoiced once, or a few times in a row (partial deliveries): a short memory of
        // orders serves those, where 1,000 kept every order of the last pages alive for nothing.
        cache: { maxOrders: 100 },
        gate: budget,
        // Without debug the client does not even write its per-request lines (a run makes 100,000s).
        logger: {
          log: (message) => log.log(message),
          warn: (message) => log.warn(message),
          error: (message) => log.error(message),
          ...(log.enabled('debug') ? { debug: (message: string) => log.debug(message) } : {}),
        },
      },
      (event) => requests.inc({ route: `${event.method} ${event.route}`, status: String(event.status) }),
      credentials,
    );
  },
};
