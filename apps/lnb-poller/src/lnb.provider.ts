import { LnbClient } from '@lnbx/lnb-client';
import { JsonLogger } from '@lnbx/platform';
import type { Provider } from '@nestjs/common';
import { PollerConfig } from './config';

/** The LNB client, built once from the config, logging through our (redacting) logger. */
export const lnbClientProvider: Provider = {
  provide: LnbClient,
  inject: [PollerConfig, JsonLogger],
  useFactory: (config: PollerConfig, logger: JsonLogger) => {
    const log = logger.child({ component: 'lnb-client' });
    return new LnbClient({
      baseUrl: config.lnbBaseUrl,
      clientId: config.lnbClientId,
      clientSecret: config.lnbClientSecret,
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
    });
  },
};
