import { CodedError } from '@lnbx/contracts';
import { LnbClient, type LnbClientOptions, type LnbRequestEvent } from '@lnbx/lnb-client';
import { JsonLogger, METRICS, PG_POOL } from '@lnbx/platform';
import type { Provider } from '@nestjs/common';
import type { Pool } from 'pg';
import { Counter, Registry } from 'prom-client';
import { PollerConfig } from '../config';
import type { BudgetPolicy } from '../domain/budget';
import { PostgresBudgetStore } from '../store/budget-store';
import { LnbCredentialsStore } from '../store/lnb-credentials-store';
import { LnbBudget, type LnbBudgetOptions } from './lnb-budget';

/**
 * Each connection's share of its own LNB budget in this process, made the first time one of its runs asks LNB
 * anything: each bucket is its connection's row of poller.lnb_budget, shared by every instance, so a brand's
 * runs (and a 429 its LNB account answered) never spend or pause another's.
 */
export class LnbBudgets {
  private readonly budgets = new Map<string, LnbBudget>();

  constructor(
    private readonly pool: Pool,
    private readonly policy: BudgetPolicy,
    private readonly options: Omit<LnbBudgetOptions, 'onWaited'> & { onWaited?: (connectionId: string, ms: number) => void } = {},
  ) {}

  of(connectionId: string): LnbBudget {
    let budget = this.budgets.get(connectionId);
    if (!budget) {
      const { onWaited, ...options } = this.options;
      budget = new LnbBudget(new PostgresBudgetStore(this.pool, connectionId, this.policy), this.policy, {
        ...options,
        ...(onWaited ? { onWaited: (ms: number) => onWaited(connectionId, ms) } : {}),
      });
      this.budgets.set(connectionId, budget);
    }
    return budget;
  }
}

export const lnbBudgetsProvider: Provider = {
  provide: LnbBudgets,
  inject: [PG_POOL, PollerConfig, JsonLogger, METRICS],
  useFactory: (pool: Pool, config: PollerConfig, logger: JsonLogger, metrics: Registry) => {
    const policy = { perMinute: config.lnbRequestsPerMinute, burst: config.lnbRequestBurst };
    const log = logger.child({ component: 'lnb-budget' });
    const waited = new Counter({
      name: 'lnbx_lnb_budget_wait_seconds_total',
      help: "Time LNB requests waited for their connection's budget (or a 429 pause), by connection.",
      labelNames: ['connection'],
      registers: [metrics],
    });
    return new LnbBudgets(pool, policy, {
      onError: (err) => log.warn('the LNB budget could not be read or written', { err }),
      onWaited: (connection, ms) => waited.inc({ connection }, ms / 1000),
    });
  },
};

/** What every client shares: where LNB is, how long to wait and retry; a client's credentials and budget are its own. */
export type LnbClientDefaults = Omit<LnbClientOptions, 'onRequest' | 'clientId' | 'clientSecret' | 'gate'>;

/**
 * LNB clients, one per run: its own token, connections and short memory of orders (nothing cached by
 * an earlier run hides a change made in LNB since), and its own count of the requests it sent (the run's
 * RunCompleted says how many). Each client spends its connection's budget, with its connection's credentials.
 */
export class LnbClients {
  constructor(
    private readonly options: LnbClientDefaults,
    /** Hears of every request sent, with the connection it was sent for. */
    private readonly onRequest: (event: LnbRequestEvent, connectionId: string) => void,
    /** The connections' credentials set through monitor-api (the only ones a run uses). */
    private readonly credentials: Pick<LnbCredentialsStore, 'configured' | 'load'>,
    private readonly budgets: Pick<LnbBudgets, 'of'>,
  ) {}

  /**
   * A client for credentials to check before they are kept (PUT /internal/connections/:id/lnb-credentials):
   * outside every budget (they are not kept yet), tried twice at most so the caller hears back within its timeout.
   */
  forCredentials(connectionId: string, { clientId, clientSecret }: { clientId: string; clientSecret: string }): LnbClient {
    const retry = { ...this.options.retry, maxAttempts: Math.min(2, this.options.retry.maxAttempts) };
    return new LnbClient({ ...this.options, clientId, clientSecret, retry, onRequest: (event) => this.onRequest(event, connectionId) });
  }

  /**
   * A client for one run of `connectionId`, with the credentials last set for it (read at each run: a change takes
   * effect at the next run, without a restart) and its budget; `count` hears of each request it sends. Close it at
   * the end of the run. A connection with none set fails the run (POLLER.NO_LNB_CREDENTIALS): no other credentials
   * are tried, so a brand never reads another's LNB account. Stored credentials that cannot be opened fail it too.
   */
  async forRun(connectionId: string, count: (event: LnbRequestEvent) => void): Promise<LnbClient> {
    const stored = this.credentials.configured ? await this.credentials.load(connectionId) : null;
    if (!stored) {
      const how = this.credentials.configured
        ? `set them in the Integration Center (PUT /api/connections/${connectionId}/lnb-credentials)`
        : `this poller has no POLLER_CREDENTIALS_KEY, so it keeps none: set the key, then set them in the Integration Center (PUT /api/connections/${connectionId}/lnb-credentials)`;
      throw new CodedError('POLLER.NO_LNB_CREDENTIALS', `No LNB credentials are set for connection ${connectionId}: ${how}.`);
    }
    return new LnbClient({
      ...this.options,
      clientId: stored.clientId,
      clientSecret: stored.clientSecret,
      gate: this.budgets.of(connectionId),
      onRequest: (event) => {
        this.onRequest(event, connectionId);
        count(event);
      },
    });
  }
}

/** The clients' settings from the config, logging through our (redacting) logger. */
export const lnbClientsProvider: Provider = {
  provide: LnbClients,
  inject: [PollerConfig, JsonLogger, LnbBudgets, METRICS, LnbCredentialsStore],
  useFactory: (config: PollerConfig, logger: JsonLogger, budgets: LnbBudgets, metrics: Registry, credentials: LnbCredentialsStore) => {
    const log = logger.child({ component: 'lnb-client' });
    const requests = new Counter({
      name: 'lnbx_lnb_requests_total',
      help: 'Requests sent to LNB, by connection, route and HTTP status (0: no answer).',
      labelNames: ['connection', 'route', 'status'],
      registers: [metrics],
    });
    return new LnbClients(
      {
        baseUrl: config.lnbBaseUrl,
        timeoutMs: config.lnbTimeoutMs,
        retry: { maxAttempts: config.lnbMaxAttempts, baseDelayMs: config.lnbRetryBaseMs, maxDelayMs: Math.max(config.lnbRetryBaseMs, 10_000) },
        // An order is invoiced once, or a few times in a row (partial deliveries): a short memory of
        // orders serves those, where 1,000 kept every order of the last pages alive for nothing.
        cache: { maxOrders: 100 },
        // Without debug the client does not even write its per-request lines (a run makes 100,000s).
        logger: {
          log: (message) => log.log(message),
          warn: (message) => log.warn(message),
          error: (message) => log.error(message),
          ...(log.enabled('debug') ? { debug: (message: string) => log.debug(message) } : {}),
        },
      },
      (event, connection) => requests.inc({ connection, route: `${event.method} ${event.route}`, status: String(event.status) }),
      credentials,
      budgets,
    );
  },
};
