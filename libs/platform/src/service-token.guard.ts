// An HTTP port that faces other services, never people (the exporter's, the poller's): /health answers anyone
// (the orchestrator's probes), /metrics whoever MetricsGuard lets in (METRICS_TOKEN when set: Prometheus);
// everything else needs the service token the caller (monitor-api) sends, compared in constant time.
import { CanActivate, ExecutionContext, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import { HealthController } from './health';
import { MetricsController } from './metrics';

/** The expected token (string), or undefined when the service has none: then nothing but health and metrics is served. */
export const SERVICE_TOKEN = Symbol('ServiceToken');

/** Hashed first, so the comparison takes as long whatever the length of what was sent. */
const digest = (token: string): Buffer => createHash('sha256').update(token).digest();

/** Says what to send, never what the token is nor how close a guess came. */
const REFUSED = 'This endpoint needs the service token: send it as "Authorization: Bearer <token>".';

@Injectable()
export class ServiceTokenGuard implements CanActivate {
  private readonly expected?: Buffer;

  constructor(@Inject(SERVICE_TOKEN) token: string | undefined) {
    this.expected = token ? digest(token) : undefined;
  }

  canActivate(ctx: ExecutionContext): boolean {
    if (ctx.getType() !== 'http') return true;
    const cls = ctx.getClass();
    // MetricsGuard decides for /metrics, with its own token.
    if (cls === HealthController || cls === MetricsController) return true;
    const header = ctx.switchToHttp().getRequest<{ headers: Record<string, string | string[] | undefined> }>().headers.authorization;
    const sent = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] : undefined;
    if (!this.expected || sent === undefined || !timingSafeEqual(digest(sent), this.expected)) throw new UnauthorizedException(REFUSED);
    return true;
  }
}
