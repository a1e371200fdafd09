// startLnbSandbox: the in-process entry tests, the benchmark and the thin app use.
import { AdminAccess } from './admin-access';
import { KNOWN_TAX_RATES } from './catalogue';
import type { ActiveFault, FaultSpec } from './faults';
import type { DefectKind, GeneratedCreditNote, GeneratedInvoice, GeneratedOrder, GeneratedRetailer, GeneratorConfig } from './generator';
import type { Defect } from './inspect';
import type { RateLimitStats } from './rate-limit';
import { ADMIN_BASE, API_BASE, type CallCounts, SandboxServer, type SandboxSettings } from './server';
import { type DocumentDefects, type DocumentType, SandboxStore } from './store';

/** The variable of apps/lnb-sandbox that sets `adminToken`; refusals name it. */
const LNB_ADMIN_TOKEN_VARIABLE = 'LNB_SANDBOX_ADMIN_TOKEN';

export interface LnbSandboxOptions {
  /** The address to listen on: 127.0.0.1 by default; 0.0.0.0 in a container (which needs `adminToken`). */
  host?: string;
  /**
   * Required by the admin API as `authorization: Bearer <token>` when set; without it the sandbox listens on
   * loopback only (it refuses to start on another address) and its admin API is open to this machine.
   */
  adminToken?: string;
  /** 0 picks a free port. Default 0. */
  port?: number;
  seed?: number;
  /** Generated invoices (one order each). Default 1,000. */
  invoices?: number;
  /** Generated credit notes. Default 5% of the invoices. */
  creditNotes?: number;
  retailers?: number;
  /** Share (0..1) of generated invoices and credit notes with one defect. Default 0.05. */
  defectRate?: number;
  pageSize?: number;
  clientId?: string;
  clientSecret?: string;
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

/** Test-side control of a running sandbox; the same operations are served over HTTP under /__admin. */
export interface LnbSandboxAdmin {
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
  injectFault(spec: FaultSpec): ActiveFault;
  faults(): ActiveFault[];
  removeFault(id: number): boolean;
  clearFaults(): void;
  /** Invalidates every issued token: the next call with one gets a 401. */
  revokeTokens(): number;
  tokensIssued(): number;
  setPagingHeaders(enabled: boolean): void;
  setPageSize(pageSize: number): void;
  /** 429 past `limit` API requests per `windowMs` (0: no limit); resets the rate counts. */
  setRateLimit(limit: number, windowMs?: number): void;
  /** 429s answered and the busiest window so far. */
  rateLimit(): RateLimitStats;
  /** Moves the sandbox's clock against the machine's (negative: behind). */
  setClockOffset(ms: number): void;
  /** The sandbox's clock now. */
  now(): Date;
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
  clientId: string;
  clientSecret: string;
  admin: LnbSandboxAdmin;
  close(): Promise<void>;
}

function checked(name: string, value: number, min: number, max: number, integer = true): number {
  if (!Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    throw new Error(`LNB sandbox option ${name} must be ${integer ? 'an integer ' : ''}in [${min}, ${max}], got ${value}`);
  }
  return value;
}

export function sandboxConfig(options: LnbSandboxOptions = {}): GeneratorConfig {
  const invoices = checked('invoices', options.invoices ?? 1000, 0, 10_000_000);
  return {
    seed: checked('seed', options.seed ?? 42, 0, 0xffffffff),
    invoices,
    creditNotes: checked('creditNotes', options.creditNotes ?? Math.round(invoices * 0.05), 0, 10_000_000),
    retailers: checked('retailers', options.retailers ?? 200, 1, 1_000_000),
    defectRate: checked('defectRate', options.defectRate ?? 0.05, 0, 1, false),
  };
}

export async function startLnbSandbox(options: LnbSandboxOptions = {}): Promise<LnbSandbox> {
  const adminAccess = new AdminAccess({ sandbox: 'LNB sandbox', host: options.host, token: options.adminToken, variable: LNB_ADMIN_TOKEN_VARIABLE });
  const config = sandboxConfig(options);
  const settings: SandboxSettings = {
    pageSize: checked('pageSize', options.pageSize ?? 500, 1, 10_000),
    pagingHeaders: true,
    clientId: options.clientId ?? 'lnb-sandbox-client',
    clientSecret: options.clientSecret ?? 'lnb-sandbox-secret',
    tokenTtlSeconds: checked('tokenTtlSeconds', options.tokenTtlSeconds ?? 3600, 1, 31_536_000),
    rateLimit: checked('rateLimit', options.rateLimit ?? 0, 0, 10_000_000),
    rateLimitWindowMs: checked('rateLimitWindowMs', options.rateLimitWindowMs ?? 60_000, 1, 86_400_000),
    clockOffsetMs: checked('clockOffsetMs', options.clockOffsetMs ?? 0, -31_536_000_000, 31_536_000_000),
    pageCacheBytes: checked('pageCacheMb', options.pageCacheMb ?? 512, 0, 65_536) * 1_048_576,
  };
  const store = new SandboxStore(config, { historyEndMs: Date.now() + settings.clockOffsetMs - 3_600_000 });
  const server = new SandboxServer(store, settings, adminAccess);
  const port = await server.listen(checked('port', options.port ?? 0, 0, 65_535), options.host);
  const now = (): string => server.clock().toISOString();
  const admin: LnbSandboxAdmin = {
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
    injectFault: (spec) => server.faults.add(spec),
    faults: () => server.faults.list(),
    removeFault: (id) => server.faults.remove(id),
    clearFaults: () => server.faults.clear(),
    revokeTokens: () => server.revokeTokens(),
    tokensIssued: () => server.issuedTokens(),
    setPagingHeaders: (enabled) => void server.applySettings({ pagingHeaders: enabled }),
    setPageSize: (pageSize) => void server.applySettings({ pageSize }),
    setRateLimit: (limit, windowMs) =>
      void server.applySettings(windowMs === undefined ? { rateLimit: limit } : { rateLimit: limit, rateLimitWindowMs: windowMs }),
    rateLimit: () => server.rateLimiter.stats(),
    setClockOffset: (ms) => void server.applySettings({ clockOffsetMs: ms }),
    now: () => server.clock(),
    calls: () => server.calls(),
    resetCalls: () => server.resetCalls(),
    knownTaxRates: KNOWN_TAX_RATES,
    config,
  };
  const origin = `http://127.0.0.1:${port}`;
  return {
    url: `${origin}${API_BASE}`,
    adminUrl: `${origin}${ADMIN_BASE}`,
    port,
    clientId: settings.clientId,
    clientSecret: settings.clientSecret,
    admin,
    close: () => server.close(),
  };
}
