// The exporter's HTTP port faces other services, never people: /health and /metrics answer anyone (the
// orchestrator's probes, Prometheus); everything else needs the service token monitor-api sends.
import { HealthController, MetricsController, secretFromValueOrFile } from '@lnbx/platform';
import { CanActivate, ExecutionContext, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import { type ExporterConfig, MIN_SERVICE_TOKEN_LENGTH } from '../config';

export const SERVICE_TOKEN = Symbol('ServiceToken');

/** The token from EXPORTER_SERVICE_TOKEN or the file EXPORTER_SERVICE_TOKEN_FILE names; undefined when neither is set. */
export const serviceTokenOf = (config: Pick<ExporterConfig, 'serviceToken' | 'serviceTokenFile'>): string | undefined =>
  secretFromValueOrFile({
    value: config.serviceToken,
    file: config.serviceTokenFile,
    fileVariable: 'EXPORTER_SERVICE_TOKEN_FILE',
    what: 'service token',
    minLength: MIN_SERVICE_TOKEN_LENGTH,
  });

/** Hashed first, so the comparison takes as long whatever the length of what was sent. */
const digest = (token: string): Buffer => createHash('sha256').update(token).digest();

/** Says what to send, never what the token is nor how close a guess came. */
const REFUSED = 'This endpoint needs the service token: send it as "Authorization: Bearer <token>".';

@Injectable()
export class ServiceTokenGuard implements CanActivate {
  private readonly expected?: Buffer;

  /** No token configured (a custom connection may run without one): nothing but health and metrics is served. */
  constructor(@Inject(SERVICE_TOKEN) token: string | undefined) {
    this.expected = token ? digest(token) : undefined;
  }

  canActivate(ctx: ExecutionContext): boolean {
    if (ctx.getType() !== 'http') return true;
    const cls = ctx.getClass();
    if (cls === HealthController || cls === MetricsController) return true;
    const header = ctx.switchToHttp().getRequest<{ headers: Record<string, string | string[] | undefined> }>().headers.authorization;
    const sent = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] : undefined;
    if (!this.expected || sent === undefined || !timingSafeEqual(digest(sent), this.expected)) throw new UnauthorizedException(REFUSED);
    return true;
  }
}
