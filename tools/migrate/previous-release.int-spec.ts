// Upgrading in place from the single-connection release (issue 12 part 5): a database and a Xero sandbox as a
// deployment of main at 70967e0 left them after exporting documents (fixtures/previous-release-70967e0.*, made by
// fixtures/make-previous-release-data.mjs), migrated, then this release started on them as docs/upgrading.md says:
// the integrator creates the connection under its old id and sets its LNB credentials. Its documents, revisions,
// Xero ids and API keys carry over, and running again exports nothing twice.
import { LnbSandbox, startLnbSandbox } from '@lnbx/lnb-sandbox';
import {
  connectionSetupEnv,
  createTestDatabase,
  http,
  runMigrations,
  SpawnedService,
  setUpConnection,
  spawnService,
  TestDatabase,
  testKafkaEnv,
  uniqueTopicPrefix,
  waitFor,
} from '@lnbx/testing';
import { startXeroSandbox, type XeroSandbox } from '@lnbx/xero-sandbox';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';

const FIXTURES = path.join(__dirname, 'fixtures');
const FIXTURE = JSON.parse(readFileSync(path.join(FIXTURES, 'previous-release-70967e0.fixture.json'), 'utf8')) as {
  connectionId: string;
  operatorKey: string;
  viewerKey: string;
  xeroTokenKey: string;
  lnb: { seed: number; invoices: number; creditNotes: number };
};
const ADMIN = 'upgrade-admin-key-0123456789abcdef';

interface RunView {
  runId: string;
  flow: string;
  status: string;
  counts: { selected: number; emitted: number; unchanged: number } | null;
  documents: { total: number; exported: number; rejected: number; failed: number };
}

