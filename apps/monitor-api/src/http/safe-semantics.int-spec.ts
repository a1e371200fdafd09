// Safe semantics of monitor-api's commands (issue 15, part 4), against the service as its own process:
// a PUT says the whole resource and a PATCH names what it changes; a schedule may not fire more often
// than the deployment allows; a revoked key is refused at once, though the instance had verified it.
import { createEnvelope, flowKey, SelectionChanged, type SelectionRules } from '@lnbx/contracts';
import { EventPublisher } from '@lnbx/messaging';
import { createTestDatabase, http, kafkaBrokers, SpawnedService, spawnService, TestDatabase, testKafkaEnv, uniqueTopicPrefix, waitFor } from '@lnbx/testing';
import { Kafka, logLevel } from 'kafkajs';
import { Pool } from 'pg';
import { createApiKey, revokeApiKey } from '../store/api-keys.repository';

const OPERATOR = 'operator-key-for-semantics-0123456789';
const asOperator = { 'x-api-key': OPERATOR };

describe('monitor-api commands: whole PUTs, named PATCHes, schedules not too often, revocation at once', () => {
  const prefix = uniqueTopicPrefix('semantics');
  const kafka = new Kafka({ clientId: 'semantics-test', brokers: kafkaBrokers(), logLevel: logLevel.NOTHING });
  const publisher = new EventPublisher(kafka, prefix);
  let db: TestDatabase;
  let pool: Pool;
  let monitor: SpawnedService;
  const call = <T>(method: string, path: string, body?: unknown, headers: Record<string, string> = asOperator) =>
    http<T>(method, `${monitor.url}${path}`, body, headers);
  type Selection = { current: { value: SelectionRules } | null; pending: { value: SelectionRules } | null };

  beforeAll(async () => {
    db = await createTestDatabase('semantics');
    pool = new Pool({ connectionString: db.url });
    monitor = await spawnService('monitor-api', {
      DATABASE_URL: db.url,
      ...testKafkaEnv(),
      KAFKA_TOPIC_PREFIX: prefix,
      MONITOR_BOOTSTRAP_KEYS: `operator@acme:${OPERATOR}`,
      SCHEDULE_MIN_INTERVAL_MINUTES: '15',
    });
  });

  afterAll(async () => {
    await publisher.close();
    await monitor?.stop();
    await pool?.end();
    await db?.drop();
  });

  it('PUT selection refuses a body that leaves fields out, and changes nothing', async () => {
    const empty = await call<{ message: string[] }>('PUT', '/api/flows/invoices/selection', {});
    expect(empty.status).toBe(400);
    expect(empty.body.message).toHaveLength(8);
    expect(empty.body.message[0]).toBe('statuses is required: list the LNB statuses to export (proforma, final, cancelled)');
    const noStatus = await call<{ message: string[] }>('PUT', '/api/flows/invoices/selection', {
      statuses: [],
      dateFrom: null,
      dateTo: null,
      includeRetailers: [],
      excludeRetailers: [],
      currencies: [],
      onlyReferences: [],
      holdBack: [],
    });
    expect(noStatus.status).toBe(400);
    expect((await call<Selection>('GET', '/api/flows/invoices/selection')).body).toEqual({ flow: 'invoices', current: null, pending: null });
  });

  it('PATCH selection changes only what it names, on top of the rules the poller confirmed', async () => {
    expect((await call('PATCH', '/api/flows/invoices/selection', { holdBack: ['INV-1'] })).status).toBe(409);
    const confirmed: SelectionRules = {
      statuses: ['final'],
      dateFrom: '2026-01-01',
      dateTo: null,
      includeRetailers: [],
      excludeRetailers: ['RET-00009'],
      currencies: ['EUR'],
      onlyReferences: [],
      holdBack: [],
    };
    await publisher.publish([
      createEnvelope(
        SelectionChanged.definition,
        { flow: 'invoices', rules: confirmed, requestedBy: 'poller-test' },
        {
          producer: 'lnb-poller',
          connectionId: 'acme',
          correlationId: 'semantics',
          key: flowKey('acme', 'invoices'),
        },
      ),
    ]);
    await waitFor('the confirmed selection', async () => (await call<Selection>('GET', '/api/flows/invoices/selection')).body.current ?? undefined);
    expect((await call<{ message: string[] }>('PATCH', '/api/flows/invoices/selection', {})).body.message).toEqual([
      'name at least one rule to change: statuses, dateFrom, dateTo, includeRetailers, excludeRetailers, currencies, onlyReferences, holdBack',
    ]);
    // Refused with the poller's own words (@lnbx/scheduling checkRules), never sent to be refused there.
    const refused = async (body: Partial<SelectionRules>) => {
      const res = await call<{ message: string[] }>('PATCH', '/api/flows/invoices/selection', body);
      return [res.status, res.body.message];
    };
    expect(await refused({ dateTo: '2025-12-31' })).toEqual([400, ['rules.dateFrom: must not be after rules.dateTo']]);
    expect(await refused({ includeRetailers: ['RET-00009'] })).toEqual([400, ['rules.excludeRetailers: RET-00009 also in includeRetailers']]);
    const patched = await call<{ rules: SelectionRules }>('PATCH', '/api/flows/invoices/selection', { holdBack: ['INV-1'], dateFrom: null });
    expect(patched.status).toBe(202);
    expect(patched.body.rules).toEqual({ ...confirmed, holdBack: ['INV-1'], dateFrom: null });
    expect((await call<Selection>('GET', '/api/flows/invoices/selection')).body.pending?.value).toEqual({ ...confirmed, holdBack: ['INV-1'], dateFrom: null });
  });

  it('refuses a schedule firing more often than the deployment allows, naming cron', async () => {
    const often = await call<{ message: string[] }>('PUT', '/api/flows/invoices/schedule', { enabled: true, cron: '*/10 * * * *', timeZone: 'Europe/Paris' });
    expect(often.status).toBe(400);
    expect(often.body.message).toEqual([
      'cron fires too often: "*/10 * * * *" fires 10 minutes apart at its closest, and runs must be at least 15 minutes apart',
    ]);
    expect((await call('PUT', '/api/flows/invoices/schedule', { enabled: true, cron: '*/15 * * * *', timeZone: 'Europe/Paris' })).status).toBe(202);
  });

  it('refuses a revoked key within a second, though this instance had just verified it', async () => {
    const key = 'viewer-key-soon-revoked-0123456789';
    await createApiKey(pool, { name: 'soon-revoked', role: 'viewer', connectionId: 'acme' }, key);
    // Verified, and so cached for a minute.
    expect((await call('GET', '/api/runs', undefined, { 'x-api-key': key })).status).toBe(200);
    expect((await call('GET', '/api/runs', undefined, { 'x-api-key': key })).status).toBe(200);
    const revokedAt = Date.now();
    expect(await revokeApiKey(pool, 'soon-revoked')).toBe(true);
    await waitFor('the revoked key refused', async () => (await call('GET', '/api/runs', undefined, { 'x-api-key': key })).status === 401, {
      timeoutMs: 1_000,
      intervalMs: 20,
    });
    expect(Date.now() - revokedAt).toBeLessThan(1_000);
  });
});
