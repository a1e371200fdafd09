import { ServiceDefinition } from '@lnbx/messaging';
import { AppModule } from './app.module';
import { MapperConfig } from './config';

export const mapper: ServiceDefinition<MapperConfig> = {
  name: 'mapper',
  configClass: MapperConfig,
  module: (config, logger) => AppModule.forRoot(config, logger),
};
