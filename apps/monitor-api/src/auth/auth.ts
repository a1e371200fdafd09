// Every route needs an API key, except health and what is marked @Public() (the Integration Center's page and
// files: the page asks for a key and sends it with every API call). Reads need a viewer key; what triggers or
// edits needs @Roles('operator'); creating and removing connections @Roles('admin'). /metrics names every
// connection and its counts: it takes METRICS_TOKEN (Prometheus) or an admin key, never a brand's key.
// A route marked @Scoped() acts on exactly one connection, resolved here (see `resolveScope`) and handed to it by
// @Scope(): a brand's key its own, a deployment key the one its `connection` query parameter names.
import { CONNECTION_ID_PATTERN } from '@lnbx/contracts';
import { admitToMetrics, HealthController, JsonLogger, MetricsController, MetricsToken, PG_POOL } from '@lnbx/platform';
import {
  applyDecorators,
  BadRequestException,
  CanActivate,
  createParamDecorator,
  ExecutionContext,
  ForbiddenException,
  Inject,
  Injectable,
  OnModuleDestroy,
  NotFoundException,
  OnModuleInit,
  PipeTransform,
  SetMetadata,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiQuery } from '@nestjs/swagger';
import { createHash } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import { keyFromHeaders, roleAllows, type Role } from '../domain/api-keys';
import { findKey, KEYS_REVOKED_CHANNEL } from '../store/api-keys.repository';

export interface Principal {
  name: string;
  role: Role;
  /** The connection the key belongs to (a brand's viewer or operator key); null for a deployment key (admin). */
  connection: string | null;
}

interface HttpRequest {
  headers: Record<string, string | string[] | undefined>;
  query?: Record<string, unknown>;
  principal?: Principal;
  connectionScope?: string;
  /** A deployment key that named no connection where that is ambiguous: told after the request's own parameters. */
  connectionScopeProblem?: BadRequestException;
}

const PUBLIC = 'monitor:public';
const ROLE = 'monitor:role';
const SCOPED = 'monitor:scoped';

export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(PUBLIC, true);
export const Roles = (role: Role): MethodDecorator & ClassDecorator => SetMetadata(ROLE, role);

/** The query parameter a deployment key names the connection with. */
export const CONNECTION_PARAM = 'connection';

/**
 * The route acts on one connection (the guard resolves it; @Scope() hands it over), and the OpenAPI document
 * lists the `connection` query parameter that names it.
 */
export const Scoped = (): MethodDecorator & ClassDecorator =>
  applyDecorators(
    SetMetadata(SCOPED, true),
    ApiQuery({
      name: CONNECTION_PARAM,
      required: false,
      schema: { type: 'string', pattern: CONNECTION_ID_PATTERN.source, maxLength: 63 },
      description:
        "The connection this request acts on. A brand's key (viewer, operator) acts on its own connection only: leave it out, or name that one " +
        '(any other is a 404). A deployment key (admin) names it; left out, the only connection that is not removed is used, else a 400.',
    }),
  );

/** The caller, as the guard identified it. */
export const Caller = createParamDecorator((_: unknown, ctx: ExecutionContext): Principal => {
  const principal = ctx.switchToHttp().getRequest<HttpRequest>().principal;
  if (!principal) throw new UnauthorizedException('no caller on this request');
  return principal;
});

/**
 * A connection left unnamed where it must be named is told once the request's own parameters and body passed: a
 * request outside its schema is refused naming what is wrong with it. Pipes run side by side and validation
 * settles within microtasks, so waiting for the next macrotask lets theirs be the refusal.
 */
class ScopePipe implements PipeTransform {
  async transform(value: { scope?: string; problem?: BadRequestException }): Promise<string> {
    if (value.scope) return value.scope;
    await new Promise((resolve) => setImmediate(resolve));
    throw value.problem ?? new Error('@Scope() on a route that is not @Scoped()');
  }
}

/** The connection a @Scoped() route acts on, as the guard resolved it. */
export const Scope = (): ParameterDecorator =>
  createParamDecorator((_: unknown, ctx: ExecutionContext) => {
    const req = ctx.switchToHttp().getRequest<HttpRequest>();
    return { scope: req.connectionScope, problem: req.connectionScopeProblem };
  })(new ScopePipe());

/** The same words whether the connection does not exist or is not the caller's: nothing said of existence. */
export const noSuchConnection = () => new NotFoundException('There is no such connection.');

/** What resolving a scope asks of the connections (monitor.connections). */
export interface ScopeLookup {
  /** The connections that are not removed (two are enough to know there is no single one). */
  live(): Promise<string[]>;
  exists(id: string): Promise<boolean>;
}

