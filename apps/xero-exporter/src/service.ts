import { ServiceDefinition } from '@lnbx/messaging';
import type { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module';
import { ExporterConfig } from './config';
import { InputPipe } from './http/input.pipe';

/**
 * Its HTTP is health, metrics and the internal routes monitor-api calls with small JSON bodies (a state, a
 * code): parameters and bodies are checked before any handler reads them.
 */
function configureHttp(nest: INestApplication): void {
  const app = nest as NestExpressApplication;
  app.disable('x-powered-by');
  app.useBodyParser('json', { limit: '16kb' });
  app.useGlobalPipes(new InputPipe());
}

export const xeroExporter: ServiceDefinition<ExporterConfig> = {
  name: 'xero-exporter',
  configClass: ExporterConfig,
  module: (config, logger) => AppModule.forRoot(config, logger),
  configure: (app) => configureHttp(app),
};
