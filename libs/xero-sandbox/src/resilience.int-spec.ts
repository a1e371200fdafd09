// What the exporter must survive: idempotent replays, lost answers, faults, rate limits, revoked
// connections, restarts. Driven through xero-node.
import { waitFor } from '@lnbx/testing';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AccountingApi } from 'xero-node';
import { startXeroSandbox, type XeroSandbox } from './sandbox';
import { anInvoice, expectXeroFailure, uniqueNumber, xeroNodeFor } from './testing';

describe('idempotency and faults', () => {
  let sandbox: XeroSandbox;
  let api: AccountingApi;
  let uk: string;
  beforeAll(async () => {
    sandbox = await startXeroSandbox({ limits: false });
    ({ api } = await xeroNodeFor(sandbox));
    uk = sandbox.tenantIds[0];
  });
  afterEach(() => sandbox.admin.clearFaults());
  afterAll(() => sandbox.close());

  const countNumber = (n: string) => sandbox.admin.invoices(uk).filter((i) => i.InvoiceNumber === n).length;

  it('replays the first answer for a repeated Idempotency-Key and creates nothing', async () => {
    const number = uniqueNumber();
    const key = `inv-${number}-r1`;
    const first = await api.createInvoices(uk, { invoices: [anInvoice({ invoiceNumber: number })] }, false, undefined, key);
    const replay = await api.createInvoices(uk, { invoices: [anInvoice({ invoiceNumber: number })] }, false, undefined, key);
    expect(replay.body.invoices![0].invoiceID).toBe(first.body.invoices![0].invoiceID);
    expect(replay.response.headers['x-sandbox-idempotent-replay']).toBe('true');
    expect(countNumber(number)).toBe(1);
    const otherKey = await api.createInvoices(uk, { invoices: [anInvoice({ invoiceNumber: number })] }, false, undefined, `${key}-b`);
    expect(otherKey.body.invoices![0].validationErrors!.map((e) => e.message)).toEqual(['Invoice # must be unique.']);
    const tooLong = await expectXeroFailure(api.createInvoices(uk, { invoices: [anInvoice()] }, false, undefined, 'k'.repeat(129)));
    expect(tooLong.statusCode).toBe(400);
  });

  it('stores the document, then drops the connection (outcome unknown); a replay with the same key returns it', async () => {
    sandbox.admin.addFault({ kind: 'outcomeUnknown', method: 'PUT', pathPrefix: '/Invoices', times: 1 });
    const number = uniqueNumber();
    const key = `inv-${number}`;
    const lost = await expectXeroFailure(api.createInvoices(uk, { invoices: [anInvoice({ invoiceNumber: number })] }, false, undefined, key));
    expect(lost.statusCode).toBe(0);
    expect(countNumber(number)).toBe(1);
    const lookup = await api.getInvoices(uk, undefined, undefined, undefined, undefined, [number]);
    const replay = await api.createInvoices(uk, { invoices: [anInvoice({ invoiceNumber: number })] }, false, undefined, key);
    expect(replay.body.invoices![0].invoiceID).toBe(lookup.body.invoices![0].invoiceID);
    expect(countNumber(number)).toBe(1);
    expect(sandbox.admin.calls({ tenantId: uk }).stats.rejectedByReason['fault:outcomeUnknown']).toBe(1);
  });

  it('can hang before dropping, like a timeout after the document was stored', async () => {
    sandbox.admin.addFault({ kind: 'outcomeUnknown', hangMs: 300, times: 1 });
    const number = uniqueNumber();
    const started = Date.now();
    const lost = await expectXeroFailure(api.createInvoices(uk, { invoices: [anInvoice({ invoiceNumber: number })] }, false));
    expect(lost.statusCode).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(countNumber(number)).toBe(1);
  });

  it('drops a connection before storing anything', async () => {
    sandbox.admin.addFault({ kind: 'drop', times: 1 });
    const number = uniqueNumber();
    expect((await expectXeroFailure(api.createInvoices(uk, { invoices: [anInvoice({ invoiceNumber: number })] }))).statusCode).toBe(0);
    expect(countNumber(number)).toBe(0);
  });

  it('answers 5xx for as many calls as asked, and adds latency', async () => {
    sandbox.admin.addFault({ kind: 'error', status: 503, times: 2 });
    expect((await expectXeroFailure(api.getOrganisations(uk))).statusCode).toBe(503);
    expect((await expectXeroFailure(api.getOrganisations(uk))).statusCode).toBe(503);
    expect((await api.getOrganisations(uk)).response.status).toBe(200);
    sandbox.admin.addFault({ kind: 'latency', latencyMs: 200, times: 1 });
    const started = Date.now();
    await api.getOrganisations(uk);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
  });

  it('takes faults through the admin HTTP API too', async () => {
    const json = { 'content-type': 'application/json' };
    const res = await fetch(`${sandbox.url}/__admin/faults`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ kind: 'error', status: 500, times: 1, tenantId: uk }),
    });
    expect(res.status).toBe(200);
    expect((await expectXeroFailure(api.getContacts(uk))).statusCode).toBe(500);
    const bad = await fetch(`${sandbox.url}/__admin/faults`, { method: 'POST', headers: json, body: JSON.stringify({ kind: 'meteor' }) });
    expect(bad.status).toBe(400);
    const state = (await (await fetch(`${sandbox.url}/__admin/state`)).json()) as { tenants: { tenantId: string; invoices: number }[] };
    expect(state.tenants.find((t) => t.tenantId === uk)!.invoices).toBe(sandbox.admin.invoices(uk).length);
  });

  it('revokes a connection: 403 on calls and gone from /connections until restored', async () => {
    const { api: other, tokens } = await xeroNodeFor(sandbox);
    sandbox.admin.revokeConnection(uk);
    expect((await expectXeroFailure(other.getOrganisations(uk))).statusCode).toBe(403);
    const conns = (await (await fetch(sandbox.identity.connectionsUrl, { headers: { Authorization: `Bearer ${tokens.access_token}` } })).json()) as {
      tenantId: string;
    }[];
    expect(conns.map((c) => c.tenantId)).toEqual([sandbox.tenantIds[1]]);
    sandbox.admin.restoreConnection(uk);
    expect((await other.getOrganisations(uk)).response.status).toBe(200);
  });
});

