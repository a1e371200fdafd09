// What every part of the sandbox shares, built once from the options and handed to each router and to
// the admin operations: tenants, identity, limits, faults, idempotency, the call log, the state file.
import * as path from 'node:path';
import { CallLog } from './call-log';
import { FaultBook, seededRandom } from './faults';
import { IdempotencyBook } from './idempotency';
import { RateLimiter, XERO_LIMITS, type Limits } from './limits';
import { IdentityService, type OAuthClient } from './oauth';
import { builtinValidator, defaultSpecPath, loadSchemaValidator, type SchemaValidator } from './openapi';
import { compactedRecords, fromPersisted, StateFile, type StateRecord } from './persistence';
import { buildTenant, DEFAULT_TENANTS } from './seed';
import { indexTenant, tenantMeta, type TenantSeed, type TenantState } from './state';
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
  private readonly file: StateFile | undefined;
  private identityUnsaved = false;
  private compaction: NodeJS.Immediate | undefined;

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
      {
        clientId: 'SANDBOX-AUTHCODE-CLIENT',
        clientSecret: secrets.authorizationCode ?? 'sandbox-authcode-secret',
        grant: 'authorization_code',
        appName: this.appName,
      },
      {
        clientId: 'SANDBOX-CUSTOM-CONNECTION',
        clientSecret: secrets.clientCredentials ?? 'sandbox-custom-secret',
        grant: 'client_credentials',
        tenantIds: [firstTenant],
        appName: this.appName,
      },
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
    if (this.stateFile) {
      this.file = new StateFile(this.stateFile);
      this.load(this.file);
    }
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

  /** Tokens, grants or revoked organisations changed: the next save writes the identity. */
  identityChanged(): void {
    this.identityUnsaved = true;
    this.save();
  }

  /**
   * Appends what changed since the last save to the state file's journal, before the call that changed
   * it is answered: one write of the changed documents, contacts, tenant fields, identity and remembered
   * answers, never the whole state. A journal that has outgrown the compacted part is compacted next.
   */
  save(): void {
    const records: StateRecord[] = [];
    for (const t of this.tenants.values()) {
      const unsaved = t.index.unsaved;
      if (unsaved.tenant) records.push({ r: 'tenant', tenant: tenantMeta(t) });
      for (const contact of unsaved.contacts.values()) records.push({ r: 'contact', tenantId: t.tenantId, contact });
      for (const document of unsaved.documents.values()) records.push({ r: 'document', tenantId: t.tenantId, document });
      unsaved.tenant = false;
      unsaved.contacts.clear();
      unsaved.documents.clear();
    }
    if (this.identityUnsaved) records.push({ r: 'identity', identity: this.identity.snapshot(), revokedTenants: [...this.identity.revokedTenants] });
    this.identityUnsaved = false;
    for (const [key, entry] of this.idempotency.takeUnsaved()) records.push({ r: 'idempotency', key, entry });
    if (!this.file) return;
    this.file.append(records);
    if (this.file.outgrown && !this.compaction) {
      // After the answer that tipped it over has gone out.
      this.compaction = setImmediate(() => this.compact());
      this.compaction.unref();
    }
  }

  /** Rewrites the state file as the state now is (also what a reset does: the old journal no longer applies). */
  compact(): void {
    this.save();
    if (this.compaction) clearImmediate(this.compaction);
    this.compaction = undefined;
    const { identity } = this;
    this.file?.compact(compactedRecords(this.tenants.values(), identity.snapshot(), [...identity.revokedTenants], this.idempotency.entries(this.clock.now())));
  }

  /** The last save, made durable; the file is let go of. */
  close(): void {
    this.save();
    if (this.compaction) clearImmediate(this.compaction);
    this.compaction = undefined;
    this.file?.close();
  }

  private load(file: StateFile): void {
    const loaded = file.load();
    if (loaded) {
      const persisted = loaded.state;
      if (persisted.tenants.length) this.replaceTenants(fromPersisted(persisted));
      this.identity.restore(persisted.identity);
      for (const t of persisted.revokedTenants) this.identity.revokedTenants.add(t);
      this.idempotency.restore(persisted.idempotency, this.clock.now());
    }
    // A new file, one in the old format or one whose journal outgrew it starts compacted; else it is appended to.
    if (!loaded || loaded.compact) this.compact();
    this.idempotency.takeUnsaved();
  }

  private replaceTenants(list: TenantState[]): void {
    this.tenants.clear();
    for (const t of list) this.tenants.set(t.tenantId, indexTenant(t));
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
