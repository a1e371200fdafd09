import { ServiceDefinition } from '@lnbx/messaging';
import { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { AppModule } from './app.module';
import { MonitorConfig } from './config';
import { MonitorValidationPipe } from './http/validation';

function configureHttp(nest: INestApplication, config: MonitorConfig): void {
  const app = nest as NestExpressApplication;
  app.disable('x-powered-by');
  // Bodies are small (a run request, a schedule, selection rules): anything bigger is refused with 413.
  app.useBodyParser('json', { limit: config.bodyLimit });
  app.useBodyParser('urlencoded', { limit: config.bodyLimit, extended: false });
  const origins = config.corsOrigins.split(',').map((o) => o.trim()).filter(Boolean);
  // Closed unless origins are named: the Integration Center is served from this origin and needs no CORS.
  if (origins.length) app.enableCors({ origin: origins, methods: ['GET', 'POST', 'PUT'], allowedHeaders: ['content-type', 'x-api-key', 'authorization'], maxAge: 600 });
  // A bad request gets a 400 naming the field; unknown fields are refused, not ignored.
  app.useGlobalPipes(new MonitorValidationPipe());
  const doc = new DocumentBuilder()
    .setTitle('LNB to Xero connector: monitor-api')
    .setDescription('Runs, task logs, documents, schedules, selection rules and the Xero connection. Every /api route needs an API key (x-api-key or Authorization: Bearer); reads need a viewer key, triggers and edits an operator key.')
    .setVersion('1')
    .addApiKey({ type: 'apiKey', in: 'header', name: 'x-api-key' }, 'api-key')
    .build();
  SwaggerModule.setup('docs', app, () => SwaggerModule.createDocument(app, doc), { jsonDocumentUrl: 'docs/openapi.json' });
}

export const monitorApi: ServiceDefinition<MonitorConfig> = {
  name: 'monitor-api',
  configClass: MonitorConfig,
  module: (config, logger) => AppModule.forRoot(config, logger),
  configure: (app, config) => configureHttp(app, config),
};
