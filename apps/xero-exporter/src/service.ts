import { ServiceDefinition } from '@lnbx/messaging';
import type { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module';
import { ExporterConfig } from './config';
import { InputPipe } from './http/input.pipe';

/** Its HTTP takes no body (health, metrics, the consent pages): parameters are checked before any handler reads them. */
function configureHttp(nest: INestApplication): void {
  const app = nest as NestExpressApplication;
  app.disable('x-powered-by');
  app.useGlobalPipes(new InputPipe());
}

export const xeroExporter: ServiceDefinition<ExporterConfig> = {
  name: 'xero-exporter',
  configClass: ExporterConfig,
  module: (config, logger) => AppModule.forRoot(config, logger),
  configure: (app) => configureHttp(app),
};
