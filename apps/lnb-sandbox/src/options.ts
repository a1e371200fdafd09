// The LNB sandbox's options from the environment of apps/lnb-sandbox, with errors that name the variable.
import { BRAND_KEYS, type BrandKey, type LnbSandboxAccountOptions, type LnbSandboxOptions } from '@lnbx/lnb-sandbox';

const ACCOUNTS_VARIABLE = 'LNB_SANDBOX_ACCOUNTS';
/** The JSON form's numeric fields; the compact form has the seed alone. */
const ACCOUNT_NUMBERS = ['seed', 'invoices', 'creditNotes', 'retailers', 'defectRate', 'rateLimit', 'rateLimitWindowMs'] as const;
const ACCOUNT_FIELDS: readonly string[] = ['id', 'clientId', 'clientSecret', 'brand', ...ACCOUNT_NUMBERS];
const isBrand = (value: unknown): value is BrandKey => (BRAND_KEYS as readonly unknown[]).includes(value);

const NUMERIC_ENV = {
  port: 'LNB_SANDBOX_PORT',
  seed: 'LNB_SANDBOX_SEED',
  invoices: 'LNB_SANDBOX_INVOICES',
  creditNotes: 'LNB_SANDBOX_CREDIT_NOTES',
  retailers: 'LNB_SANDBOX_RETAILERS',
  defectRate: 'LNB_SANDBOX_DEFECT_RATE',
  pageSize: 'LNB_SANDBOX_PAGE_SIZE',
  tokenTtlSeconds: 'LNB_SANDBOX_TOKEN_TTL_SECONDS',
  rateLimit: 'LNB_SANDBOX_RATE_LIMIT',
  rateLimitWindowMs: 'LNB_SANDBOX_RATE_LIMIT_WINDOW_MS',
  clockOffsetMs: 'LNB_SANDBOX_CLOCK_OFFSET_MS',
  pageCacheMb: 'LNB_SANDBOX_PAGE_CACHE_MB',
} as const;

/** What sets each field of the default account when LNB_SANDBOX_ACCOUNTS adds others. */
const DEFAULT_ACCOUNT_ENV: Record<string, string | undefined> = {
  ...NUMERIC_ENV,
  id: 'LNB_SANDBOX_ACCOUNT_ID',
  brand: 'LNB_SANDBOX_BRAND',
  clientId: 'LNB_SANDBOX_CLIENT_ID',
  clientSecret: 'LNB_SANDBOX_CLIENT_SECRET',
};

export function optionsFromEnv(env: NodeJS.ProcessEnv): LnbSandboxOptions {
  const options: LnbSandboxOptions = { port: 4010 };
  for (const [option, name] of Object.entries(NUMERIC_ENV) as [keyof typeof NUMERIC_ENV, string][]) {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') continue;
    const value = Number(raw);
    if (!Number.isFinite(value)) throw new Error(`${name} must be a number, got "${raw}"`);
    options[option] = value;
  }
  options.host = env.LNB_SANDBOX_HOST || undefined;
  options.clientId = env.LNB_SANDBOX_CLIENT_ID || undefined;
  options.clientSecret = env.LNB_SANDBOX_CLIENT_SECRET || undefined;
  options.adminToken = env.LNB_SANDBOX_ADMIN_TOKEN || undefined;
  const brand = env.LNB_SANDBOX_BRAND || undefined;
  if (brand !== undefined && !isBrand(brand)) throw new Error(`LNB_SANDBOX_BRAND must be one of ${BRAND_KEYS.join(', ')}, got "${brand}"`);
  options.brand = brand;
  const extra = env[ACCOUNTS_VARIABLE];
  if (extra === undefined || extra.trim() === '') return options;
  // The account the LNB_SANDBOX_* variables describe stays the default (first); the extra ones follow.
  const { clientId, clientSecret, ...rest } = options;
  return {
    ...rest,
    accounts: [
      { id: env.LNB_SANDBOX_ACCOUNT_ID || 'default', clientId: clientId ?? 'lnb-sandbox-client', clientSecret: clientSecret ?? 'lnb-sandbox-secret' },
      ...extraAccounts(extra),
    ],
  };
}

