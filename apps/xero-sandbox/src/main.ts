// Runs the Xero sandbox as a process for the demo and manual rehearsal; all behaviour lives in the lib.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_TENANTS, DEMO_FASHION_UK, startXeroSandbox, type TenantSeed } from '@lnbx/xero-sandbox';

function fail(message: string): never {
  process.stderr.write(`${JSON.stringify({ level: 'error', msg: message })}\n`);
  process.exit(1);
}

function numberEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) fail(`${name} must be a non-negative number, got "${raw}"`);
  return n;
}

function specPath(): string | null {
  const explicit = process.env.XERO_SANDBOX_SPEC;
  if (explicit) {
    if (!fs.existsSync(explicit)) fail(`XERO_SANDBOX_SPEC points at ${explicit}, which does not exist`);
    return explicit;
  }
  // The reference folder sits beside the repo; the compiled app runs from dist/apps/xero-sandbox/src.
  const candidates = [process.cwd(), path.resolve(__dirname, '../../..'), path.resolve(__dirname, '../../../..')].map((root) =>
    path.resolve(root, '../shared/reference/xero_accounting.yaml'),
  );
  return candidates.find((p) => fs.existsSync(p)) ?? null;
}

/**
 * The seeded organisations, and XERO_SANDBOX_EXTRA_ORGANISATIONS more like Demo Fashion Ltd (its chart, tax
 * rates and currencies) named "Demo Fashion Ltd 01", "Demo Fashion Ltd 02"...: many brands on one app
 * (bench:tenants). Their ids are stable, derived from the names as the seeded ones' are.
 */
function organisations(): TenantSeed[] | undefined {
  const extra = numberEnv('XERO_SANDBOX_EXTRA_ORGANISATIONS', 0);
  if (!Number.isInteger(extra) || extra > 500) fail(`XERO_SANDBOX_EXTRA_ORGANISATIONS must be a whole number up to 500, got "${extra}"`);
  if (extra === 0) return undefined;
  const width = Math.max(2, String(extra).length);
  const copies = Array.from({ length: extra }, (_, i): TenantSeed => {
    const name = `${DEMO_FASHION_UK.name} ${String(i + 1).padStart(width, '0')}`;
    return { ...DEMO_FASHION_UK, name, legalName: name };
  });
  return [...DEFAULT_TENANTS, ...copies];
}

async function main(): Promise<void> {
  const timeScale = numberEnv('XERO_SANDBOX_TIME_SCALE', 1);
  if (timeScale === 0) fail('XERO_SANDBOX_TIME_SCALE must be greater than 0');
  const adminToken = process.env.XERO_SANDBOX_ADMIN_TOKEN || undefined;
  const sandbox = await startXeroSandbox({
    port: numberEnv('XERO_SANDBOX_PORT', 4020),
    host: process.env.XERO_SANDBOX_HOST || undefined,
    adminToken,
    // A deployment's own secrets (docker-compose requires them); the README's defaults otherwise.
    clientSecrets: {
      clientCredentials: process.env.XERO_SANDBOX_CLIENT_SECRET || undefined,
      authorizationCode: process.env.XERO_SANDBOX_AUTHCODE_CLIENT_SECRET || undefined,
    },
    stateFile: process.env.XERO_SANDBOX_STATE_FILE || undefined,
    tenants: organisations(),
    timeScale,
    limits: process.env.XERO_SANDBOX_LIMITS !== 'off',
    specPath: specPath(),
  });
  process.stdout.write(
    `${JSON.stringify({
      level: 'info',
      msg: 'xero sandbox listening',
      url: sandbox.url,
      accountingBasePath: sandbox.accountingBasePath,
      tenants: sandbox.tenants,
      validation: sandbox.schemaValidation.source,
      // Never the token itself.
      adminAccess: adminToken ? 'bearer token (XERO_SANDBOX_ADMIN_TOKEN)' : 'this machine only, no token',
    })}\n`,
  );
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    sandbox.close().then(
      () => process.exit(0),
      (err: unknown) => fail(`failed to stop: ${err instanceof Error ? err.message : String(err)}`),
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err: unknown) => fail(err instanceof Error ? err.message : String(err)));
