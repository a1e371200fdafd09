// Every route needs an API key, except health, metrics and what is marked @Public() (the Integration
// Center's page and files: the page asks for a key and sends it with every API call). Reads need a
// viewer key; what triggers or edits needs @Roles('operator'); creating and removing connections @Roles('admin').
import { HealthController, JsonLogger, MetricsController, PG_POOL } from '@lnbx/platform';
import {
  CanActivate,
  createParamDecorator,
  ExecutionContext,
  ForbiddenException,
  Inject,
  Injectable,
  OnModuleDestroy,
  OnModuleInit,
  SetMetadata,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { createHash } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import { keyFromHeaders, roleAllows, type Role } from '../domain/api-keys';
import { findKey, KEYS_REVOKED_CHANNEL } from '../store/api-keys.repository';

export interface Principal {
  name: string;
  role: Role;
}

interface HttpRequest {
  headers: Record<string, string | string[] | undefined>;
  principal?: Principal;
}

const PUBLIC = 'monitor:public';
const ROLE = 'monitor:role';

export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(PUBLIC, true);
export const Roles = (role: Role): MethodDecorator & ClassDecorator => SetMetadata(ROLE, role);

/** The caller, as the guard identified it. */
export const Caller = createParamDecorator((_: unknown, ctx: ExecutionContext): Principal => {
  const principal = ctx.switchToHttp().getRequest<HttpRequest>().principal;
  if (!principal) throw new UnauthorizedException('no caller on this request');
  return principal;
});

/** How long a dropped LISTEN connection waits before it is opened again (doubling up to a minute). */
const RELISTEN_MS = { first: 500, max: 60_000 };

/**
 * Verified keys for a minute, by a hash of the key (never the key), so a page polling every 2 s costs no
 * table scan. A revocation, from any process, is NOTIFYed and clears the cache at once; while this
 * instance is not LISTENing (starting, or its connection lost), nothing is cached, so a revoked key is
 * refused on its next request either way.
 */
@Injectable()
export class ApiKeyVerifier implements OnModuleInit, OnModuleDestroy {
  private readonly cache = new Map<string, { principal: Principal | null; until: number }>();
  private listener?: PoolClient;
  private listening = false;
  private stopped = false;
  private retry?: NodeJS.Timeout;
  private failures = 0;

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly logger: JsonLogger,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.listen();
  }

  onModuleDestroy(): void {
    this.stopped = true;
    clearTimeout(this.retry);
    this.drop();
  }

  async verify(key: string): Promise<Principal | null> {
    const id = createHash('sha256').update(key).digest('hex');
    const hit = this.listening ? this.cache.get(id) : undefined;
    if (hit && hit.until > Date.now()) return hit.principal;
    const found = await findKey(this.pool, key);
    const principal = found ? { name: found.name, role: found.role } : null;
    if (!this.listening) return principal;
    if (this.cache.size > 1000) this.cache.clear();
    // Unknown keys are remembered briefly too, so guessing costs the database nothing.
    this.cache.set(id, { principal, until: Date.now() + (principal ? 60_000 : 5_000) });
    return principal;
  }

  forget(): void {
    this.cache.clear();
  }

  private async listen(): Promise<void> {
    try {
      const client = await this.pool.connect();
      this.listener = client;
      client.on('notification', () => this.forget());
      client.on('error', (err) => {
        if (this.listener !== client) return;
        this.logger.warn('lost the connection that hears key revocations: keys are checked on every request until it is back', { err });
        this.drop(err);
        this.relisten();
      });
      await client.query(`listen ${KEYS_REVOKED_CHANNEL}`);
      // What was cached before this LISTEN could have missed a revocation.
      this.forget();
      this.listening = true;
      this.failures = 0;
    } catch (err) {
      this.logger.warn('cannot listen for key revocations yet: keys are checked on every request meanwhile', { err });
      this.drop(err);
      this.relisten();
    }
  }

  private relisten(): void {
    if (this.stopped) return;
    this.failures++;
    const delay = Math.min(RELISTEN_MS.max, RELISTEN_MS.first * 2 ** Math.min(this.failures - 1, 20));
    this.retry = setTimeout(() => void this.listen(), delay);
    this.retry.unref();
  }

  /** The LISTEN connection is never given back to the pool: its session holds the LISTEN. */
  private drop(reason?: unknown): void {
    this.listening = false;
    this.forget();
    const client = this.listener;
    this.listener = undefined;
    client?.release(reason instanceof Error ? reason : true);
  }
}

@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly verifier: ApiKeyVerifier,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    if (ctx.getType() !== 'http') return true;
    const cls = ctx.getClass();
    if (cls === HealthController || cls === MetricsController) return true;
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC, [ctx.getHandler(), cls])) return true;
    const req = ctx.switchToHttp().getRequest<HttpRequest>();
    const key = keyFromHeaders(req.headers);
    if (!key) throw new UnauthorizedException('An API key is required: send it in the x-api-key header or as "Authorization: Bearer <key>".');
    const principal = await this.verifier.verify(key);
    if (!principal) throw new UnauthorizedException('This API key is not valid (unknown or revoked).');
    const need = this.reflector.getAllAndOverride<Role>(ROLE, [ctx.getHandler(), cls]) ?? 'viewer';
    if (!roleAllows(principal.role, need)) throw new ForbiddenException(`This needs ${aKey(need)}; "${principal.name}" is ${aKey(principal.role)}.`);
    req.principal = principal;
    return true;
  }
}

/** "a viewer key", "an operator key", "an admin key". */
const aKey = (role: Role): string => `${/^[aeiou]/.test(role) ? 'an' : 'a'} ${role} key`;
