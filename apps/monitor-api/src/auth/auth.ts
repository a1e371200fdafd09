// Every route needs an API key, except health, metrics and what is marked @Public() (the Integration
// Center's page and files: the page asks for a key and sends it with every API call). Reads need a
// viewer key; what triggers or edits needs @Roles('operator').
import { HealthController, MetricsController, PG_POOL } from '@lnbx/platform';
import {
  CanActivate, createParamDecorator, ExecutionContext, ForbiddenException, Inject, Injectable, SetMetadata, UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { createHash } from 'node:crypto';
import type { Pool } from 'pg';
import { keyFromHeaders, roleAllows, type Role } from '../domain/api-keys';
import { findKey } from '../store/api-keys.repository';

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

/** Verified keys for a minute, by a hash of the key (never the key), so a page polling every 2 s costs no table scan. */
@Injectable()
export class ApiKeyVerifier {
  private readonly cache = new Map<string, { principal: Principal | null; until: number }>();
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async verify(key: string): Promise<Principal | null> {
    const id = createHash('sha256').update(key).digest('hex');
    const hit = this.cache.get(id);
    if (hit && hit.until > Date.now()) return hit.principal;
    const found = await findKey(this.pool, key);
    const principal = found ? { name: found.name, role: found.role } : null;
    if (this.cache.size > 1000) this.cache.clear();
    // Unknown keys are remembered briefly too, so guessing costs the database nothing.
    this.cache.set(id, { principal, until: Date.now() + (principal ? 60_000 : 5_000) });
    return principal;
  }

  forget(): void {
    this.cache.clear();
  }
}

@Injectable()
export class AuthGuard implements CanActivate {
  constructor(private readonly reflector: Reflector, private readonly verifier: ApiKeyVerifier) {}

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
    if (!roleAllows(principal.role, need)) throw new ForbiddenException(`This needs an ${need} key; "${principal.name}" is a ${principal.role} key.`);
    req.principal = principal;
    return true;
  }
}
