// One sandbox, two brands' LNB accounts: each token sees its own account's documents and nothing of the
// other's (a reference of the other account is a 404 like one that does not exist); tokens, the rate
// limit, call counts and faults are per account; the admin API picks an account with ?account=<id>.
import { type LnbSandbox, startLnbSandbox } from './sandbox';
import { type Answer, askToken, call, tokenFor } from './testing';

let sandbox: LnbSandbox;
const UK = {
  id: 'uk',
  clientId: 'albion-client',
  clientSecret: 'albion-secret-0123',
  seed: 11,
  brand: 'uk',
  invoices: 60,
  creditNotes: 6,
  retailers: 10,
} as const;
const NL = {
  id: 'nl',
  clientId: 'noord-client',
  clientSecret: 'noord-secret-4567',
  seed: 12,
  brand: 'nl',
  invoices: 30,
  creditNotes: 3,
  retailers: 5,
} as const;
const tokens: Record<'uk' | 'nl', string> = { uk: '', nl: '' };

const api = (account: 'uk' | 'nl', path: string, query = ''): string => `${sandbox.url}${path}?access_token=${tokens[account]}${query}`;
const admin = (path: string, account?: string): string => `${sandbox.adminUrl}${path}${account === undefined ? '' : `?account=${account}`}`;
const get = (account: 'uk' | 'nl', path: string, query = ''): Promise<Answer> => call('GET', api(account, path, query));

/** Every page of a listing, as a client pages it. */
async function listAll(account: 'uk' | 'nl', collection: string): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  for (let page = 1; ; page++) {
    const answer = await get(account, `/${collection}`, `&page=${page}`);
    expect(answer.status).toBe(200);
    out.push(...(answer.body as Record<string, unknown>[]));
    if (answer.headers.get('x-pagination-has-more') !== 'true') return out;
  }
}

const refreshTokens = async (): Promise<void> => {
  tokens.uk = await tokenFor(sandbox.url, UK.clientId, UK.clientSecret);
  tokens.nl = await tokenFor(sandbox.url, NL.clientId, NL.clientSecret);
};

beforeAll(async () => {
  sandbox = await startLnbSandbox({ port: 0, pageSize: 25, defectRate: 0.1, accounts: [UK, NL] });
  await refreshTokens();
});

afterAll(async () => {
  await sandbox.close();
});

