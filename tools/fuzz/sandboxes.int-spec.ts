// Both sandboxes' HTTP surfaces under fuzz (issue 15, part 3): the LNB Wholesale API and its admin API, Xero's
// identity, connections and Accounting API and the Xero sandbox's admin API. They serve no OpenAPI document of
// their own, so each surface is described here as the real API takes it (../shared/reference). Promised:
// never a 5xx nor a cut connection (no fault is injected); what cannot be read (a path that does not decode,
// a body that is not JSON or nests past what the real API parses, an absolute-form request line that is no
// URL) is refused, in the real API's words. `FUZZ_SEED=<seed>` replays a run.
import { jsonTextDepth } from '@lnbx/http-input';
import { startLnbSandbox, type LnbSandbox } from '@lnbx/lnb-sandbox';
import { startXeroSandbox, type XeroSandbox } from '@lnbx/xero-sandbox';
import * as net from 'node:net';
import { campaign, checked, fuzzSeed, runsOf, Tally } from './campaign';
import { requestArb, send } from './requests';
import { type ApiRules, type OpenApiDocument, operationsOf, Oracle, type Schema } from './schema';

const REPLAY = 'npx jest --ci tools/fuzz/sandboxes.int-spec.ts';
const q = (name: string, schema: Schema = { type: 'string' }) => ({ name, in: 'query', schema });
const p = (name: string, schema: Schema = { type: 'string' }) => ({ name, in: 'path', required: true, schema });
const json = (schema: Schema, required = false) => ({ required, content: { 'application/json': { schema } } });
const ANY_OBJECT: Schema = { type: 'object' };

/** A JSON body deeper than a server parses is refused as unreadable JSON. */
const depthRule = (max: number, bodySchemaRefuses = true): ApiRules => ({
  bodySchemaRefuses,
  body: (_v, text) => (jsonTextDepth(text, max) > max ? `the body nests deeper than ${max} levels` : undefined),
  noBodyIs: {},
  repeatable: true,
});

const LNB_COLLECTIONS = ['invoices', 'credit_notes', 'orders', 'retailers'];
const LNB_SURFACE: OpenApiDocument = {
  paths: {
    '/apis/wholesale/v2/auth/token': {
      post: {
        requestBody: json({
          type: 'object',
          required: ['client_id', 'client_secret', 'grant_type'],
          properties: {
            client_id: { type: 'string', minLength: 1 },
            client_secret: { type: 'string', minLength: 1 },
            grant_type: { type: 'string', minLength: 1 },
          },
        }),
      },
    },
    '/apis/wholesale/v2/version': { get: { parameters: [q('access_token')] } },
    '/apis/wholesale/v2/{collection}': {
      get: {
        parameters: [
          p('collection', { type: 'string', enum: LNB_COLLECTIONS }),
          q('access_token'),
          q('page', { type: 'integer', minimum: 1 }),
          q('update_time_from'),
          q('update_time_to'),
        ],
      },
    },
    '/apis/wholesale/v2/{collection}/{reference}': {
      get: { parameters: [p('collection', { type: 'string', enum: LNB_COLLECTIONS }), p('reference'), q('access_token')] },
    },
    '/__admin/state': { get: {} },
    '/__admin/calls': { get: {} },
    '/__admin/faults': { get: {} },
    '/__admin/faults/{id}': { delete: { parameters: [p('id')] } },
    '/__admin/defects': { get: { parameters: [q('type', { type: 'string', enum: ['invoice', 'invoices', 'credit_note', 'credit_notes'] })] } },
    '/__admin/defects/counts': { get: {} },
    '/__admin/defects/{type}/{reference}': {
      get: { parameters: [p('type', { type: 'string', enum: ['invoice', 'invoices', 'credit_note', 'credit_notes'] }), p('reference')] },
    },
    '/__admin/{collection}': {
      post: { parameters: [p('collection', { type: 'string', enum: ['invoices', 'credit_notes', 'retailers'] })], requestBody: json(ANY_OBJECT) },
    },
    '/__admin/{collection}/{reference}': {
      get: { parameters: [p('collection', { type: 'string', enum: LNB_COLLECTIONS }), p('reference')] },
      patch: { parameters: [p('collection', { type: 'string', enum: LNB_COLLECTIONS }), p('reference')], requestBody: json(ANY_OBJECT) },
    },
  },
};

