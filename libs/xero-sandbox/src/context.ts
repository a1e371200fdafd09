// What every part of the sandbox shares, built once from the options and handed to each router and to
// the admin operations: tenants, identity, limits, faults, idempotency, the call log, the state file.
import * as path from 'node:path';
import { CallLog } from './call-log';
import { FaultBook, seededRandom } from './faults';
import { IdempotencyBook } from './idempotency';
import { RateLimiter, XERO_LIMITS, type Limits } from './limits';
import { IdentityService, type OAuthClient } from './oauth';
import { builtinValidator, defaultSpecPath, loadSchemaValidator, type SchemaValidator } from './openapi';
import { fromPersisted, readStateFile, toPersisted, writeStateFile } from './persistence';
import { buildTenant, DEFAULT_TENANTS } from './seed';
import type { TenantSeed, TenantState } from './state';
import type { Clock, XeroSandboxOptions } from './types';

export class SandboxContext {
  readonly clock: Clock;
  /** Limit-time seconds per real second. */
  readonly timeScale: number;
  readonly appName: string;
  readonly limiter: RateLimiter;
  readonly validator: SchemaValidator;
  /** One map for the sandbox's life: a reset refills it, so whoever holds it sees the new tenants. */
  readonly tenants = new Map<string, TenantState>();
  readonly clients: OAuthClient[];
  readonly identity: IdentityService;
  readonly faults: FaultBook;
  readonly idempotency: IdempotencyBook;
  readonly calls = new CallLog();
  readonly stateFile: string | undefined;
  /** Known once the server listens: the token issuer and the discovery document name it. */
  baseUrl = '';
  private readonly seeds: TenantSeed[];
  private saveTimer: NodeJS.Timeout | undefined;

  constructor(options: XeroSandboxOptions) {
    this.clock = options.clock ?? { now: () => Date.now() };
    this.timeScale = options.timeScale ?? 1;
    if (!(this.timeScale > 0)) throw new Error(`timeScale must be > 0, got ${this.timeScale}`);
    const limitsOption = options.limits ?? true;
    const limits: Limits = { ...XERO_LIMITS, ...(typeof limitsOption === 'object' ? limitsOption : {}) };
    this.limiter = new RateLimiter({ limits, enabled: limitsOption !== false, timeScale: this.timeScale });
    this.appName = options.appName ?? 'LNB Xero Connector (sandbox)';
    this.idempotency = new IdempotencyBook((options.idempotencyRetentionSeconds ?? 86_400) * 1000);
    this.validator = resolveValidator(options.specPath);

    this.seeds = options.tenants ?? DEFAULT_TENANTS;
    this.reseed();
    const firstTenant = [...this.tenants.keys()][0];
    if (!firstTenant) throw new Error('the sandbox needs at least one tenant');
    const secrets = options.clientSecrets ?? {};
    this.clients = options.clients ?? [
      { clientId: 'SANDBOX-AUTHCODE-CLIENT', clientSecret: secrets.authorizationCode ?? 'sandbox-authcode-secret', grant: 'authorization_code', appName: this.appName },
      { clientId: 'SANDBOX-CUSTOM-CONNECTION', clientSecret: secrets.clientCredentials ?? 'sandbox-custom-secret', grant: 'client_credentials', tenantIds: [firstTenant], appName: this.appName },
    ];
    this.identity = new IdentityService(
      {
        clients: this.clients,
        now: () => this.clock.now(),
        accessTokenSeconds: options.accessTokenSeconds ?? 1800,
        refreshTokenSeconds: options.refreshTokenSeconds ?? 60 * 86_400,
        refreshGraceSeconds: options.refreshGraceSeconds ?? 1800,
        issuer: () => this.baseUrl,
      },
      (id) => this.tenants.get(id)?.name,
      () => [...this.tenants.keys()],
    );
    this.faults = new FaultBook(seededRandom(options.faultSeed ?? 20260101));

    this.stateFile = options.stateFile;
    if (this.stateFile) this.load(this.stateFile);
  }

  /** True when requests are checked against Xero's OpenAPI description, not only the built-in rules. */
  get openapi(): boolean {
    return this.validator !== builtinValidator;
  }

  /** Back to the seeded organisations (nothing else). */
  reseed(): void {
    this.replaceTenants(this.seeds.map((s) => buildTenant(s, this.clock.now())));
  }

  /** For the admin operations: an unknown tenant is the caller's mistake. */
  tenant(tenantId: string): TenantState {
    const t = this.tenants.get(tenantId);
    if (!t) throw new Error(`unknown tenant ${tenantId}`);
    return t;
  }

  /** Saves within half a second: a burst of calls costs one write. */
  scheduleSave(): void {
    if (!this.stateFile || this.saveTimer) return;
    this.saveTimer = setTimeout(() => this.saveNow(), 500);
    this.saveTimer.unref();
  }

  saveNow(): void {
    if (!this.stateFile) return;
    if (this.saveTimer) clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    const { identity } = this;
    writeStateFile(this.stateFile, toPersisted([...this.tenants.values()], identity.snapshot(), [...identity.revokedTenants], this.idempotency.entries()));
  }

  private load(stateFile: string): void {
    const persisted = readStateFile(stateFile);
    if (!persisted) return;
    this.replaceTenants(fromPersisted(persisted));
    this.identity.restore(persisted.identity);
    for (const t of persisted.revokedTenants) this.identity.revokedTenants.add(t);
    this.idempotency.restore(persisted.idempotency);
  }

  private replaceTenants(list: TenantState[]): void {
    this.tenants.clear();
    for (const t of list) this.tenants.set(t.tenantId, t);
  }
}

/** Xero's OpenAPI description when it can be found (or is named), else the built-in rules. */
function resolveValidator(specPath: string | null | undefined): SchemaValidator {
  if (specPath === null) return builtinValidator;
  // From source (libs/xero-sandbox/src) or compiled (dist/libs/xero-sandbox/src), or the working directory.
  const roots = [path.resolve(__dirname, '../../..'), path.resolve(__dirname, '../../../..'), process.cwd()];
  const spec = specPath ?? roots.map(defaultSpecPath).find((p) => p !== undefined);
  return spec ? loadSchemaValidator(spec) : builtinValidator;
}
