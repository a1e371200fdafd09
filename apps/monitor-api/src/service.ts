import { malformedPathProblem } from '@lnbx/http-input';
import { ServiceDefinition } from '@lnbx/messaging';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { AppModule } from './app.module';
import { MonitorConfig } from './config';
import { MonitorValidationPipe } from './http/validation';

function configureHttp(nest: INestApplication, config: MonitorConfig): void {
  const app = nest as NestExpressApplication;
  app.disable('x-powered-by');
  // Bodies are small (a run request, a schedule, selection rules): anything bigger is refused with 413.
  app.useBodyParser('json', { limit: config.bodyLimit });
  app.useBodyParser('urlencoded', { limit: config.bodyLimit, extended: false });
  const origins = config.corsOrigins
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  // Closed unless origins are named: the Integration Center is served from this origin and needs no CORS.
  if (origins.length)
    app.enableCors({
      origin: origins,
      methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
      allowedHeaders: ['content-type', 'x-api-key', 'authorization'],
      maxAge: 600,
    });
  // A bad request gets a 400 naming the parameter or field; unknown fields are refused, not ignored; no
  // parameter or body string holds a control character, no body nests deeper than 32 levels.
  app.useGlobalPipes(new MonitorValidationPipe());
  const doc = new DocumentBuilder()
    .setTitle('LNB to Xero connector: monitor-api')
    .setDescription(
      'Connections, runs, task logs, documents, schedules, selection rules and the Xero connection. Every /api route needs an API key (x-api-key or Authorization: Bearer); reads need a viewer key, triggers and edits an operator key, connections and their keys an admin key. ' +
        "Each route but /api/me and /api/connections acts on one connection: a brand's key (viewer, operator) on its own, never another's (404); the deployment's admin key names it with the connection query parameter. " +
        'Every parameter and body is checked before it is read, and refused with a 400 naming it: no control character (U+0000-U+001F, U+007F-U+009F) or lone surrogate ' +
        'in any parameter or body string, path parameters of at most 256 characters and query parameters of at most 1,000, bodies nested at most 32 levels deep, no field a schema does not list.',
    )
    .setVersion('1')
    .addApiKey({ type: 'apiKey', in: 'header', name: 'x-api-key' }, 'api-key')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'METRICS_TOKEN, for GET /metrics only' }, 'metrics-token')
    .build();
  SwaggerModule.setup('docs', app, () => describeMetrics(closedBodies(SwaggerModule.createDocument(app, doc))), { jsonDocumentUrl: 'docs/openapi.json' });
  // A path that does not decode is refused before routing, naming its parameter (the router's own 400 names only the bytes).
  let templates: string[] | undefined;
  app.use((req: IncomingMessage & { path: string }, res: ServerResponse, next: () => void) => {
    const problem = req.path.includes('%')
      ? malformedPathProblem(req.path, (templates ??= Object.keys(SwaggerModule.createDocument(app, doc).paths)))
      : undefined;
    if (!problem) return next();
    res
      .writeHead(400, { 'content-type': 'application/json; charset=utf-8' })
      .end(JSON.stringify({ statusCode: 400, error: 'Bad Request', message: [problem] }));
  });
}

/** The document says what the validation pipe does: a field a body's schema does not list is refused. */
function closedBodies(document: OpenAPIObject): OpenAPIObject {
  for (const schema of Object.values(document.components?.schemas ?? {})) {
    if ('type' in schema && schema.type === 'object' && schema.additionalProperties === undefined) schema.additionalProperties = false;
  }
  return document;
}

/** GET /metrics (libs/platform's controller) as this service guards it: the deployment's, never a brand's. */
function describeMetrics(document: OpenAPIObject): OpenAPIObject {
  const get = document.paths['/metrics']?.get;
  if (!get) return document;
  get.summary = 'Prometheus metrics of every connection';
  get.description =
    'The series name every connection and its counts, so they are the deployment\'s: send the metrics token ("Authorization: Bearer <METRICS_TOKEN>", ' +
    "what Prometheus sends) or an admin API key. A brand's key (viewer, operator) is a 403, no credentials a 401.";
  get.security = [{ 'metrics-token': [] }, { 'api-key': [] }];
  get.responses = {
    ...get.responses,
    '200': { description: 'Prometheus text exposition format (text/plain; version=0.0.4).' },
    '401': { description: 'No credentials, or a token or key that is not valid.' },
    '403': { description: "A brand's key: the metrics are the deployment's." },
  };
  return document;
}

export const monitorApi: ServiceDefinition<MonitorConfig> = {
  name: 'monitor-api',
  configClass: MonitorConfig,
  module: (config, logger) => AppModule.forRoot(config, logger),
  configure: (app, config) => configureHttp(app, config),
};