/** An invoice or credit note as Xero takes it, the fields typed and nothing more: Xero's own validation answers the rest. */
const XERO_DOCUMENT: Schema = {
  type: 'object',
  properties: {
    Type: { type: 'string', enum: ['ACCREC', 'ACCRECCREDIT'] },
    Contact: { type: 'object', properties: { Name: { type: 'string' }, ContactID: { type: 'string' } } },
    Date: { type: 'string', format: 'date' },
    DueDate: { type: 'string', format: 'date' },
    Reference: { type: 'string' },
    InvoiceNumber: { type: 'string' },
    CurrencyCode: { type: 'string', enum: ['EUR', 'GBP', 'USD'] },
    Status: { type: 'string', enum: ['DRAFT', 'SUBMITTED', 'AUTHORISED'] },
    LineAmountTypes: { type: 'string', enum: ['Exclusive', 'Inclusive', 'NoTax'] },
    LineItems: {
      type: 'array',
      maxItems: 3,
      items: {
        type: 'object',
        properties: {
          Description: { type: 'string' },
          Quantity: { type: 'number' },
          UnitAmount: { type: 'number' },
          AccountCode: { type: 'string' },
          TaxType: { type: 'string' },
        },
      },
    },
  },
};

/** Xero reads a resource's name in any case (`INVOICES` is `Invoices`): known values, not an enum. */
const XERO_RESOURCES = ['Organisation', 'TaxRates', 'Accounts', 'Currencies', 'TrackingCategories', 'Contacts', 'Invoices', 'CreditNotes'];
const XERO_LIST_QUERY = ['where', 'order', 'page', 'pageSize', 'IDs', 'Statuses', 'summarizeErrors', 'unitdp', 'searchTerm', 'includeArchived'].map((n) =>
  q(n),
);
const tenant = (ids: string[]) => p('tenantId', { type: 'string', enum: ids });
const xeroSurface = (tenantIds: string[]): OpenApiDocument => ({
  paths: {
    '/api.xro/2.0/{resource}': {
      get: { parameters: [p('resource'), ...XERO_LIST_QUERY] },
      put: { parameters: [p('resource'), q('summarizeErrors')], requestBody: json({}) },
      post: { parameters: [p('resource'), q('summarizeErrors')], requestBody: json({}) },
    },
    '/api.xro/2.0/{resource}/{id}': {
      get: { parameters: [p('resource'), p('id'), q('unitdp')] },
      post: { parameters: [p('resource'), p('id')], requestBody: json({}) },
    },
    '/api.xro/2.0/Invoices': {
      put: {
        parameters: [q('summarizeErrors')],
        requestBody: json({ type: 'object', properties: { Invoices: { type: 'array', maxItems: 2, items: XERO_DOCUMENT } } }),
      },
    },
    '/api.xro/2.0/CreditNotes': { put: { parameters: [q('summarizeErrors')], requestBody: json(XERO_DOCUMENT) } },
    '/api.xro/2.0/CreditNotes/{id}/Allocations': { put: { parameters: [p('id')], requestBody: json({}) } },
    '/identity/connect/authorize': {
      get: { parameters: ['client_id', 'redirect_uri', 'response_type', 'scope', 'state', 'tenants'].map((n) => q(n)) },
    },
    '/connections': { get: { parameters: [q('authEventId')] } },
    '/connections/{id}': { delete: { parameters: [p('id')] } },
    '/.well-known/openid-configuration': { get: {} },
    '/__admin/state': { get: {} },
    '/__admin/faults': { get: {} },
    '/__admin/faults/{faultId}': { delete: { parameters: [p('faultId')] } },
    '/__admin/calls': { get: { parameters: [q('tenantId'), q('limit')] } },
    '/__admin/tenants/{tenantId}/invoices': { get: { parameters: [tenant(tenantIds)] } },
    '/__admin/tenants/{tenantId}/credit-notes': { get: { parameters: [tenant(tenantIds)] } },
    '/__admin/tenants/{tenantId}/contacts': { get: { parameters: [tenant(tenantIds)] } },
    '/__admin/tenants/{tenantId}/lock-dates': { post: { parameters: [tenant(tenantIds)], requestBody: json(ANY_OBJECT) } },
    '/__admin/tenants/{tenantId}/invoices/{id}/approve': { post: { parameters: [tenant(tenantIds), p('id')], requestBody: json(ANY_OBJECT) } },
    '/__admin/tenants/{tenantId}/invoices/{id}/payments': { post: { parameters: [tenant(tenantIds), p('id')], requestBody: json(ANY_OBJECT) } },
  },
});

/** One request line sent as written (fetch cannot send a malformed one); the status line that comes back. */
function rawRequest(port: number, requestLine: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(`${requestLine}\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`));
    let answer = '';
    socket.on('data', (d) => (answer += d.toString()));
    socket.on('close', () => resolve(answer.split('\r\n')[0]));
    socket.on('error', reject);
  });
}

const MALFORMED_REQUEST_LINES = ['GET http://[bad/x HTTP/1.1', 'GET http://a b/ HTTP/1.1', 'GET http://%zz/ HTTP/1.1', 'GET http:// HTTP/1.1'];

