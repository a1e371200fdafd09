// The Xero exporter's HTTP surface under fuzz (issue 15, parts 1 and 3), as its own process on a real Postgres
// and Kafka, against the Xero sandbox: the internal routes monitor-api calls to connect Xero (with the service
// token), /health and /metrics. It serves no OpenAPI document, so its surface is described here, as the
// controller takes it. Promised: never a 5xx; a parameter or field outside its description refused, naming
// it; such a refusal changes nothing in the exporter's schema (its events included); and without the service
// token nothing but /health and /metrics answers. `FUZZ_SEED=<seed>` replays a run.
import { createTestDatabase, type SpawnedService, spawnService, type TestDatabase, testKafkaEnv, uniqueTopicPrefix, waitFor } from '@lnbx/testing';
import { startXeroSandbox, type XeroSandbox } from '@lnbx/xero-sandbox';
import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import { campaign, checked, fuzzSeed, runsOf, Tally } from './campaign';
import { requestArb, send } from './requests';
import { NEST_INPUT_RULES } from './rules';
import { type OpenApiDocument, operationsOf, Oracle, type Schema } from './schema';

const REPLAY = 'npx jest --ci tools/fuzz/xero-exporter.int-spec.ts';
const SERVICE_TOKEN = randomBytes(32).toString('hex');

const body = (properties: Record<string, Schema>) => ({
  required: true,
  content: { 'application/json': { schema: { type: 'object' as const, additionalProperties: false, required: Object.keys(properties), properties } } },
});
const CONNECTION_ID: Schema = { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,62}$' };

/** What the exporter's controller takes (apps/xero-exporter/src/http/internal.controller.ts). */
const EXPORTER_SURFACE: OpenApiDocument = {
  paths: {
    '/internal/xero/authorize-url': {
      post: {
        requestBody: body({
          connectionId: CONNECTION_ID,
          state: { type: 'string', pattern: '^[A-Za-z0-9_-]{22,128}$' },
          codeChallenge: { type: 'string', pattern: '^[A-Za-z0-9_-]{43}$' },
        }),
      },
    },
    '/internal/xero/exchange': {
      post: {
        requestBody: body({
          connectionId: CONNECTION_ID,
          code: { type: 'string', minLength: 1, maxLength: 512 },
          codeVerifier: { type: 'string', pattern: '^[A-Za-z0-9._~-]{43,128}$' },
        }),
      },
    },
    '/health': { get: {} },
    '/metrics': { get: {} },
  },
};
const OPEN = new Set(['/health', '/metrics']);
const FIELDS = /connectionId|state|codeChallenge|codeVerifier|\bcode\b/;

describe('xero-exporter under fuzz: its internal routes take any request without a 5xx, and only with the service token', () => {
  const seed = fuzzSeed();
  const tally = new Tally('xero-exporter', seed);
  let sandbox: XeroSandbox;
  let db: TestDatabase;
  let pool: Pool;
  let exporter: SpawnedService;
  let snapshotSql: string;
  const known: Record<string, string[]> = { connectionId: ['acme'] };
  const snapshot = async (): Promise<string[]> => (await pool.query<{ v: string }>(snapshotSql)).rows.map((r) => r.v);

  beforeAll(async () => {
    sandbox = await startXeroSandbox({ limits: false, specPath: null });
    db = await createTestDatabase('fuzz_exporter');
    pool = new Pool({ connectionString: db.url, max: 1 });
    exporter = await spawnService('xero-exporter', {
      DATABASE_URL: db.url,
      ...testKafkaEnv(),
      KAFKA_TOPIC_PREFIX: uniqueTopicPrefix('fuzz-exporter'),
      XERO_API_URL: sandbox.accountingBasePath,
      XERO_IDENTITY_URL: sandbox.url,
      XERO_GRANT: 'authorization_code',
      XERO_CLIENT_ID: sandbox.clients.authorizationCode.clientId,
      XERO_CLIENT_SECRET: sandbox.clients.authorizationCode.clientSecret,
      XERO_TOKEN_KEY: randomBytes(32).toString('hex'),
      XERO_REDIRECT_URI: 'http://127.0.0.1:4000/api/xero/callback',
      EXPORTER_SERVICE_TOKEN: SERVICE_TOKEN,
    });
    const { rows } = await pool.query<{ t: string }>(
      "select table_name as t from information_schema.tables where table_schema = 'exporter' and table_type = 'BASE TABLE' and table_name <> 'checkpoints' order by 1",
    );
    snapshotSql = rows
      .map(({ t }) => `select count(*) || ':' || coalesce(md5(string_agg(x::text, '|' order by x::text)), '') as v from exporter."${t}" x`)
      .join(' union all ');
    await waitFor('the exporter at rest', async () => {
      const a = await snapshot();
      await new Promise((r) => setTimeout(r, 300));
      return JSON.stringify(a) === JSON.stringify(await snapshot()) || undefined;
    });
  });

  afterAll(async () => {
    if (tally.requests) process.stdout.write(`${tally.summary()}\n`);
    await exporter?.stop();
    await pool?.end();
    await db?.drop();
    await sandbox?.close();
  });

  it('answers the internal routes, /health and /metrics without a 5xx; a parameter or field outside is refused, naming it, and changes nothing', async () => {
    const arb = requestArb(operationsOf(EXPORTER_SURFACE), new Oracle(NEST_INPUT_RULES), { known });
    await campaign(
      arb,
      async (r) => {
        const before = r.outside ? await snapshot() : undefined;
        const answer = await send(exporter.url, r, { authorization: `Bearer ${SERVICE_TOKEN}` });
        await checked(tally, r, answer, async () => {
          if (!before) return undefined;
          const after = await snapshot();
          return after.some((v, i) => v !== before[i]) ? `refused (${answer.status}) yet changed the exporter's schema` : undefined;
        });
      },
      { numRuns: runsOf(1_000), seed, replay: REPLAY },
    );
    // Some consent links were given (and some codes refused by Xero): the campaign got past the validation.
    expect(tally.count((s) => s === 200)).toBeGreaterThan(0);
  });

  it("answers nothing but /health and /metrics without the service token: a 401 before any field is read (or the body parser's 400/413)", async () => {
    const denied = new Tally('xero-exporter, without the service token', seed);
    const arb = requestArb(operationsOf(EXPORTER_SURFACE), new Oracle(NEST_INPUT_RULES), { known });
    await campaign(
      arb,
      async (r) => {
        const answer = await send(exporter.url, r, wrongTokenFor(r.target));
        denied.record(r, answer);
        // A body too big or not JSON is refused by the body parser, before any guard: it names no field and reads nothing.
        const unread = (answer.status === 400 || answer.status === 413) && !FIELDS.test(answer.text);
        const ok = OPEN.has(r.op.path) ? answer.status === 200 : answer.status === 401 || unread;
        if (!ok) throw new Error(`${r.method} ${r.target}: answered ${answer.status} without the service token: ${answer.text.slice(0, 200)}`);
      },
      { numRuns: runsOf(200), seed: seed + 1, replay: REPLAY },
    );
    process.stdout.write(`${denied.summary()}\n`);
  });
});

/** No token, or a wrong one (of the right length too), chosen from the request so a replay sends the same. */
function wrongTokenFor(target: string): Record<string, string> {
  const pick = target.length % 3;
  if (pick === 0) return {};
  return { authorization: `Bearer ${pick === 1 ? 'not-the-token' : 'f'.repeat(SERVICE_TOKEN.length)}` };
}