describe('rate limits', () => {
  let sandbox: XeroSandbox;
  let api: AccountingApi;
  let uk: string;
  let eu: string;
  // One limit-minute lasts one real second.
  beforeAll(async () => {
    sandbox = await startXeroSandbox({ timeScale: 60, limits: { perMinute: 3, appPerMinute: 1000 } });
    ({ api } = await xeroNodeFor(sandbox));
    [uk, eu] = sandbox.tenantIds;
  });
  afterAll(() => sandbox.close());

  it('counts down the minute limit, answers 429 with Retry-After, then lets calls through again', async () => {
    await waitFor('a fresh minute window', async () => (await api.getCurrencies(uk)).response.headers['x-minlimit-remaining'] === '2');
    expect((await api.getCurrencies(uk)).response.headers['x-minlimit-remaining']).toBe('1');
    const third = await api.getCurrencies(uk);
    expect(third.response.headers).toMatchObject({
      'x-minlimit-remaining': '0',
      'x-daylimit-remaining': expect.any(String),
      'x-appminlimit-remaining': expect.any(String),
    });
    const refused = await expectXeroFailure(api.getCurrencies(uk));
    expect(refused.statusCode).toBe(429);
    expect(refused.headers).toMatchObject({ 'retry-after': '1', 'x-rate-limit-problem': 'minute' });
    expect((await api.getCurrencies(eu)).response.status).toBe(200);
    await waitFor(
      'the minute window to slide',
      async () =>
        (await api.getCurrencies(uk).then(
          () => true,
          () => false,
        )) || undefined,
      { timeoutMs: 5000 },
    );
    expect(sandbox.admin.calls({ tenantId: uk }).stats.rejectedByReason['limit:minute']).toBeGreaterThanOrEqual(1);
  });

  it('refuses a sixth call in flight', async () => {
    const busy = await startXeroSandbox({ limits: true });
    try {
      const { api: a } = await xeroNodeFor(busy);
      const t = busy.tenantIds[0];
      busy.admin.addFault({ kind: 'latency', latencyMs: 400, times: 5 });
      const results = await Promise.allSettled(Array.from({ length: 6 }, () => a.getOrganisations(t)));
      const refused = results.filter((r) => r.status === 'rejected').map((r) => JSON.parse((r as PromiseRejectedResult).reason as string));
      expect(refused).toHaveLength(1);
      expect(refused[0].response.headers['x-rate-limit-problem']).toBe('concurrent');
      await waitFor('slots released', () => busy.admin.inFlight(t) === 0);
    } finally {
      await busy.close();
    }
  });

  it('forces the day limit on one organisation with a long Retry-After', async () => {
    sandbox.admin.forceDayLimit(eu);
    const refused = await expectXeroFailure(api.getOrganisations(eu));
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['x-rate-limit-problem']).toBe('day');
    expect(refused.headers['x-daylimit-remaining']).toBe('0');
    expect(Number(refused.headers['retry-after'])).toBe(1440);
    sandbox.admin.clearDayLimit(eu);
    await waitFor(
      'eu answers again',
      async () =>
        (await api.getOrganisations(eu).then(
          () => true,
          () => false,
        )) || undefined,
      { timeoutMs: 5000 },
    );
  });

  it('applies the app-wide minute limit across organisations', async () => {
    const app = await startXeroSandbox({ limits: { appPerMinute: 2 } });
    try {
      const { api: a } = await xeroNodeFor(app);
      await a.getOrganisations(app.tenantIds[0]);
      await a.getOrganisations(app.tenantIds[1]);
      const refused = await expectXeroFailure(a.getOrganisations(app.tenantIds[1]));
      expect(refused.headers['x-rate-limit-problem']).toBe('appminute');
    } finally {
      await app.close();
    }
  });

  it('never refuses when limits are off, and still sends the headers', async () => {
    const open = await startXeroSandbox({ limits: false });
    try {
      const { api: a } = await xeroNodeFor(open);
      const answers = await Promise.all(Array.from({ length: 30 }, () => a.getCurrencies(open.tenantIds[0])));
      expect(answers.every((r) => r.response.headers['x-minlimit-remaining'] === '60')).toBe(true);
    } finally {
      await open.close();
    }
  });
});

