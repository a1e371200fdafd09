// A connection's runs use only the LNB credentials set for it through monitor-api (issue 12): the poller as its own
// process, the LNB sandbox serving two accounts over HTTP. Until credentials are set a run fails in plain words
// having asked LNB nothing (no other account is tried: a brand never reads another's); once set, the next run asks
// the account they belong to, and after a rotation the new one, without a restart; stored credentials that no longer
// open fail the run in plain words before LNB is asked anything.
import type { RunFailed } from '@lnbx/contracts';
import { SecretCipher } from '@lnbx/platform';
import { http, type SpawnedService } from '@lnbx/testing';
import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import { credentialsContext } from './store/lnb-credentials-store';
import { PollerHarness } from './testing/harness';

const TOKEN = randomBytes(32).toString('hex');
const ACCOUNTS = [
  { id: 'configured', clientId: 'configured-client', clientSecret: 'configured-secret-0123456789', invoices: 6, seed: 101 },
  { id: 'rotated', clientId: 'rotated-client', clientSecret: 'rotated-secret-0123456789', invoices: 9, seed: 202 },
];

describe('lnb-poller: a run uses the connection’s LNB credentials as last set', () => {
  const h = new PollerHarness({ name: 'connection_credentials', connectionId: 'acme', sealCredentials: false });
  let poller: SpawnedService;
  let pool: Pool;

  beforeAll(async () => {
    await h.start({ accounts: ACCOUNTS });
    poller = await h.startPoller({ POLLER_SERVICE_TOKEN: TOKEN });
    pool = new Pool({ connectionString: h.db.url, max: 2 });
  });

  afterAll(async () => {
    await pool?.end();
    await h.stop();
  });

  const callsOf = (account: string) => h.lnb.admin.account(account).calls().total;

  const setCredentials = async (account: (typeof ACCOUNTS)[number]) => {
    const { clientId, clientSecret } = account;
    const set = await http('PUT', `${poller.url}/internal/connections/acme/lnb-credentials`, { clientId, clientSecret }, { authorization: `Bearer ${TOKEN}` });
    expect(set.status).toBe(204);
  };

  it('fails a run of a connection with no credentials set, asking LNB nothing (no other credentials are tried)', async () => {
    const runId = await h.request();
    const outcome = await h.outcome(runId);
    expect(outcome.type).toBe('RunFailed');
    const { problem } = outcome.payload as RunFailed.Value;
    expect(problem.code).toBe('POLLER.NO_LNB_CREDENTIALS');
    expect(problem.message).toMatch(
      /No LNB credentials are set for connection acme: set them in the Integration Center \(PUT \/api\/connections\/acme\/lnb-credentials\)/,
    );
    expect(callsOf('configured') + callsOf('rotated')).toBe(0);
  });

  it('asks the account the credentials set belong to, and after a rotation the new one, without a restart', async () => {
    await setCredentials(ACCOUNTS[0]);
    const first = await h.run();
    expect(first.outcome.type).toBe('RunCompleted');
    expect(callsOf('configured')).toBeGreaterThan(0);
    expect(callsOf('rotated')).toBe(0);

    await setCredentials(ACCOUNTS[1]);
    const before = { configured: callsOf('configured'), rotated: callsOf('rotated') };
    const second = await h.run({ fullRecheck: true });
    expect(second.outcome.type).toBe('RunCompleted');
    expect(callsOf('configured')).toBe(before.configured);
    expect(callsOf('rotated')).toBeGreaterThan(before.rotated + 1);
    expect(JSON.stringify(poller.logs)).not.toContain(ACCOUNTS[1].clientSecret);
  });

  it('fails the run in plain words, asking LNB nothing, when the stored credentials do not open', async () => {
    // Sealed with another key (as after POLLER_CREDENTIALS_KEY changed).
    const other = SecretCipher.fromText(randomBytes(32).toString('hex'), 'POLLER_CREDENTIALS_KEY');
    const sealed = other.encrypt(JSON.stringify({ clientId: 'x', clientSecret: 'y' }), credentialsContext('acme'));
    await pool.query('update poller.lnb_credentials set sealed = $1 where connection_id = $2', [sealed, 'acme']);
    const before = callsOf('configured') + callsOf('rotated');

    const runId = await h.request();
    const outcome = await h.outcome(runId);
    expect(outcome.type).toBe('RunFailed');
    const { problem } = outcome.payload as RunFailed.Value;
    expect(problem.code).toBe('POLLER.CREDENTIALS_UNREADABLE');
    expect(problem.message).toMatch(/LNB credentials stored for connection acme cannot be opened .*set them again/);
    expect(callsOf('configured') + callsOf('rotated')).toBe(before);
  });
});
