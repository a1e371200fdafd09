// The app's environment as the sandbox's options: extra accounts in LNB_SANDBOX_ACCOUNTS, and every
// refusal naming the variable to fix.
import { nameTheVariable, optionsFromEnv } from './options';

const refusal = (env: Record<string, string>): string => {
  try {
    optionsFromEnv(env);
  } catch (err) {
    return (err as Error).message;
  }
  return 'accepted';
};

describe('the LNB sandbox app options', () => {
  it('serves one account from the LNB_SANDBOX_* variables when LNB_SANDBOX_ACCOUNTS is unset or empty', () => {
    for (const env of [{}, { LNB_SANDBOX_ACCOUNTS: ' ' }]) {
      const options = optionsFromEnv({ ...env, LNB_SANDBOX_CLIENT_ID: 'own', LNB_SANDBOX_SEED: '3' });
      expect(options).toMatchObject({ port: 4010, clientId: 'own', seed: 3 });
      expect(options.accounts).toBeUndefined();
    }
  });

  it('adds the compact list id:clientId:clientSecret[:seed[:brand]] after the default account', () => {
    const options = optionsFromEnv({
      LNB_SANDBOX_ACCOUNT_ID: 'uk',
      LNB_SANDBOX_BRAND: 'uk',
      LNB_SANDBOX_CLIENT_SECRET: 'uk-secret',
      LNB_SANDBOX_INVOICES: '200',
      LNB_SANDBOX_ACCOUNTS: 'nl:nl-client:nl-secret:12:nl, fr:fr-client:fr-secret',
    });
    expect(options.accounts).toEqual([
      { id: 'uk', clientId: 'lnb-sandbox-client', clientSecret: 'uk-secret' },
      { id: 'nl', clientId: 'nl-client', clientSecret: 'nl-secret', seed: 12, brand: 'nl' },
      { id: 'fr', clientId: 'fr-client', clientSecret: 'fr-secret' },
    ]);
    expect(options).toMatchObject({ brand: 'uk', invoices: 200 });
    expect(options.clientId).toBeUndefined();
  });

  it('takes a JSON array for what the compact form cannot say', () => {
    const accounts = [{ id: 'nl', clientId: 'nl:client', clientSecret: 's,ecret', seed: 12, brand: 'nl', invoices: 50, rateLimit: 100 }];
    expect(optionsFromEnv({ LNB_SANDBOX_ACCOUNTS: JSON.stringify(accounts) }).accounts?.slice(1)).toEqual(accounts);
  });

  it('refuses a bad list in plain words naming LNB_SANDBOX_ACCOUNTS and the entry', () => {
    const cases: [string, string][] = [
      ['nl:nl-client', 'LNB_SANDBOX_ACCOUNTS (entry 1): "nl…" needs an id, a client id and a client secret'],
      ['nl:a:b:12:nl:extra', 'LNB_SANDBOX_ACCOUNTS (entry 1)'],
      ['nl:a:b:twelve', 'LNB_SANDBOX_ACCOUNTS (entry 1): the seed must be a whole number'],
      ['nl:a:b:1,be:c:d:2:be', 'LNB_SANDBOX_ACCOUNTS (entry 2): the brand must be one of fr, uk, nl'],
      ['[{"id": "nl"', 'LNB_SANDBOX_ACCOUNTS starts with [ but is not JSON'],
      ['[]', 'LNB_SANDBOX_ACCOUNTS must be a JSON array of at least one account'],
      ['[{"id": "nl", "clientId": "a", "clientSecret": "b", "invoice": 5}]', 'LNB_SANDBOX_ACCOUNTS (entry 1): unknown field invoice'],
      ['[{"id": "nl", "clientId": "a", "clientSecret": "b", "seed": "5"}]', 'LNB_SANDBOX_ACCOUNTS (entry 1): seed must be a number'],
      ['[{"id": "nl", "clientId": "a"}]', 'LNB_SANDBOX_ACCOUNTS (entry 1): clientSecret must be a non-empty string'],
    ];
    for (const [value, message] of cases) expect(refusal({ LNB_SANDBOX_ACCOUNTS: value })).toContain(message);
    expect(refusal({ LNB_SANDBOX_BRAND: 'be' })).toBe('LNB_SANDBOX_BRAND must be one of fr, uk, nl, got "be"');
  });

  it("names the variable behind an option the sandbox refuses, the extra accounts' by entry", () => {
    expect(nameTheVariable('LNB sandbox option invoices must be an integer in [0, 10000000], got -1')).toContain('LNB_SANDBOX_INVOICES must be');
    expect(nameTheVariable('LNB sandbox option accounts[0].invoices must be an integer')).toContain('LNB_SANDBOX_INVOICES must be');
    expect(nameTheVariable('LNB sandbox option accounts[0].id must be 1 to 64 letters')).toContain('LNB_SANDBOX_ACCOUNT_ID must be');
    expect(nameTheVariable("LNB sandbox option accounts[2].clientId is already another account's")).toBe(
      "LNB sandbox LNB_SANDBOX_ACCOUNTS (entry 2) clientId is already another account's",
    );
  });
});
