import { LnbClient } from '@lnbx/lnb-client';
import { JsonLogger } from '@lnbx/platform';
import type { Provider } from '@nestjs/common';
import { PollerConfig } from './config';

/** The LNB client, built once from the config, logging through our (redacting) logger. */
export const lnbClientProvider: Provider = {
  provide: LnbClient,
  inject: [PollerConfig, JsonLogger],
  useFactory: (config: PollerConfig, logger: JsonLogger) =>
    new LnbClient({
      baseUrl: config.lnbBaseUrl,
      clientId: config.lnbClientId,
      clientSecret: config.lnbClientSecret,
      timeoutMs: config.lnbTimeoutMs,
      retry: { maxAttempts: config.lnbMaxAttempts, baseDelayMs: config.lnbRetryBaseMs, maxDelayMs: Math.max(config.lnbRetryBaseMs, 10_000) },
      logger: logger.child({ component: 'lnb-client' }),
    }),
};
