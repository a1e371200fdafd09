// The LNB sandbox as a process: for the demo and for rehearsing against a fake Le New Black.
import { type LnbSandboxOptions, startLnbSandbox } from '@lnbx/lnb-sandbox';

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

function optionsFromEnv(): LnbSandboxOptions {
  const options: LnbSandboxOptions = { port: 4010 };
  for (const [option, name] of Object.entries(NUMERIC_ENV) as [keyof typeof NUMERIC_ENV, string][]) {
    const raw = process.env[name];
    if (raw === undefined || raw.trim() === '') continue;
    const value = Number(raw);
    if (!Number.isFinite(value)) throw new Error(`${name} must be a number, got "${raw}"`);
    options[option] = value;
  }
  options.host = process.env.LNB_SANDBOX_HOST || undefined;
  options.clientId = process.env.LNB_SANDBOX_CLIENT_ID || undefined;
  options.clientSecret = process.env.LNB_SANDBOX_CLIENT_SECRET || undefined;
  options.adminToken = process.env.LNB_SANDBOX_ADMIN_TOKEN || undefined;
  return options;
}

/** The sandbox names the option it refuses; the operator set a variable. */
function nameTheVariable(message: string): string {
  return message.replace(/option (\w+)/, (found, option: string) => NUMERIC_ENV[option as keyof typeof NUMERIC_ENV] ?? found);
}

async function main(): Promise<void> {
  const options = optionsFromEnv();
  const sandbox = await startLnbSandbox(options);
  const { config } = sandbox.admin;
  // One JSON line; the client secret and the admin token stay out of it (the README gives the default secret).
  process.stdout.write(
    `${JSON.stringify({
      level: 'info',
      msg: 'LNB sandbox listening',
      url: sandbox.url,
      admin: sandbox.adminUrl,
      clientId: sandbox.clientId,
      adminAccess: options.adminToken ? 'bearer token (LNB_SANDBOX_ADMIN_TOKEN)' : 'this machine only, no token',
      seed: config.seed,
      invoices: config.invoices,
      creditNotes: config.creditNotes,
      retailers: config.retailers,
      defectRate: config.defectRate,
    })}\n`,
  );
  const stop = (): void => {
    void sandbox.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err: unknown) => {
  const error = nameTheVariable(err instanceof Error ? err.message : String(err));
  process.stderr.write(`${JSON.stringify({ level: 'error', msg: 'LNB sandbox failed to start', error })}\n`);
  process.exit(1);
});