/**
 * LNB_SANDBOX_ACCOUNTS: extra accounts, either compact, `id:clientId:clientSecret[:seed[:brand]]` separated by
 * commas (no `:` nor `,` inside a part), or a JSON array of {id, clientId, clientSecret, seed?, brand?,
 * invoices?, creditNotes?, retailers?, defectRate?, rateLimit?, rateLimitWindowMs?}.
 */
export function extraAccounts(raw: string): LnbSandboxAccountOptions[] {
  const text = raw.trim();
  const wrong = (entry: number, what: string): Error =>
    new Error(`${ACCOUNTS_VARIABLE} (entry ${entry}): ${what}; write id:clientId:clientSecret[:seed[:brand]] separated by commas, or a JSON array`);
  if (text.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new Error(`${ACCOUNTS_VARIABLE} starts with [ but is not JSON`);
    }
    if (!Array.isArray(parsed) || parsed.length === 0) throw new Error(`${ACCOUNTS_VARIABLE} must be a JSON array of at least one account`);
    return parsed.map((item: unknown, at) => {
      const entry = at + 1;
      if (typeof item !== 'object' || item === null || Array.isArray(item)) throw wrong(entry, 'not an object');
      const fields = item as Record<string, unknown>;
      const unknown = Object.keys(fields).filter((key) => !ACCOUNT_FIELDS.includes(key));
      if (unknown.length > 0) throw wrong(entry, `unknown field ${unknown.join(', ')} (known: ${ACCOUNT_FIELDS.join(', ')})`);
      for (const key of ['id', 'clientId', 'clientSecret'] as const) {
        if (typeof fields[key] !== 'string' || fields[key] === '') throw wrong(entry, `${key} must be a non-empty string`);
      }
      for (const key of ACCOUNT_NUMBERS) {
        if (fields[key] !== undefined && (typeof fields[key] !== 'number' || !Number.isFinite(fields[key]))) throw wrong(entry, `${key} must be a number`);
      }
      if (fields.brand !== undefined && !isBrand(fields.brand)) throw wrong(entry, `brand must be one of ${BRAND_KEYS.join(', ')}`);
      return fields as unknown as LnbSandboxAccountOptions;
    });
  }
  return text.split(',').map((part, at) => {
    const entry = at + 1;
    const [id, clientId, clientSecret, seed, brand, ...more] = part.trim().split(':');
    if (!id || !clientId || !clientSecret || more.length > 0) throw wrong(entry, `"${id ?? ''}…" needs an id, a client id and a client secret`);
    const account: LnbSandboxAccountOptions = { id, clientId, clientSecret };
    if (seed !== undefined && seed !== '') {
      if (!/^\d+$/.test(seed)) throw wrong(entry, 'the seed must be a whole number');
      account.seed = Number(seed);
    }
    if (brand !== undefined && brand !== '') {
      if (!isBrand(brand)) throw wrong(entry, `the brand must be one of ${BRAND_KEYS.join(', ')}`);
      account.brand = brand;
    }
    return account;
  });
}

/** The sandbox names the option it refuses; the operator set a variable. */
export function nameTheVariable(message: string): string {
  return message
    .replace(/option accounts\[(\d+)\]\.?(\w*)/, (found, at: string, field: string) =>
      // accounts[0] is the default account, made of the LNB_SANDBOX_* variables; the others are entries 1.. of the list.
      at === '0' ? (DEFAULT_ACCOUNT_ENV[field] ?? found) : `${ACCOUNTS_VARIABLE} (entry ${at}) ${field}`,
    )
    .replace(/option accounts\b/, ACCOUNTS_VARIABLE)
    .replace(/option (\w+)/, (found, option: string) => NUMERIC_ENV[option as keyof typeof NUMERIC_ENV] ?? found);
}
