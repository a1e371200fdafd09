// startLnbSandbox: the in-process entry tests, the benchmark and the thin app use.
import { type CallCounts, SandboxAccount } from './account';
import { AdminAccess } from './admin-access';
import { BRAND_KEYS, type BrandKey, KNOWN_TAX_RATES } from './catalogue';
import type { ActiveFault, FaultSpec } from './faults';
import type { DefectKind, GeneratedCreditNote, GeneratedInvoice, GeneratedOrder, GeneratedRetailer, GeneratorConfig } from './generator';
import type { Defect } from './inspect';
import type { RateLimitStats } from './rate-limit';
import { ADMIN_BASE, API_BASE, SandboxServer, type SandboxSettings } from './server';
import { type DocumentDefects, type DocumentType, SandboxStore } from './store';

/** The variable of apps/lnb-sandbox that sets `adminToken`; refusals name it. */
const LNB_ADMIN_TOKEN_VARIABLE = 'LNB_SANDBOX_ADMIN_TOKEN';

/** The documents an account's generator makes; without `accounts`, the top-level options'. */
interface GeneratorOptions {
  seed?: number;
  /** Generated invoices (one order each). Default 1,000. */
  invoices?: number;
  /** Generated credit notes. Default 5% of the invoices. */
  creditNotes?: number;
  retailers?: number;
  /** Share (0..1) of generated invoices and credit notes with one defect. Default 0.05. */
  defectRate?: number;
  /**
   * Who sells (catalogue.ts BRANDS): `fr` (default) a French house selling across Europe and to the US;
   * `uk` a UK label selling mostly to GB and Irish retailers in GBP; `nl` a Dutch label in EUR.
   */
  brand?: BrandKey;
}

/** One API client of the sandbox, as a brand's LNB account: its own credentials and its own documents. */
export interface LnbSandboxAccountOptions extends GeneratorOptions {
  /** How the admin API names it (`?account=<id>`): 1 to 64 letters, digits, `-` or `_`. */
  id: string;
  /** Unique among the accounts. */
  clientId: string;
  clientSecret: string;
  /** Default: the top-level `seed` plus the account's position, so no two accounts share data by accident. */
  seed?: number;
  /** Default: the top-level `rateLimit`; each account is limited on its own. */
  rateLimit?: number;
  rateLimitWindowMs?: number;
}

export interface LnbSandboxOptions extends GeneratorOptions {
  /** The address to listen on: 127.0.0.1 by default; 0.0.0.0 in a container (which needs `adminToken`). */
  host?: string;
  /**
   * Required by the admin API as `authorization: Bearer <token>` when set; without it the sandbox listens on
   * loopback only (it refuses to start on another address) and its admin API is open to this machine.
   */
  adminToken?: string;
  /** 0 picks a free port. Default 0. */
  port?: number;
  pageSize?: number;
  /** The one account's, without `accounts`. Default `lnb-sandbox-client` / `lnb-sandbox-secret`. */
  clientId?: string;
  clientSecret?: string;
  /**
   * Several accounts, the first the default (the one `admin` and `clientId` stand for). Each has its own
   * credentials, documents, tokens, rate limit and call counts; the top-level generator options are
   * their defaults. Without it: one account, `default`, from the top-level options.
   */
  accounts?: LnbSandboxAccountOptions[];
  tokenTtlSeconds?: number;
  /** API requests admitted per `rateLimitWindowMs` before it answers 429 with Retry-After. Default 0: no limit. */
  rateLimit?: number;
  /** Default 60,000 (a minute). */
  rateLimitWindowMs?: number;
  /** The sandbox's clock against the machine's, in ms (negative: behind); it stamps update_time of changes. Default 0. */
  clockOffsetMs?: number;
  /** Megabytes of encoded listing pages kept until a document changes (0: every page built anew). Default 512. */
  pageCacheMb?: number;
}

/**
 * Test-side control of one account of a running sandbox (`sandbox.admin` is the default account's); the
 * same operations are served over HTTP under /__admin (`?account=<id>` for another account).
 */
