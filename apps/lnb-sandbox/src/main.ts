// The LNB sandbox as a process: for the demo and for rehearsing against a fake Le New Black.
import { startLnbSandbox } from '@lnbx/lnb-sandbox';
import { nameTheVariable, optionsFromEnv } from './options';

async function main(): Promise<void> {
  const options = optionsFromEnv(process.env);
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
      brand: config.brand,
      // Ids and client ids only: the client secrets stay out of logs, like the admin token.
      accounts: sandbox.accounts.map(({ id, clientId }) => {
        const { seed, brand, invoices } = sandbox.admin.account(id).config;
        return { id, clientId, seed, brand, invoices };
      }),
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
