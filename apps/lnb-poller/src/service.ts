import { ServiceDefinition } from '@lnbx/messaging';
import { AppModule } from './app.module';
import { PollerConfig } from './config';

export const lnbPoller: ServiceDefinition<PollerConfig> = {
  name: 'lnb-poller',
  configClass: PollerConfig,
  module: (config, logger) => AppModule.forRoot(config, logger),
};
