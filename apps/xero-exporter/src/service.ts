import { ServiceDefinition } from '@lnbx/messaging';
import { AppModule } from './app.module';
import { ExporterConfig } from './config';

export const xeroExporter: ServiceDefinition<ExporterConfig> = {
  name: 'xero-exporter',
  configClass: ExporterConfig,
  module: (config, logger) => AppModule.forRoot(config, logger),
};