describe('an LNB sandbox with two accounts', () => {
  it('lists to each token only its own account: invoices, credit notes, orders, retailers', async () => {
    const counts = { uk: [60, 6, 60, 10], nl: [30, 3, 30, 5] };
    for (const account of ['uk', 'nl'] as const) {
      const own = sandbox.admin.account(account);
      const [invoices, creditNotes, orders, retailers] = await Promise.all(
        ['invoices', 'credit_notes', 'orders', 'retailers'].map((collection) => listAll(account, collection)),
      );
      expect([invoices.length, creditNotes.length, orders.length, retailers.length]).toEqual(counts[account]);
      expect(invoices).toEqual(invoices.map((doc) => own.invoice(String(doc.reference_number))));
      expect(creditNotes).toEqual(creditNotes.map((doc) => own.creditNote(String(doc.reference_number))));
      expect(orders).toEqual(orders.map((doc) => own.order(String(doc.reference))));
      expect(retailers).toEqual(retailers.map((doc) => own.retailer(String(doc.reference))));
      expect(new Set(invoices.map((doc) => doc.currency_code))).toEqual(new Set([account === 'uk' ? 'GBP' : 'EUR']));
    }
    // Each brand numbers its own documents: the same reference is another document in each account.
    expect((await get('uk', '/invoices/INV-000001')).body).toEqual(sandbox.admin.account('uk').invoice('INV-000001'));
    expect((await get('nl', '/invoices/INV-000001')).body).toEqual(sandbox.admin.account('nl').invoice('INV-000001'));
    expect(sandbox.admin.account('uk').invoice('INV-000001')).not.toEqual(sandbox.admin.account('nl').invoice('INV-000001'));
  });

  it('answers a reference of the other account 404, exactly as one that exists nowhere', async () => {
    const created = sandbox.admin.account('nl').createInvoice({ reference_number: 'NOORD-2026-0001' });
    expect((await get('nl', '/invoices/NOORD-2026-0001')).body).toEqual(created);
    const theirs = [
      ['uk', '/invoices/NOORD-2026-0001'],
      ['nl', '/invoices/INV-000045'],
      ['nl', '/orders/ORD-000045'],
      ['nl', '/credit_notes/CN-000005'],
      ['nl', '/retailers/RET-00008'],
    ] as const;
    for (const [account, path] of theirs) {
      const [, collection, reference] = path.split('/');
      const other = account === 'uk' ? 'nl' : 'uk';
      expect((await get(other, path)).status).toBe(200);
      const answer = await get(account, path);
      const nowhere = await get(account, `/${collection}/${reference}-NOWHERE`);
      expect([answer.status, nowhere.status]).toEqual([404, 404]);
      expect(answer.body).toEqual({ message: `No query results for ${collection} ${reference}` });
      expect(nowhere.body).toEqual({ message: `No query results for ${collection} ${reference}-NOWHERE` });
    }
    // The other account's order filter sees none of the change either.
    const changed = sandbox.admin.account('uk').changeOrder('ORD-000007', { status: 'closed' });
    const since = `&update_time_from=${encodeURIComponent(changed.update_time)}`;
    expect(((await get('uk', '/orders', since)).body as { reference: string }[]).map((order) => order.reference)).toEqual(['ORD-000007']);
    expect((await get('nl', '/orders', since)).body).toEqual([]);
  });

  it('issues a token for a right pair only, with the same 401 whichever part is wrong', async () => {
    const refused = { error: 'invalid_client', message: 'Client authentication failed.' };
    for (const [clientId, secret] of [
      [UK.clientId, NL.clientSecret],
      [NL.clientId, UK.clientSecret],
      [UK.clientId, 'nope'],
      ['nobody', UK.clientSecret],
    ]) {
      const answer = await askToken(sandbox.url, clientId, secret);
      expect([answer.status, answer.body]).toEqual([401, refused]);
    }
    expect((await askToken(sandbox.url, NL.clientId, NL.clientSecret)).status).toBe(200);
  });

  it('revokes one account’s tokens and not the other’s', async () => {
    const before = { uk: sandbox.admin.account('uk').tokensIssued(), nl: sandbox.admin.account('nl').tokensIssued() };
    await refreshTokens();
    expect([sandbox.admin.account('uk').tokensIssued(), sandbox.admin.account('nl').tokensIssued()]).toEqual([before.uk + 1, before.nl + 1]);
    const revoked = await call('POST', admin('/tokens/revoke', 'nl'));
    expect((revoked.body as { revoked: number }).revoked).toBeGreaterThanOrEqual(1);
    expect((await get('nl', '/version')).status).toBe(401);
    expect((await get('uk', '/version')).status).toBe(200);
    // Without ?account: the default (first) account's.
    expect(((await call('POST', admin('/tokens/revoke'))).body as { revoked: number }).revoked).toBeGreaterThanOrEqual(1);
    expect((await get('uk', '/version')).status).toBe(401);
    await refreshTokens();
  });

  it('limits each account on its own, token requests under their client_id', async () => {
    expect((await call('PUT', admin('/settings', 'uk'), { rateLimit: 2, rateLimitWindowMs: 60_000 })).status).toBe(200);
    try {
      const uk = [];
      for (let i = 0; i < 3; i++) uk.push((await get('uk', '/version')).status);
      expect(uk).toEqual([200, 200, 429]);
      expect((await askToken(sandbox.url, UK.clientId, UK.clientSecret)).status).toBe(429);
      const nl = [];
      for (let i = 0; i < 4; i++) nl.push((await get('nl', '/version')).status);
      expect(nl).toEqual([200, 200, 200, 200]);
      expect((await askToken(sandbox.url, NL.clientId, NL.clientSecret)).status).toBe(200);
      expect(sandbox.admin.account('uk').rateLimit()).toMatchObject({ limit: 2, limited: 2 });
      expect(sandbox.admin.account('nl').rateLimit()).toMatchObject({ limit: 0, limited: 0 });
      expect(((await call('GET', admin('/state', 'nl'))).body as { settings: { rateLimit: number } }).settings.rateLimit).toBe(0);
    } finally {
      sandbox.admin.account('uk').setRateLimit(0);
    }
  });

  it('counts calls per account', async () => {
    await Promise.all([call('DELETE', admin('/calls', 'uk')), call('DELETE', admin('/calls', 'nl'))]);
    await get('uk', '/invoices');
    await get('uk', '/invoices/INV-000002');
    await get('nl', '/retailers');
    expect((await call('GET', admin('/calls', 'uk'))).body).toEqual({
      total: 2,
      byRoute: { 'GET /invoices': 1, 'GET /invoices/:reference': 1 },
      byStatus: { 200: 2 },
    });
    expect((await call('GET', admin('/calls', 'nl'))).body).toEqual({ total: 1, byRoute: { 'GET /retailers': 1 }, byStatus: { 200: 1 } });
    // Without ?account: the default account's; so is a request tied to no account (a forged token).
    await call('GET', `${sandbox.url}/version?access_token=forged`);
    expect(sandbox.admin.calls()).toMatchObject({ total: 3, byStatus: { 200: 2, 401: 1 } });
    expect(sandbox.admin.account('nl').calls().total).toBe(1);
  });

  it('aims a fault at one account, or at every one', async () => {
    const aimed = await call('POST', admin('/faults', 'nl'), { kind: 'server-error', path: '/invoices', times: 'always' });
    expect(aimed.body).toMatchObject({ kind: 'server-error', account: 'nl' });
    expect([(await get('nl', '/invoices')).status, (await get('uk', '/invoices')).status]).toEqual([503, 200]);
    expect((await call('GET', admin('/faults', 'uk'))).body).toEqual([]);
    expect((await call('POST', admin('/faults', 'uk'), { kind: 'server-error', account: 'nl' })).status).toBe(422);
    expect((await call('POST', admin('/faults'), { kind: 'server-error', account: 'be' })).status).toBe(422);
    const everyone = sandbox.admin.injectFault({ kind: 'unauthorized', path: '/version', times: 2 });
    expect(everyone.account).toBeUndefined();
    expect([(await get('nl', '/version')).status, (await get('uk', '/version')).status]).toEqual([401, 401]);
    expect((await call('DELETE', admin('/faults', 'nl'))).status).toBe(204);
    expect((await get('nl', '/invoices')).status).toBe(200);
    expect(sandbox.admin.faults()).toEqual([]);
  });

  it('admin: lists the accounts without secrets, acts on ?account=<id>, 404 naming the parameter for an unknown one', async () => {
    const accounts = await call('GET', admin('/accounts'));
    expect(accounts.body).toEqual([
      { id: 'uk', clientId: UK.clientId, default: true, seed: 11, brand: 'uk' },
      { id: 'nl', clientId: NL.clientId, default: false, seed: 12, brand: 'nl' },
    ]);
    const state = await call('GET', admin('/state', 'nl'));
    expect(state.body).toMatchObject({ account: 'nl', seed: 12, brand: 'nl', counts: { invoices: 31, credit_notes: 3, orders: 31, retailers: 5 } });
    expect((await call('GET', admin('/state'))).body).toMatchObject({ account: 'uk', seed: 11 });
    expect(JSON.stringify([accounts.body, state.body])).not.toMatch(/secret/);
    const unknown = await call('GET', admin('/state', 'be'));
    expect(unknown.status).toBe(404);
    expect((unknown.body as { message: string }).message).toMatch(/no account "be" \(query parameter account\)/);
    const created = await call('POST', admin('/retailers', 'nl'), { reference: 'NOORD-RET-1', name: 'Winkel Noord' });
    expect(created.status).toBe(201);
    expect((await get('nl', '/retailers/NOORD-RET-1')).status).toBe(200);
    expect((await get('uk', '/retailers/NOORD-RET-1')).status).toBe(404);
    expect((await call('GET', admin('/retailers/NOORD-RET-1'))).status).toBe(404);
    expect((await call('GET', admin('/retailers/NOORD-RET-1', 'nl'))).status).toBe(200);
  });

  it('in process: lists every account with its credentials, and knows no other', () => {
    expect(sandbox.accounts).toEqual([
      { id: 'uk', clientId: UK.clientId, clientSecret: UK.clientSecret },
      { id: 'nl', clientId: NL.clientId, clientSecret: NL.clientSecret },
    ]);
    expect([sandbox.clientId, sandbox.admin.id, sandbox.admin.account('nl').id]).toEqual([UK.clientId, 'uk', 'nl']);
    expect(sandbox.admin.account('nl').config).toMatchObject({ seed: 12, brand: 'nl', invoices: 30 });
    expect(() => sandbox.admin.account('be')).toThrow('no LNB sandbox account "be" (accounts: uk, nl)');
  });
});

