// The Xero exporter's HTTP surface under fuzz (issue 15, part 3), as its own process on a real Postgres and
// Kafka, against the Xero sandbox: /connect and /callback (its consent pages), /health and /metrics. It
// serves no OpenAPI document, so its surface is described here, as the controller takes it. Promised:
// never a 5xx; a parameter outside its description refused, naming it; and such a refusal changes nothing
// in the exporter's schema (its events included). `FUZZ_SEED=<seed>` replays a run.
import { createTestDatabase, kafkaBrokers, type SpawnedService, spawnService, type TestDatabase, uniqueTopicPrefix, waitFor } from '@lnbx/testing';
import { startXeroSandbox, type XeroSandbox } from '@lnbx/xero-sandbox';
import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import { campaign, checked, fuzzSeed, runsOf, Tally } from './campaign';
import { requestArb, send } from './requests';
import { NEST_INPUT_RULES } from './rules';
import { type OpenApiDocument, operationsOf, Oracle } from './schema';

const REPLAY = 'npx jest --ci tools/fuzz/xero-exporter.int-spec.ts';

/** What the exporter's controller takes (apps/xero-exporter/src/http/connections.controller.ts). */
const EXPORTER_SURFACE: OpenApiDocument = {
  paths: {
    '/connect': { get: { parameters: [{ name: 'connectionId', in: 'query', schema: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,62}$' } }] } },
    '/callback': {
      get: {
        parameters: [
          { name: 'code', in: 'query', schema: { type: 'string', maxLength: 512 } },
          { name: 'state', in: 'query', schema: { type: 'string', maxLength: 128 } },
          { name: 'error', in: 'query', schema: { type: 'string', maxLength: 200 } },
        ],
      },
    },
    '/health': { get: {} },
    '/metrics': { get: {} },
  },
};

describe('xero-exporter under fuzz: its consent pages take any request without a 5xx', () => {
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
      DATABASE_URL: db.url, KAFKA_BROKERS: kafkaBrokers().join(','), KAFKA_TOPIC_PREFIX: uniqueTopicPrefix('fuzz-exporter'), CONNECTION_ID: 'acme',
      XERO_API_URL: sandbox.accountingBasePath, XERO_IDENTITY_URL: sandbox.url, XERO_GRANT: 'authorization_code',
      XERO_CLIENT_ID: sandbox.clients.authorizationCode.clientId, XERO_CLIENT_SECRET: sandbox.clients.authorizationCode.clientSecret,
      XERO_TOKEN_KEY: randomBytes(32).toString('hex'),
    });
    const { rows } = await pool.query<{ t: string }>(
      "select table_name as t from information_schema.tables where table_schema = 'exporter' and table_type = 'BASE TABLE' and table_name <> 'checkpoints' order by 1",
    );
    snapshotSql = rows.map(({ t }) => `select count(*) || ':' || coalesce(md5(string_agg(x::text, '|' order by x::text)), '') as v from exporter."${t}" x`).join(' union all ');
    // States the exporter issued, so some callbacks get past the lookup (and consume them, as a state is single-use).
    known.state = [];
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${exporter.url}/connect`, { redirect: 'manual' });
      known.state.push(new URL(res.headers.get('location')!).searchParams.get('state')!);
    }
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

  it('answers /connect, /callback, /health and /metrics without a 5xx; a parameter outside is refused, naming it, and changes nothing', async () => {
    const arb = requestArb(operationsOf(EXPORTER_SURFACE), new Oracle(NEST_INPUT_RULES), { known });
    await campaign(arb, async (r) => {
      const before = r.outside ? await snapshot() : undefined;
      const answer = await send(exporter.url, r);
      await checked(tally, r, answer, async () => {
        if (!before) return undefined;
        const after = await snapshot();
        return after.some((v, i) => v !== before[i]) ? `refused (${answer.status}) yet changed the exporter's schema` : undefined;
      });
    }, { numRuns: runsOf(1_000), seed, replay: REPLAY });
    expect(tally.count((s) => s === 302)).toBeGreaterThan(0);
  });
});