/**
 * The one connection a request acts on. A brand's key: its own (naming another, or anything malformed, is the
 * 404 an unknown connection gets). A deployment key: the one `connection` names (400 when malformed, 404 when there
 * is no such connection); left out, the only connection that is not removed, else a 400 naming the parameter.
 */
export async function resolveScope(principal: Principal, named: unknown, connections: ScopeLookup): Promise<string> {
  if (Array.isArray(named)) throw new BadRequestException([`${CONNECTION_PARAM} must be given once`]);
  if (named !== undefined && typeof named !== 'string') throw new BadRequestException([`${CONNECTION_PARAM} must be a connection id`]);
  if (principal.connection !== null) {
    if (named !== undefined && named !== principal.connection) throw noSuchConnection();
    return principal.connection;
  }
  if (named !== undefined) {
    if (!CONNECTION_ID_PATTERN.test(named)) throw new BadRequestException([`${CONNECTION_PARAM} must be a connection id (${CONNECTION_ID_PATTERN.source})`]);
    if (!(await connections.exists(named))) throw noSuchConnection();
    return named;
  }
  const live = await connections.live();
  if (live.length === 1) return live[0];
  throw new BadRequestException([
    `${CONNECTION_PARAM}: name the connection this acts on (?${CONNECTION_PARAM}=<id>): this deployment has ${live.length ? `${live.length} connections` : 'none yet'}`,
  ]);
}

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
    const principal = found ? { name: found.name, role: found.role, connection: found.connectionId } : null;
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
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly metricsToken: MetricsToken,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    if (ctx.getType() !== 'http') return true;
    const cls = ctx.getClass();
    if (cls === HealthController) return true;
    const req = ctx.switchToHttp().getRequest<HttpRequest>();
    if (cls === MetricsController) return this.metrics(req);
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC, [ctx.getHandler(), cls])) return true;
    const principal = await this.principal(req);
    const need = this.reflector.getAllAndOverride<Role>(ROLE, [ctx.getHandler(), cls]) ?? 'viewer';
    if (!roleAllows(principal.role, need)) throw new ForbiddenException(`This needs ${aKey(need)}; "${principal.name}" is ${aKey(principal.role)}.`);
    req.principal = principal;
    if (this.reflector.getAllAndOverride<boolean>(SCOPED, [ctx.getHandler(), cls])) {
      const named = req.query?.[CONNECTION_PARAM];
      try {
        req.connectionScope = await resolveScope(principal, named, {
          live: async () =>
            (await this.pool.query<{ id: string }>(`select id from monitor.connections where status <> 'removed' order by id limit 2`)).rows.map((r) => r.id),
          exists: async (id) => Boolean((await this.pool.query('select 1 from monitor.connections where id = $1', [id])).rowCount),
        });
      } catch (err) {
        // A brand's key naming another connection, or a malformed name, is refused here; an unnamed one after validation.
        if (!(err instanceof BadRequestException) || named !== undefined) throw err;
        req.connectionScopeProblem = err;
      }
    }
    return true;
  }

  private async principal(req: HttpRequest): Promise<Principal> {
    const key = keyFromHeaders(req.headers);
    if (!key) throw new UnauthorizedException('An API key is required: send it in the x-api-key header or as "Authorization: Bearer <key>".');
    const principal = await this.verifier.verify(key);
    if (!principal) throw new UnauthorizedException('This API key is not valid (unknown or revoked).');
    return principal;
  }

  /**
   * The metrics token, or a deployment's admin key: a brand's key (viewer or operator of one connection) is a 403
   * whatever its role, since every series names a connection and its counts; no credentials, a 401.
   */
  private async metrics(req: HttpRequest): Promise<boolean> {
    if (!this.metricsToken.sentWith(req.headers)) {
      if (!keyFromHeaders(req.headers)) {
        throw new UnauthorizedException('The metrics need the metrics token ("Authorization: Bearer <METRICS_TOKEN>") or an admin API key (x-api-key).');
      }
      const principal = await this.principal(req);
      if (principal.connection !== null || !roleAllows(principal.role, 'admin')) {
        throw new ForbiddenException(`The metrics name every connection: they need an admin key or the metrics token; "${principal.name}" is a brand's key.`);
      }
    }
    admitToMetrics(req);
    return true;
  }
}

/** "a viewer key", "an operator key", "an admin key". */
const aKey = (role: Role): string => `${/^[aeiou]/.test(role) ? 'an' : 'a'} ${role} key`;
