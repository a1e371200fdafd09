// Every service's Prometheus registry and its GET /metrics. The series name every connection and its counts, so
// they are the deployment's, never a brand's: /metrics asks for METRICS_TOKEN ("Authorization: Bearer <token>",
// what Prometheus sends) when the service has one; without one it is open, which only the internal services'
// ports (never published) may be. monitor-api, the port people reach, decides for itself first (its guard also
// takes an admin API key, and refuses a brand's key) and admits the request here (admitToMetrics).
import { CanActivate, Controller, ExecutionContext, Get, Header, Inject, Injectable, UnauthorizedException, UseGuards } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import { collectDefaultMetrics, Registry } from 'prom-client';

export const METRICS = Symbol('METRICS');

/** One registry per service, with Node's default metrics and a `service` label on every series. */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry, prefix: 'lnbx_' });
  return registry;
}

type Headers = Record<string, string | string[] | undefined>;

/** Hashed first, so the comparison takes as long whatever the length of what was sent. */
const digest = (token: string): Buffer => createHash('sha256').update(token).digest();

/** METRICS_TOKEN, compared in constant time with the bearer token a request sends. */
export class MetricsToken {
  private readonly expected?: Buffer;

  constructor(token: string | undefined) {
    this.expected = token ? digest(token) : undefined;
  }

  get configured(): boolean {
    return this.expected !== undefined;
  }

  /** Whether the request sends "Authorization: Bearer <METRICS_TOKEN>" (never, when there is none). */
  sentWith(headers: Headers): boolean {
    const header = headers.authorization;
    const sent = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] : undefined;
    return this.expected !== undefined && sent !== undefined && timingSafeEqual(digest(sent), this.expected);
  }
}

const ADMITTED = Symbol('admitted to /metrics');
type Request = { headers: Headers; [ADMITTED]?: boolean };

/** For an app's own guard, which runs before MetricsGuard (a global guard runs before a controller's): this request may read /metrics. */
export function admitToMetrics(req: object): void {
  (req as Request)[ADMITTED] = true;
}

/** Says what to send, never what the token is nor how close a guess came. */
const REFUSED = 'The metrics need the metrics token: send it as "Authorization: Bearer <METRICS_TOKEN>".';

@Injectable()
export class MetricsGuard implements CanActivate {
  constructor(private readonly token: MetricsToken) {}

  canActivate(ctx: ExecutionContext): boolean {
    const req = ctx.switchToHttp().getRequest<Request>();
    if (req[ADMITTED] || !this.token.configured || this.token.sentWith(req.headers)) return true;
    throw new UnauthorizedException(REFUSED);
  }
}

@Controller()
@UseGuards(MetricsGuard)
export class MetricsController {
  constructor(@Inject(METRICS) private readonly registry: Registry) {}

  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  async metrics(): Promise<string> {
    return this.registry.metrics();
  }
}
