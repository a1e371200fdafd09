// A connection's mapping through monitor-api, with the mapper as its own process: a change checked with the
// mapper's own rules (a bad one is a 400 naming the field, and nothing is sent), sent, applied by the mapper to
// that connection alone, and read back as the mapper confirmed it.
import { createTestDatabase, http, SpawnedService, spawnService, TestDatabase, testKafkaEnv, uniqueTopicPrefix, waitFor } from '@lnbx/testing';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

const NL_OPERATOR = 'mapping-nl-operator-key-0123456789';
const UK_VIEWER = 'mapping-uk-viewer-key-0123456789';
const nlMapping = JSON.parse(readFileSync(path.resolve(__dirname, '../../../tools/demo/mapping-nl.json'), 'utf8')) as Record<string, unknown>;

describe('a connection mapping through monitor-api (GET /api/mapping, POST /api/mapping/changes)', () => {
  let db: TestDatabase;
  let monitor: SpawnedService;
  let mapper: SpawnedService;

  beforeAll(async () => {
    db = await createTestDatabase('mapping');
    const env = { DATABASE_URL: db.url, ...testKafkaEnv(), KAFKA_TOPIC_PREFIX: uniqueTopicPrefix('mapping') };
    [monitor, mapper] = await Promise.all([
      spawnService('monitor-api', { ...env, MONITOR_BOOTSTRAP_KEYS: `operator@nl:${NL_OPERATOR},viewer@uk:${UK_VIEWER}` }),
      spawnService('mapper', { ...env, MAPPING_CONFIG_FILE: 'apps/mapper/mapping.example.json' }),
    ]);
  });

  afterAll(async () => {
    await Promise.all([monitor?.stop(), mapper?.stop()]);
    await db?.drop();
  });

  const nl = { 'x-api-key': NL_OPERATOR };
  const mappingOf = (key: string) =>
    http<{ current: { config: { taxTypes: { rate: number; taxType: string }[] }; changedBy: string } | null }>('GET', `${monitor.url}/api/mapping`, undefined, {
      'x-api-key': key,
    });

  it("starts on the deployment's default, takes a whole configuration for one brand, and leaves the other's alone", async () => {
    expect((await mappingOf(NL_OPERATOR)).body).toEqual({ current: null });
    const sent = await http<{ status: string; eventId: string }>('POST', `${monitor.url}/api/mapping/changes`, { type: 'Replace', config: nlMapping }, nl);
    expect(sent.status).toBe(202);
    const confirmed = await waitFor('the mapper to confirm the Dutch mapping', async () => (await mappingOf(NL_OPERATOR)).body.current ?? undefined);
    expect(confirmed.changedBy).toBe('bootstrap-operator-1');
    expect(confirmed.config.taxTypes.find((t) => t.rate === 21)).toMatchObject({ taxType: 'OUTPUT' });
    // One change on top of it, confirmed in turn.
    expect((await http('POST', `${monitor.url}/api/mapping/changes`, { type: 'SetTaxType', rate: 9, taxType: 'EXEMPTOUTPUT' }, nl)).status).toBe(202);
    await waitFor(
      'the second change',
      async () => (await mappingOf(NL_OPERATOR)).body.current?.config.taxTypes.find((t) => t.rate === 9)?.taxType === 'EXEMPTOUTPUT',
    );
    // The British brand still uses the default: nothing of the Dutch one reached it.
    expect((await mappingOf(UK_VIEWER)).body).toEqual({ current: null });
    expect(mapper.logs.filter((l) => l.level === 'error')).toEqual([]);
  });

  it('refuses a bad change with a 400 naming each field, and a viewer cannot change anything', async () => {
    const bad = await http<{ message: string[] }>('POST', `${monitor.url}/api/mapping/changes`, { type: 'SetTaxType', rate: 'twenty', taxType: '' }, nl);
    expect(bad.status).toBe(400);
    expect(bad.body.message.join(' ')).toMatch(/change\.rate/);
    const badConfig = await http<{ message: string[] }>(
      'POST',
      `${monitor.url}/api/mapping/changes`,
      { type: 'Replace', config: { ...nlMapping, status: 'PAID' } },
      nl,
    );
    expect(badConfig.status).toBe(400);
    expect(badConfig.body.message.join(' ')).toMatch(/status/);
    expect((await http('POST', `${monitor.url}/api/mapping/changes`, { type: 'SetTaxType', rate: 9, taxType: 'X' }, { 'x-api-key': UK_VIEWER })).status).toBe(
      403,
    );
  });
});