export interface LnbSandboxAdmin {
  /** The account it acts on. */
  id: string;
  /** The same interface for another account; throws on an unknown id. */
  account(id: string): LnbSandboxAdmin;
  invoice(reference: string): GeneratedInvoice | undefined;
  creditNote(reference: string): GeneratedCreditNote | undefined;
  order(reference: string): GeneratedOrder | undefined;
  retailer(reference: string): GeneratedRetailer | undefined;
  /** A new document at the end of the listing: a clean generated one with `fields` laid over it. */
  createInvoice(fields?: Partial<GeneratedInvoice>): GeneratedInvoice;
  createCreditNote(fields?: Partial<GeneratedCreditNote>): GeneratedCreditNote;
  createRetailer(fields?: Partial<GeneratedRetailer>): GeneratedRetailer;
  /** Top-level fields replaced (nested objects whole); update_time moves to now unless given. */
  changeInvoice(reference: string, changes: Partial<GeneratedInvoice>): GeneratedInvoice;
  changeCreditNote(reference: string, changes: Partial<GeneratedCreditNote>): GeneratedCreditNote;
  changeOrder(reference: string, changes: Partial<GeneratedOrder>): GeneratedOrder;
  changeRetailer(reference: string, changes: Partial<GeneratedRetailer>): GeneratedRetailer;
  /** Every defective document with its defects in plain words. */
  defects(type?: DocumentType): DocumentDefects[];
  /** One document's defects ([] when clean); undefined when it does not exist. */
  defectsOf(type: DocumentType, reference: string): Defect[] | undefined;
  defectCounts(): Record<DefectKind, number>;
  /**
   * Faults are the sandbox's. On `sandbox.admin` as they are with HTTP without `?account`: a spec hits the
   * account it names, or every one; every fault is listed and cleared. On `admin.account(id)`: a spec hits
   * that account alone, and only the faults that hit it are listed, removed or cleared.
   */
  injectFault(spec: FaultSpec): ActiveFault;
  faults(): ActiveFault[];
  removeFault(id: number): boolean;
  clearFaults(): void;
  /** Invalidates every token of this account: the next call with one gets a 401 (other accounts' keep working). */
  revokeTokens(): number;
  tokensIssued(): number;
  /** The API's paging, the same for every account. */
  setPagingHeaders(enabled: boolean): void;
  setPageSize(pageSize: number): void;
  /** 429 past `limit` API requests per `windowMs` (0: no limit); resets the rate counts. */
  setRateLimit(limit: number, windowMs?: number): void;
  /** 429s answered and the busiest window so far. */
  rateLimit(): RateLimitStats;
  /** Moves the sandbox's clock against the machine's (negative: behind), every account's. */
  setClockOffset(ms: number): void;
  /** The sandbox's clock now. */
  now(): Date;
  /** This account's API calls: those with its tokens, its token requests (by client_id); the default account also counts those tied to none. */
  calls(): CallCounts;
  resetCalls(): void;
  knownTaxRates: readonly number[];
  config: Readonly<GeneratorConfig>;
}

export interface LnbSandbox {
  /** The API base, e.g. http://127.0.0.1:4010/apis/wholesale/v2. */
  url: string;
  adminUrl: string;
  port: number;
  /** The default account's. */
  clientId: string;
  clientSecret: string;
  /** Every account, the default first. The sandbox's own credentials, nobody's secret, but never log them. */
  accounts: readonly { id: string; clientId: string; clientSecret: string }[];
  /** The default account's; `admin.account(id)` for another. */
  admin: LnbSandboxAdmin;
  close(): Promise<void>;
}

const ACCOUNT_ID = /^[A-Za-z0-9_-]{1,64}$/;
const DEFAULT_ACCOUNT = 'default';

function checked(name: string, value: number, min: number, max: number, integer = true): number {
  if (!Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    throw new Error(`LNB sandbox option ${name} must be ${integer ? 'an integer ' : ''}in [${min}, ${max}], got ${value}`);
  }
  return value;
}

