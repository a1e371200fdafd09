// The app as a process with extra accounts: each answers with its own credentials and documents, and the
// start line names the accounts without a secret; a bad LNB_SANDBOX_ACCOUNTS stops it naming the variable.
import { spawnService } from '@lnbx/testing';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../../..');
const SECRETS = { uk: 'albion-secret-9f2c', nl: 'noord-secret-77ab' };
const BASE = { LNB_SANDBOX_PORT: '0', LNB_SANDBOX_ADMIN_TOKEN: '', LNB_SANDBOX_HOST: '', LNB_SANDBOX_INVOICES: '20', LNB_SANDBOX_RETAILERS: '5' };

describe('apps/lnb-sandbox with LNB_SANDBOX_ACCOUNTS', () => {
  it('serves the default account and the declared ones, logging no secret', async () => {
    const service = await spawnService(
      'lnb-sandbox',
      {
        ...BASE,
        LNB_SANDBOX_ACCOUNT_ID: 'uk',
        LNB_SANDBOX_BRAND: 'uk',
        LNB_SANDBOX_CLIENT_ID: 'albion-client',
        LNB_SANDBOX_CLIENT_SECRET: SECRETS.uk,
        LNB_SANDBOX_ACCOUNTS: `nl:noord-client:${SECRETS.nl}:12:nl`,
      },
      { readyMessage: 'LNB sandbox listening' },
    );
    try {
      const line = service.logs.find((l) => l.msg === 'LNB sandbox listening')!;
      expect(line.accounts).toEqual([
        { id: 'uk', clientId: 'albion-client', seed: 42, brand: 'uk', invoices: 20 },
        { id: 'nl', clientId: 'noord-client', seed: 12, brand: 'nl', invoices: 20 },
      ]);
      expect(JSON.stringify(service.logs)).not.toMatch(new RegExp(`${SECRETS.uk}|${SECRETS.nl}`));
      const currencies: string[] = [];
      for (const [clientId, secret] of [
        ['albion-client', SECRETS.uk],
        ['noord-client', SECRETS.nl],
      ]) {
        const granted = await fetch(`${service.url}/auth/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ client_id: clientId, client_secret: secret, grant_type: 'client_credentials' }),
        });
        const { access_token: token } = (await granted.json()) as { access_token: string };
        const invoice = (await (await fetch(`${service.url}/invoices/INV-000001?access_token=${token}`)).json()) as { currency_code: string };
        currencies.push(invoice.currency_code);
      }
      expect(currencies).toEqual(['GBP', 'EUR']);
    } finally {
      await service.stop();
    }
  });

  it('stops on a bad LNB_SANDBOX_ACCOUNTS, naming it', () => {
    const main = ['-r', path.join(ROOT, 'tools/runtime/register-ts.js'), path.join(ROOT, 'apps/lnb-sandbox/src/main.ts')];
    for (const [value, said] of [
      ['nl:noord-client', 'LNB_SANDBOX_ACCOUNTS (entry 1)'],
      ['nl:lnb-sandbox-client:other-secret', "LNB_SANDBOX_ACCOUNTS (entry 1) clientId is already another account's"],
    ]) {
      const run = spawnSync(process.execPath, main, {
        cwd: ROOT,
        env: { ...process.env, ...BASE, LNB_SANDBOX_ACCOUNTS: value },
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect([run.status, run.stdout]).toEqual([1, '']);
      expect(run.stderr).toContain(said);
      expect(run.stderr).not.toContain('other-secret');
    }
  });
});
