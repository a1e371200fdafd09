// The sandbox's public shapes: its options, the handle startXeroSandbox returns, and the admin operations.
import type { FaultRule, FaultRuleInput } from './faults';
import type { Limits } from './limits';
import type { OAuthClient } from './oauth';
import type { TenantSeed } from './state';

export interface Clock {
  now(): number;
}

export interface XeroSandboxOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** The address to listen on: 127.0.0.1 by default; 0.0.0.0 in a container (which needs `adminToken`). */
  host?: string;
  /**
   * Required by the admin API as `authorization: Bearer <token>` when set; without it the sandbox listens on
   * loopback only (it refuses to start on another address) and its admin API is open to this machine.
   */
  adminToken?: string;
  /** Limit-time seconds per real second: 10 makes a limit-minute last 6 real seconds. Default 1. */
  timeScale?: number;
  /** false turns limits off; an object overrides some of Xero's numbers. */
  limits?: boolean | Partial<Limits>;
  /** Xero's OpenAPI description; undefined looks beside the repo, null runs on built-in rules only. */
  specPath?: string | null;
  /** Persist state here and reload it on start. */
  stateFile?: string;
  tenants?: TenantSeed[];
  clients?: OAuthClient[];
  /** The seeded clients' secrets instead of the published defaults (ignored with `clients`). */
  clientSecrets?: { authorizationCode?: string; clientCredentials?: string };
  accessTokenSeconds?: number;
  refreshTokenSeconds?: number;
  /** How long a used refresh token still works while its successor has never been used. Default 1800. */
  refreshGraceSeconds?: number;
  /** How long an Idempotency-Key answer is replayed. Default 24 hours. */
  idempotencyRetentionSeconds?: number;
  clock?: Clock;
  /** Seed for fault rates, so runs are repeatable. */
  faultSeed?: number;
  appName?: string;
}

export interface SandboxTenant {
  tenantId: string;
  name: string;
  baseCurrency: string;
}

export interface TokenSet {
  access_token: string;
  refresh_token?: string;
  expires_in: number;
  token_type: string;
  scope: string;
}

export interface CallRecord {
  at: string;
  method: string;
  path: string;
  tenantId?: string;
  status: number;
  reason?: string;
  durationMs: number;
  idempotencyKey?: string;
  replayed?: boolean;
}

/** One organisation's calls in the order they ended: `at` when each arrived (epoch ms), `ms` how long it took. */
export interface TenantCallTimes {
  /** Older calls no longer kept (past 10,000 per organisation). */
  dropped: number;
  calls: { at: number; ms: number; status: number; method: string; path: string; reason?: string }[];
}

export interface CallStats {
  total: number;
  byStatus: Record<string, number>;
  rejectedByReason: Record<string, number>;
  byTenant: Record<string, { total: number; rejectedByReason: Record<string, number> }>;
}

export interface SandboxAdmin {
  addFault(rule: FaultRuleInput): FaultRule;
  faults(): FaultRule[];
  removeFault(id: string): boolean;
  clearFaults(): void;
  /** Exhausts the tenant's day limit for `limitSeconds` of limit-time (default a day). */
  forceDayLimit(tenantId: string, limitSeconds?: number): void;
  clearDayLimit(tenantId: string): void;
  revokeConnection(tenantId: string): void;
  restoreConnection(tenantId: string): void;
  setLockDates(tenantId: string, dates: { endOfYearLockDate?: string | null; periodLockDate?: string | null }): void;
  recordPayment(tenantId: string, invoiceId: string, amount: number, date?: string): void;
  /** "Approve" pressed in Xero on a draft invoice or credit note (by id or number): it becomes AUTHORISED. */
  approve(tenantId: string, kind: 'invoice' | 'creditNote', idOrNumber: string): void;
  expireAccessTokens(): void;
  /** Rendered as Xero renders them. */
  invoices(tenantId: string): Record<string, unknown>[];
  creditNotes(tenantId: string): Record<string, unknown>[];
  contacts(tenantId: string): Record<string, unknown>[];
  calls(filter?: { tenantId?: string; limit?: number }): { stats: CallStats; recent: CallRecord[] };
  /** Every organisation's calls (or one's): when each arrived, how long it took, its answer. */
  callTimes(tenantId?: string): Record<string, TenantCallTimes>;
  inFlight(tenantId: string): number;
  /** Back to the seeded tenants, no documents, no faults, no calls, fresh limits. Tokens stay valid. */
  reset(): void;
}

export interface XeroSandbox {
  url: string;
  port: number;
  accountingBasePath: string;
  identity: { authorizeUrl: string; tokenUrl: string; revocationUrl: string; connectionsUrl: string; discoveryUrl: string };
  tenants: SandboxTenant[];
  tenantIds: string[];
  clients: {
    authorizationCode: { clientId: string; clientSecret: string };
    clientCredentials: { clientId: string; clientSecret: string; tenantId: string };
  };
  schemaValidation: { source: string; openapi: boolean };
  admin: SandboxAdmin;
  /** Runs the authorization-code flow over HTTP (auto-consent) and returns the tokens. */
  connect(options?: { tenantIds?: string[]; scope?: string; redirectUri?: string }): Promise<TokenSet>;
  /** A custom-connection token (client-credentials grant). */
  clientCredentialsToken(): Promise<TokenSet>;
  close(): Promise<void>;
}