/** `prefix` names the account in messages (`accounts[1].`). */
export function sandboxConfig(options: GeneratorOptions = {}, prefix = ''): GeneratorConfig {
  const invoices = checked(`${prefix}invoices`, options.invoices ?? 1000, 0, 10_000_000);
  const brand = options.brand ?? 'fr';
  if (!BRAND_KEYS.includes(brand)) throw new Error(`LNB sandbox option ${prefix}brand must be one of ${BRAND_KEYS.join(', ')}, got ${String(brand)}`);
  return {
    seed: checked(`${prefix}seed`, options.seed ?? 42, 0, 0xffffffff),
    invoices,
    creditNotes: checked(`${prefix}creditNotes`, options.creditNotes ?? Math.round(invoices * 0.05), 0, 10_000_000),
    retailers: checked(`${prefix}retailers`, options.retailers ?? 200, 1, 1_000_000),
    defectRate: checked(`${prefix}defectRate`, options.defectRate ?? 0.05, 0, 1, false),
    brand,
  };
}

/** The accounts to serve: `accounts`, checked, or the one the top-level options describe. */
function accountOptions(options: LnbSandboxOptions): LnbSandboxAccountOptions[] {
  if (options.accounts === undefined) {
    return [
      { ...options, id: DEFAULT_ACCOUNT, clientId: options.clientId ?? 'lnb-sandbox-client', clientSecret: options.clientSecret ?? 'lnb-sandbox-secret' },
    ];
  }
  if (!Array.isArray(options.accounts) || options.accounts.length === 0) throw new Error('LNB sandbox option accounts must list at least one account');
  if (options.clientId !== undefined || options.clientSecret !== undefined) {
    throw new Error('LNB sandbox option accounts: give clientId and clientSecret per account, not at the top level');
  }
  const ids = new Set<string>();
  const clientIds = new Set<string>();
  return options.accounts.map((account, position) => {
    const name = `LNB sandbox option accounts[${position}]`;
    if (typeof account.id !== 'string' || !ACCOUNT_ID.test(account.id)) throw new Error(`${name}.id must be 1 to 64 letters, digits, - or _`);
    for (const field of ['clientId', 'clientSecret'] as const) {
      if (typeof account[field] !== 'string' || account[field] === '') throw new Error(`${name}.${field} must be a non-empty string`);
    }
    if (ids.has(account.id)) throw new Error(`${name}.id "${account.id}" is already another account's`);
    // The token endpoint finds the account by client_id: two accounts with one would be one account.
    if (clientIds.has(account.clientId)) throw new Error(`${name}.clientId is already another account's`);
    ids.add(account.id);
    clientIds.add(account.clientId);
    const { clientId: _clientId, clientSecret: _clientSecret, accounts: _accounts, ...defaults } = options;
    // A field the account leaves undefined takes the top-level default, as one it leaves out.
    const given = Object.fromEntries(Object.entries(account).filter(([, value]) => value !== undefined)) as LnbSandboxAccountOptions;
    return { ...defaults, seed: ((options.seed ?? 42) + position) % 0x1_0000_0000, ...given };
  });
}