describe('declaring accounts', () => {
  it('keeps one account, "default", from the top-level options when none are declared', async () => {
    const single = await startLnbSandbox({ port: 0, invoices: 5, retailers: 2 });
    try {
      expect(single.accounts).toEqual([{ id: 'default', clientId: 'lnb-sandbox-client', clientSecret: 'lnb-sandbox-secret' }]);
      expect((await call('GET', `${single.adminUrl}/accounts`)).body).toEqual([
        { id: 'default', clientId: 'lnb-sandbox-client', default: true, seed: 42, brand: 'fr' },
      ]);
    } finally {
      await single.close();
    }
  });

  it('gives accounts without a seed the top-level seed plus their position, and the top-level generator options', async () => {
    const two = await startLnbSandbox({
      port: 0,
      seed: 7,
      invoices: 4,
      retailers: 2,
      accounts: [
        { id: 'a', clientId: 'a-client', clientSecret: 'a-secret' },
        { id: 'b', clientId: 'b-client', clientSecret: 'b-secret', invoices: undefined, brand: 'nl' },
      ],
    });
    try {
      expect([two.admin.config, two.admin.account('b').config]).toEqual([
        { seed: 7, invoices: 4, creditNotes: 0, retailers: 2, defectRate: 0.05, brand: 'fr' },
        { seed: 8, invoices: 4, creditNotes: 0, retailers: 2, defectRate: 0.05, brand: 'nl' },
      ]);
    } finally {
      await two.close();
    }
  });

  it('refuses accounts that would be ambiguous or incomplete, saying which and why', async () => {
    const one = { id: 'a', clientId: 'a-client', clientSecret: 'a-secret' };
    await expect(startLnbSandbox({ accounts: [] })).rejects.toThrow('accounts must list at least one account');
    await expect(startLnbSandbox({ accounts: [one, { ...one, id: 'b' }] })).rejects.toThrow('accounts[1].clientId is already another account');
    await expect(startLnbSandbox({ accounts: [one, { ...one, clientId: 'b-client' }] })).rejects.toThrow('accounts[1].id "a" is already another account');
    await expect(startLnbSandbox({ accounts: [{ ...one, id: 'a b' }] })).rejects.toThrow('accounts[0].id must be 1 to 64 letters');
    await expect(startLnbSandbox({ accounts: [{ ...one, clientSecret: '' }] })).rejects.toThrow('accounts[0].clientSecret must be a non-empty string');
    await expect(startLnbSandbox({ clientId: 'x', accounts: [one] })).rejects.toThrow('give clientId and clientSecret per account');
    await expect(startLnbSandbox({ accounts: [{ ...one, invoices: -1 }] })).rejects.toThrow('option accounts[0].invoices must be');
  });
});
