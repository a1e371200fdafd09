import { Controller, Get, Inject, ServiceUnavailableException } from '@nestjs/common';

export const HEALTH_CHECKS = Symbol('HEALTH_CHECKS');

/** A readiness check: resolves when the dependency truly answers, throws (with a reason) when not. */
export interface HealthCheck {
  name: string;
  check(): Promise<void>;
}

const withTimeout = <T>(p: Promise<T>, ms: number, what: string): Promise<T> =>
  Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms).unref())]);

@Controller('health')
export class HealthController {
  constructor(@Inject(HEALTH_CHECKS) private readonly checks: HealthCheck[]) {}

  /** Liveness: the process answers. */
  @Get()
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Readiness: every dependency answers now (the broker, the database, ...). 503 names what does not. */
  @Get('ready')
  async ready(): Promise<{ status: 'ready'; checks: { name: string; status: 'up' | 'down'; reason?: string }[] }> {
    const results = await Promise.all(
      this.checks.map(async (c) => {
        try {
          await withTimeout(c.check(), 3000, c.name);
          return { name: c.name, status: 'up' as const };
        } catch (err) {
          return { name: c.name, status: 'down' as const, reason: (err as Error).message };
        }
      }),
    );
    if (results.some((r) => r.status === 'down')) throw new ServiceUnavailableException({ status: 'not_ready', checks: results });
    return { status: 'ready', checks: results };
  }
}