describe('persistence', () => {
  const modeOf = (file: string): number => fs.statSync(file).mode & 0o777;

  it('keeps documents and tokens across a restart when given a state file, readable by its owner only', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xero-sandbox-'));
    // A folder the sandbox makes, in one that exists.
    const stateFile = path.join(dir, 'state', 'state.json');
    try {
      const first = await startXeroSandbox({ stateFile, limits: false });
      const { api, tokens } = await xeroNodeFor(first);
      const number = uniqueNumber();
      await api.createInvoices(first.tenantIds[0], { invoices: [anInvoice({ invoiceNumber: number })] });
      await first.close();
      // It holds live tokens.
      expect(fs.readFileSync(stateFile, 'utf8')).toContain(tokens.access_token);
      expect([modeOf(stateFile), modeOf(path.dirname(stateFile))]).toEqual([0o600, 0o700]);
      expect(fs.readdirSync(path.dirname(stateFile))).toEqual(['state.json']);

      // A file left readable by others (an older sandbox wrote it so) is narrowed at start.
      fs.chmodSync(stateFile, 0o644);
      const second = await startXeroSandbox({ stateFile, limits: false });
      expect(modeOf(stateFile)).toBe(0o600);
      const again = new AccountingApi();
      again.basePath = second.accountingBasePath;
      again.accessToken = tokens.access_token;
      const found = await again.getInvoices(second.tenantIds[0], undefined, undefined, undefined, undefined, [number]);
      expect(found.body.invoices!.map((i) => i.invoiceNumber)).toEqual([number]);
      await second.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('journals each call before answering it: a sandbox that never closed still hands its documents on', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xero-sandbox-'));
    const stateFile = path.join(dir, 'state.json');
    const first = await startXeroSandbox({ stateFile, limits: false });
    try {
      const { api, tokens } = await xeroNodeFor(first);
      const number = uniqueNumber();
      await api.createInvoices(first.tenantIds[0], { invoices: [anInvoice({ invoiceNumber: number })] }, false, undefined, `key-${number}`);
      // As if killed now: a copy of the file taken while the first sandbox has not closed (nor been told
      // to save), ending in a line a crash cut short.
      const copy = path.join(dir, 'copy.json');
      const sizeBefore = fs.statSync(stateFile).size;
      fs.copyFileSync(stateFile, copy);
      fs.appendFileSync(copy, '{"r":"document","tenantId":"torn mid-wr');
      const second = await startXeroSandbox({ stateFile: copy, limits: false });
      // The torn line (a write cut short by a crash) is dropped; the answered call is there, with its token and key.
      expect(fs.statSync(copy).size).toBe(sizeBefore);
      expect(second.admin.invoices(second.tenantIds[0]).map((i) => i.InvoiceNumber)).toContain(number);
      const again = new AccountingApi();
      again.basePath = second.accountingBasePath;
      again.accessToken = tokens.access_token;
      const replay = await again.createInvoices(second.tenantIds[0], { invoices: [anInvoice({ invoiceNumber: number })] }, false, undefined, `key-${number}`);
      expect(replay.response.headers['x-sandbox-idempotent-replay']).toBe('true');
      await second.close();
    } finally {
      await first.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads a state file in the old format (one JSON object) and rewrites it as a journal', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xero-sandbox-'));
    const stateFile = path.join(dir, 'state.json');
    try {
      // What the previous sandbox wrote: the whole state as one object, version 1.
      const seeded = await startXeroSandbox({ limits: false });
      const { api } = await xeroNodeFor(seeded);
      const number = uniqueNumber();
      const created = await api.createInvoices(seeded.tenantIds[0], { invoices: [anInvoice({ invoiceNumber: number })] });
      await seeded.close();
      const v2 = path.join(dir, 'v2.json');
      const source = await startXeroSandbox({ stateFile: v2, limits: false });
      await source.close();
      const records = fs
        .readFileSync(v2, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      const tenants = records
        .filter((r) => r.r === 'tenant')
        .map((r) => ({ ...(r.tenant as Record<string, unknown>), contacts: [], invoices: [] as unknown[], creditNotes: [] }));
      const invoice = {
        kind: 'invoice',
        id: created.body.invoices![0].invoiceID,
        Type: 'ACCREC',
        Number: number,
        ContactID: created.body.invoices![0].contact!.contactID,
        Date: '2026-03-02',
        Status: 'DRAFT',
        LineAmountTypes: 'Exclusive',
        CurrencyCode: 'GBP',
        CurrencyRate: 1,
        LineItems: [],
        SubTotal: 0,
        TotalTax: 0,
        Total: 0,
        TotalDiscount: 0,
        AmountPaid: 0,
        AmountAllocated: 0,
        Allocations: [],
        Payments: [],
        Attachments: [],
        CreatedDateUTC: 1,
        UpdatedDateUTC: 1,
      };
      tenants[0].invoices.push(invoice);
      fs.writeFileSync(
        stateFile,
        JSON.stringify({ version: 1, tenants, identity: { grants: [], accessTokens: [], refreshTokens: [] }, revokedTenants: [], idempotency: [] }),
        { mode: 0o600 },
      );

      const migrated = await startXeroSandbox({ stateFile, limits: false });
      expect(migrated.admin.invoices(migrated.tenantIds[0]).map((i) => i.InvoiceNumber)).toEqual([number]);
      expect(JSON.parse(fs.readFileSync(stateFile, 'utf8').split('\n')[0])).toEqual({ format: 'xero-sandbox-state', version: 2 });
      expect(modeOf(stateFile)).toBe(0o600);
      await migrated.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
