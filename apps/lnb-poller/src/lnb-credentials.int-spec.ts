// A connection's LNB credentials handed to the poller (issue 12, part 1), with the poller as its own process,
// the LNB sandbox over HTTP and a real database: checked with LNB at once, kept sealed (no plaintext in the
// table, opened only with POLLER_CREDENTIALS_KEY and the connection's id), never logged; refused by LNB is a
// 400 in plain words with nothing stored; LNB out of reach a 503; no service token, no entry.
import { SecretCipher } from '@lnbx/platform';
import { http, type SpawnedService } from '@lnbx/testing';
import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import { credentialsContext } from './store/lnb-credentials-store';
import { PollerHarness } from './testing/harness';

const TOKEN = randomBytes(32).toString('hex');
const KEY = randomBytes(32).toString('hex');

describe('lnb-poller: PUT /internal/connections/:id/lnb-credentials', () => {
  const h = new PollerHarness({ name: 'lnb_credentials', connectionId: 'acme', sealCredentials: false });
  let poller: SpawnedService;
  let pool: Pool;

  beforeAll(async () => {
    await h.start({ clientId: 'brand-two-client-7f3a', clientSecret: 'brand-two-secret-s3cr3t-value' });
    poller = await h.startPoller({ POLLER_SERVICE_TOKEN: TOKEN, POLLER_CREDENTIALS_KEY: KEY });
    pool = new Pool({ connectionString: h.db.url, max: 2 });
  });

  afterAll(async () => {
    await pool?.end();
    await h.stop();
  });

  const put = (service: SpawnedService, id: string, body: unknown, token: string | null = TOKEN) =>
    http<{ message: string | string[]; code?: string }>(
      'PUT',
      `${service.url}/internal/connections/${id}/lnb-credentials`,
      body,
      token === null ? {} : { authorization: `Bearer ${token}` },
    );
  const rows = async () =>
    (await pool.query<{ connection_id: string; sealed: string }>('select connection_id, sealed from poller.lnb_credentials order by 1')).rows;

  it('refuses a caller without the service token, and stores nothing', async () => {
    for (const token of [null, 'wrong', `${TOKEN}x`]) {
      const refused = await put(poller, 'brand-two', { clientId: h.lnb.clientId, clientSecret: h.lnb.clientSecret }, token);
      expect(refused.status).toBe(401);
    }
    expect(await rows()).toEqual([]);
  });

  it('checks accepted credentials with LNB, stores them sealed to the connection, and logs no secret', async () => {
    const credentials = { clientId: h.lnb.clientId, clientSecret: h.lnb.clientSecret };
    const stored = await put(poller, 'brand-two', credentials);
    expect(stored.status).toBe(204);
    const [row] = await rows();
    expect(row.connection_id).toBe('brand-two');
    expect(row.sealed).not.toContain(credentials.clientSecret);
    expect(row.sealed).not.toContain(credentials.clientId);
    const cipher = SecretCipher.fromText(KEY, 'POLLER_CREDENTIALS_KEY');
    expect(JSON.parse(cipher.decrypt(row.sealed, credentialsContext('brand-two')))).toEqual(credentials);
    // Bound to its connection: the same value under another id does not open.
    expect(() => cipher.decrypt(row.sealed, credentialsContext('brand-three'))).toThrow(/could not be decrypted/);
    expect(JSON.stringify(poller.logs)).not.toContain(credentials.clientSecret);
  });

  it('answers credentials LNB refuses with a 400 in plain words, and stores nothing (the secret in no answer or log)', async () => {
    const before = await rows();
    const refused = await put(poller, 'brand-three', { clientId: h.lnb.clientId, clientSecret: 'not-the-secret-0123' });
    expect(refused.status).toBe(400);
    expect(refused.body.code).toBe('LNB.CREDENTIALS_REFUSED');
    expect(refused.body.message).toMatch(/^Le New Black refused this client id and secret, so they were not stored: check them in Le New Black/);
    expect(JSON.stringify(refused.body)).not.toContain('not-the-secret-0123');
    expect(JSON.stringify(poller.logs)).not.toContain('not-the-secret-0123');
    expect(await rows()).toEqual(before);
  });

  it('refuses a malformed body or connection id with a 400 naming it', async () => {
    const noSecret = await put(poller, 'brand-two', { clientId: 'x' });
    expect(noSecret.status).toBe(400);
    expect(JSON.stringify(noSecret.body.message)).toContain('clientSecret');
    const badId = await put(poller, 'Brand_Two', { clientId: 'x', clientSecret: 'y' });
    expect(badId.status).toBe(400);
    expect(JSON.stringify(badId.body.message)).toContain('connectionId');
  });

  it('answers 503 when LNB cannot be reached, and stores nothing', async () => {
    const before = await rows();
    const cut = await h.startPoller({
      POLLER_SERVICE_TOKEN: TOKEN,
      POLLER_CREDENTIALS_KEY: KEY,
      LNB_BASE_URL: 'http://127.0.0.1:9/apis/wholesale/v2',
      LNB_MAX_ATTEMPTS: '1',
      LNB_TIMEOUT_MS: '2000',
    });
    const answer = await put(cut, 'brand-four', { clientId: h.lnb.clientId, clientSecret: h.lnb.clientSecret });
    expect(answer.status).toBe(503);
    expect(answer.body.code).toBe('LNB.UNAVAILABLE');
    expect(answer.body.message).toMatch(/^Le New Black could not check the credentials, so they were not stored/);
    expect(await rows()).toEqual(before);
  });
});