describe('upgrading a deployment of the single-connection release (70967e0) in place', () => {
  let db: TestDatabase;
  let dir: string;
  let lnb: LnbSandbox;
  let xero: XeroSandbox;
  const services: SpawnedService[] = [];
  let monitor: SpawnedService;
  const legacy = { 'x-api-key': FIXTURE.operatorKey };

  beforeAll(async () => {
    db = await createTestDatabase('upgrade_70967e0', { empty: true });
    execFileSync('psql', ['-q', '-v', 'ON_ERROR_STOP=1', '-d', db.url, '-f', path.join(FIXTURES, 'previous-release-70967e0.data.sql')], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    await runMigrations(db.url);
    dir = mkdtempSync(path.join(tmpdir(), 'lnbx-upgrade-'));
    copyFileSync(path.join(FIXTURES, 'previous-release-70967e0.xero-sandbox.json'), path.join(dir, 'xero.json'));
    xero = await startXeroSandbox({ port: 0, stateFile: path.join(dir, 'xero.json') });
    lnb = await startLnbSandbox({ port: 0, ...FIXTURE.lnb });
    const env = { DATABASE_URL: db.url, ...testKafkaEnv(), KAFKA_TOPIC_PREFIX: uniqueTopicPrefix('upgrade') };
    const setup = connectionSetupEnv();
    const poller = await spawnService('lnb-poller', { ...env, ...setup.poller, LNB_BASE_URL: lnb.url });
    services.push(poller);
    const cc = xero.clients.clientCredentials;
    const started = await Promise.all([
      spawnService('monitor-api', { ...env, ...setup.monitor, POLLER_INTERNAL_URL: poller.url, MONITOR_BOOTSTRAP_KEYS: `admin:${ADMIN}` }),
      spawnService('mapper', { ...env, MAPPING_CONFIG_FILE: 'apps/mapper/mapping.example.json' }),
      spawnService('xero-exporter', {
        ...env,
        XERO_API_URL: xero.accountingBasePath,
        XERO_IDENTITY_URL: xero.url,
        XERO_GRANT: 'client_credentials',
        XERO_CLIENT_ID: cc.clientId,
        XERO_CLIENT_SECRET: cc.clientSecret,
        // The key the previous release sealed its Xero tokens with.
        XERO_TOKEN_KEY: FIXTURE.xeroTokenKey,
      }),
    ]);
    services.push(...started);
    monitor = started[0];
    // docs/upgrading.md: the connection under the id the deployment had (CONNECTION_ID), and its LNB credentials.
    await setUpConnection(monitor.url, ADMIN, {
      id: FIXTURE.connectionId,
      name: 'Acme',
      lnb: { clientId: lnb.clientId, clientSecret: lnb.clientSecret },
    });
  });

  afterAll(async () => {
    await Promise.all(services.map((s) => s.stop()));
    await lnb?.close();
    await xero?.close();
    await db?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const runs = async (key: Record<string, string>) => (await http<{ runs: RunView[] }>('GET', `${monitor.url}/api/runs`, undefined, key)).body.runs;
  const xeroIds = () => {
    const { invoices, creditNotes } = inXero();
    return new Set([...invoices, ...creditNotes].map((d) => String((d as { InvoiceID?: string }).InvoiceID ?? (d as { CreditNoteID?: string }).CreditNoteID)));
  };
  /** The Xero ids the exporter holds for the connection's documents. */
  const xeroIdsRecorded = async () => {
    const c = new Client({ connectionString: db.url });
    await c.connect();
    try {
      const { rows } = await c.query<{ xero_id: string }>(`select xero_id from exporter.documents where connection_id = $1 and xero_id is not null`, [
        FIXTURE.connectionId,
      ]);
      return new Set(rows.map((r) => r.xero_id));
    } finally {
      await c.end();
    }
  };
  const inXero = () => {
    const tenant = xero.clients.clientCredentials.tenantId;
    return { invoices: xero.admin.invoices(tenant), creditNotes: xero.admin.creditNotes(tenant) };
  };

  it("keeps the previous release's keys, runs and documents, now the connection's", async () => {
    const before = await runs(legacy);
    expect(before.map((r) => [r.flow, r.status]).sort()).toEqual([
      ['credit_notes', 'completed'],
      ['invoices', 'completed'],
    ]);
    const viewer = await http<{ name: string; role: string; connection: string }>('GET', `${monitor.url}/api/me`, undefined, {
      'x-api-key': FIXTURE.viewerKey,
    });
    expect(viewer.body).toMatchObject({ role: 'viewer', connection: FIXTURE.connectionId });
    // What the exporter recorded in Xero is what Xero holds (the previous release reported a DRAFT credit note it
    // exported as failed, for its allocation: it is in Xero all the same).
    const recorded = await xeroIdsRecorded();
    expect(recorded.size).toBeGreaterThan(0);
    expect(recorded).toEqual(xeroIds());
    expect(before.reduce((n, r) => n + r.documents.exported, 0)).toBeGreaterThan(0);
  });

  it('runs again and exports nothing twice: every document is known, with its Xero id', async () => {
    const xeroBefore = inXero();
    const numbersBefore = [...xeroBefore.invoices, ...xeroBefore.creditNotes]
      .map((d) => String((d as { InvoiceNumber?: string; CreditNoteNumber?: string }).InvoiceNumber ?? (d as { CreditNoteNumber?: string }).CreditNoteNumber))
      .sort();
    const requested: string[] = [];
    for (const flow of ['invoices', 'credit_notes']) {
      const r = await http<{ runId: string }>('POST', `${monitor.url}/api/runs`, { flow }, legacy);
      expect(r.status).toBe(202);
      requested.push(r.body.runId);
    }
    const done = await waitFor('both runs to complete', async () => {
      const now = (await runs(legacy)).filter((r) => requested.includes(r.runId));
      return now.length === 2 && now.every((r) => r.status === 'completed') ? now : undefined;
    });
    // Nothing changed in LNB since: every selected document is unchanged, none published again.
    for (const r of done) expect(r.counts).toMatchObject({ emitted: 0, unchanged: r.counts!.selected });
    const xeroAfter = inXero();
    const numbersAfter = [...xeroAfter.invoices, ...xeroAfter.creditNotes]
      .map((d) => String((d as { InvoiceNumber?: string }).InvoiceNumber ?? (d as { CreditNoteNumber?: string }).CreditNoteNumber))
      .sort();
    expect(numbersAfter).toEqual(numbersBefore);
    // The previous release's exports are the connection's documents, with their Xero ids.
    const docs = await http<{ documents: { documentKey: string; state: string; xero: { id: string } | null }[] }>(
      'GET',
      `${monitor.url}/api/documents?state=exported&limit=100`,
      undefined,
      legacy,
    );
    const ids = xeroIds();
    expect(await xeroIdsRecorded()).toEqual(ids);
    expect(docs.body.documents.length).toBeGreaterThan(0);
    for (const d of docs.body.documents) {
      expect(d.documentKey.startsWith(`${FIXTURE.connectionId}:`)).toBe(true);
      expect(ids.has(String(d.xero?.id))).toBe(true);
    }
  });
});