describe('the sandboxes under fuzz: no 5xx from input, and what cannot be read refused as the real APIs refuse it', () => {
  const seed = fuzzSeed();
  const tallies: Tally[] = [];
  let lnb: LnbSandbox;
  let xero: XeroSandbox;

  beforeAll(async () => {
    [lnb, xero] = await Promise.all([
      startLnbSandbox({ invoices: 40, creditNotes: 5, retailers: 8, pageSize: 10 }),
      startXeroSandbox({ limits: false, specPath: null }),
    ]);
  });

  afterAll(async () => {
    for (const t of tallies) process.stdout.write(`${t.summary()}\n`);
    await lnb?.close();
    await xero?.close();
  });

  it.each(MALFORMED_REQUEST_LINES)('answers the request line %j with a 400, and goes on answering', async (line) => {
    for (const port of [lnb.port, xero.port]) {
      expect(await rawRequest(port, line)).toBe('HTTP/1.1 400 Bad Request');
    }
    expect((await fetch(`${lnb.adminUrl}/state`)).status).toBe(200);
    expect((await fetch(`${xero.url}/__admin/state`)).status).toBe(200);
  });

  it("refuses what it cannot read in the real APIs' words", async () => {
    const token = (
      (await (
        await fetch(`${lnb.url}/auth/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ client_id: lnb.clientId, client_secret: lnb.clientSecret, grant_type: 'client_credentials' }),
        })
      ).json()) as { access_token: string }
    ).access_token;
    const lnbGet = async (path: string) => {
      const res = await fetch(`${lnb.url}${path}${path.includes('?') ? '&' : '?'}access_token=${token}`);
      return { status: res.status, body: (await res.json()) as { errors?: Record<string, string[]> } };
    };
    expect(await lnbGet('/invoices?page=1e3')).toEqual({
      status: 422,
      body: expect.objectContaining({ errors: { page: ['The page must be an integer of at least 1.'] } }),
    });
    expect((await lnbGet('/orders?update_time_from=2026-02-30')).body.errors).toHaveProperty('update_time_from');
    expect((await lnbGet('/invoices/%ZZ')).status).toBe(404);
    const deep = await fetch(`${lnb.url}/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: `${'['.repeat(600)}${']'.repeat(600)}`,
    });
    expect(deep.status).toBe(400);

    const { access_token: xeroToken } = await xero.clientCredentialsToken();
    const headers = { authorization: `Bearer ${xeroToken}`, 'xero-tenant-id': xero.clients.clientCredentials.tenantId, 'content-type': 'application/json' };
    const escape = await fetch(`${xero.accountingBasePath}/Invoices/%ZZ`, { headers });
    expect([escape.status, ((await escape.json()) as { Type: string }).Type]).toEqual([400, 'ValidationException']);
    const deepXero = await fetch(`${xero.accountingBasePath}/Invoices`, { method: 'PUT', headers, body: `{"Invoices":${'['.repeat(100)}${']'.repeat(100)}}` });
    expect([deepXero.status, ((await deepXero.json()) as { Type: string }).Type]).toEqual([400, 'PostDataInvalidException']);
    const lockDates = await fetch(`${xero.url}/__admin/tenants/${xero.tenantIds[0]}/lock-dates`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '"2026-01-01"',
    });
    expect([lockDates.status, await lockDates.json()]).toEqual([400, { error: 'the body must be a JSON object' }]);
  });

  it('the LNB sandbox: its API and its admin API', async () => {
    const tally = new Tally('lnb-sandbox', seed);
    tallies.push(tally);
    const token = await fetch(`${lnb.url}/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_id: lnb.clientId, client_secret: lnb.clientSecret, grant_type: 'client_credentials' }),
    }).then((r) => r.json() as Promise<{ access_token: string }>);
    const known = { access_token: [token.access_token], reference: ['INV-000001', 'CN-000001', 'RET-00001'] };
    const base = lnb.url.replace('/apis/wholesale/v2', '');
    await campaign(
      requestArb(operationsOf(LNB_SURFACE), new Oracle(depthRule(512)), { known, named: false }),
      async (r) => checked(tally, r, await send(base, r)),
      {
        numRuns: runsOf(1_000),
        seed,
        replay: REPLAY,
      },
    );
    expect(tally.count((s) => s === 200)).toBeGreaterThan(0);
  });

  it('the Xero sandbox: identity, connections, the Accounting API and its admin API', async () => {
    const tally = new Tally('xero-sandbox', seed);
    tallies.push(tally);
    const token = await xero.clientCredentialsToken();
    const tenantId = xero.clients.clientCredentials.tenantId;
    const headers = { authorization: `Bearer ${token.access_token}`, 'xero-tenant-id': tenantId };
    const known = {
      resource: XERO_RESOURCES,
      client_id: [xero.clients.authorizationCode.clientId],
      redirect_uri: ['http://127.0.0.1/callback'],
      response_type: ['code'],
    };
    await campaign(
      requestArb(operationsOf(xeroSurface(xero.tenantIds)), new Oracle(depthRule(64, false)), { known, named: false }),
      async (r) => checked(tally, r, await send(xero.url, r, headers)),
      {
        numRuns: runsOf(1_000),
        seed: seed + 1,
        replay: REPLAY,
      },
    );
    expect(tally.count((s) => s === 200)).toBeGreaterThan(0);
  });
});