export async function startLnbSandbox(options: LnbSandboxOptions = {}): Promise<LnbSandbox> {
  const adminAccess = new AdminAccess({ sandbox: 'LNB sandbox', host: options.host, token: options.adminToken, variable: LNB_ADMIN_TOKEN_VARIABLE });
  const settings: SandboxSettings = {
    pageSize: checked('pageSize', options.pageSize ?? 500, 1, 10_000),
    pagingHeaders: true,
    tokenTtlSeconds: checked('tokenTtlSeconds', options.tokenTtlSeconds ?? 3600, 1, 31_536_000),
    clockOffsetMs: checked('clockOffsetMs', options.clockOffsetMs ?? 0, -31_536_000_000, 31_536_000_000),
    pageCacheBytes: checked('pageCacheMb', options.pageCacheMb ?? 512, 0, 65_536) * 1_048_576,
  };
  const historyEndMs = Date.now() + settings.clockOffsetMs - 3_600_000;
  const accounts = accountOptions(options).map((account, position) => {
    const prefix = options.accounts === undefined ? '' : `accounts[${position}].`;
    const rateLimit = {
      limit: checked(`${prefix}rateLimit`, account.rateLimit ?? options.rateLimit ?? 0, 0, 10_000_000),
      windowMs: checked(`${prefix}rateLimitWindowMs`, account.rateLimitWindowMs ?? options.rateLimitWindowMs ?? 60_000, 1, 86_400_000),
    };
    const store = new SandboxStore(sandboxConfig(account, prefix), { historyEndMs });
    return new SandboxAccount(account.id, account.clientId, account.clientSecret, store, rateLimit);
  });
  const server = new SandboxServer(accounts, settings, adminAccess);
  const port = await server.listen(checked('port', options.port ?? 0, 0, 65_535), options.host);
  const admins = new Map(accounts.map((account) => [account.id, accountAdmin(server, account, (id) => adminOf(id))]));
  const adminOf = (id: string): LnbSandboxAdmin => {
    const admin = admins.get(id);
    if (!admin) throw new Error(`no LNB sandbox account "${id}" (accounts: ${accounts.map((account) => account.id).join(', ')})`);
    return admin;
  };
  const [first] = accounts;
  const origin = `http://127.0.0.1:${port}`;
  return {
    url: `${origin}${API_BASE}`,
    adminUrl: `${origin}${ADMIN_BASE}`,
    port,
    clientId: first.clientId,
    clientSecret: first.clientSecret,
    accounts: accounts.map(({ id, clientId, clientSecret }) => ({ id, clientId, clientSecret })),
    // The default account's admin, with the sandbox-wide view of faults (as HTTP without ?account).
    admin: { ...adminOf(first.id), ...faultAdmin(server, undefined) },
    close: () => server.close(),
  };
}

/** Faults of the whole sandbox (`account` undefined) or of one account: see LnbSandboxAdmin. */
function faultAdmin(
  server: SandboxServer,
  account: SandboxAccount | undefined,
): Pick<LnbSandboxAdmin, 'injectFault' | 'faults' | 'removeFault' | 'clearFaults'> {
  return {
    injectFault: (spec) => server.addFault(spec, account),
    faults: () => server.faultsOf(account),
    removeFault: (id) => server.removeFault(id, account),
    clearFaults: () => server.clearFaults(account),
  };
}

function accountAdmin(server: SandboxServer, account: SandboxAccount, adminOf: (id: string) => LnbSandboxAdmin): LnbSandboxAdmin {
  const { store } = account;
  const now = (): string => server.clock().toISOString();
  return {
    id: account.id,
    account: adminOf,
    invoice: (ref) => store.invoices.get(ref),
    creditNote: (ref) => store.creditNotes.get(ref),
    order: (ref) => store.orders.get(ref),
    retailer: (ref) => store.retailers.get(ref),
    createInvoice: (fields = {}) => store.invoices.create(fields, now()),
    createCreditNote: (fields = {}) => store.creditNotes.create(fields, now()),
    createRetailer: (fields = {}) => store.retailers.create(fields, now()),
    changeInvoice: (ref, changes) => store.invoices.change(ref, changes, now()),
    changeCreditNote: (ref, changes) => store.creditNotes.change(ref, changes, now()),
    changeOrder: (ref, changes) => store.orders.change(ref, changes, now()),
    changeRetailer: (ref, changes) => store.retailers.change(ref, changes, now()),
    defects: (type) => store.defects(type),
    defectsOf: (type, ref) => store.inspect(type, ref),
    defectCounts: () => store.defectCounts(),
    ...faultAdmin(server, account),
    revokeTokens: () => server.revokeTokens(account),
    tokensIssued: () => account.tokensIssued,
    setPagingHeaders: (enabled) => void server.applySettings(account, { pagingHeaders: enabled }),
    setPageSize: (pageSize) => void server.applySettings(account, { pageSize }),
    setRateLimit: (limit, windowMs) =>
      void server.applySettings(account, windowMs === undefined ? { rateLimit: limit } : { rateLimit: limit, rateLimitWindowMs: windowMs }),
    rateLimit: () => account.rateLimiter.stats(),
    setClockOffset: (ms) => void server.applySettings(account, { clockOffsetMs: ms }),
    now: () => server.clock(),
    calls: () => account.calls(),
    resetCalls: () => account.resetCalls(),
    knownTaxRates: KNOWN_TAX_RATES,
    config: store.config,
  };
}
