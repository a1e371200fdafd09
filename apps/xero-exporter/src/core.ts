// The exporter's parts wired together, without Nest: the service's module and the benchmark build the
// same thing from the same config.
import type { Outbox } from '@lnbx/messaging';
import type { JsonLogger } from '@lnbx/platform';
import { Pool } from 'pg';
import type { Registry } from 'prom-client';
import type { ExporterConfig } from './config';
import { XERO_RATE_LIMITS } from './domain/limiter';
import { TokenCipher } from './domain/token-cipher';
import { AllocationRunner } from './export/allocations';
import { BatchExporter } from './export/batch-exporter';
import { ConnectionService } from './export/connections';
import { ContactResolver } from './export/contact-resolver';
import { ExportEngine } from './export/engine';
import { FollowupRunner } from './export/followups';
import { Intake } from './export/intake';
import { ExporterMetrics } from './metrics';
import { ExporterStore } from './store/exporter-store';
import { XeroIdentity } from './xero/identity';
import { Limiters, XeroApi } from './xero/xero-api';
import { TokenService } from './xero/tokens';

export interface ExporterCore {
  store: ExporterStore;
  intake: Intake;
  engine: ExportEngine;
  connections: ConnectionService;
  xero: XeroApi;
  metrics: ExporterMetrics;
  close(): Promise<void>;
}

/** Allocations per look: the two look-ups (credit notes by id, invoices by number) take 25 each. */
const ALLOCATION_BATCH = 25;

export interface CoreDeps {
  pool: Pool;
  outbox: Outbox;
  registry: Registry;
  logger: JsonLogger;
}

export const identityUrls = (c: ExporterConfig) => {
  const base = c.xeroIdentityUrl.replace(/\/+$/, '');
  return {
    authorize: c.xeroAuthorizeUrl ?? `${base}/identity/connect/authorize`,
    token: c.xeroTokenUrl ?? `${base}/identity/connect/token`,
    connections: c.xeroConnectionsUrl ?? `${base}/connections`,
  };
};

export async function createExporterCore(config: ExporterConfig, { pool, outbox, registry, logger }: CoreDeps): Promise<ExporterCore> {
  const cipher = TokenCipher.fromText(config.xeroTokenKey);
  const store = new ExporterStore(pool);
  const transact = outbox.store.withTransaction.bind(outbox.store);
  await store.migrate();
  const log = logger.child({ component: 'exporter' });
  const metrics = new ExporterMetrics(registry);
  const urls = identityUrls(config);
  const identity = new XeroIdentity({
    tokenUrl: urls.token, connectionsUrl: urls.connections, clientId: config.xeroClientId, clientSecret: config.xeroClientSecret, timeoutMs: config.xeroTimeoutMs,
  });
  const tokens = new TokenService(store, pool, transact, cipher, identity, log);
  const limits = { ...XERO_RATE_LIMITS, concurrent: config.xeroLimitConcurrent, perMinute: config.xeroLimitPerMinute, perDay: config.xeroLimitPerDay };
  const minuteMs = 60_000 / config.xeroRateTimeScale;
  const xero = new XeroApi({ apiUrl: config.xeroApiUrl, timeoutMs: config.xeroTimeoutMs, limits, minuteMs }, new Limiters(limits, minuteMs), tokens, identity, metrics, log);
  const contacts = new ContactResolver(store, pool, xero, config.xeroContactNameSuffix, log);
  const retry = { maxAttempts: config.xeroMaxAttempts, retryBaseMs: config.xeroRetryBaseMs, retryMaxMs: config.xeroRetryMaxMs };
  const batches = new BatchExporter(store, pool, outbox, xero, contacts, {
    ...retry, batchSize: config.xeroBatchSize, changedAfterExport: config.xeroChangedAfterExport, attachPdf: config.xeroAttachPdf,
  }, log);
  const followups = new FollowupRunner(store, xero, metrics, { ...retry, pdfTimeoutMs: config.xeroPdfTimeoutMs }, log);
  const allocations = new AllocationRunner(store, outbox, xero, {
    batchSize: ALLOCATION_BATCH, recheckBaseMs: config.xeroAllocationRecheckSeconds * 1000, recheckMaxMs: config.xeroAllocationRecheckMaxSeconds * 1000,
    retryBaseMs: config.xeroRetryBaseMs, retryMaxMs: config.xeroRetryMaxMs,
  }, log);
  const connections = new ConnectionService(store, pool, transact, outbox, identity, tokens, metrics, {
    grant: config.xeroGrant, clientId: config.xeroClientId, scopes: config.xeroScopes, authorizeUrl: urls.authorize,
    tenantId: config.xeroTenantId, concurrent: limits.concurrent,
  }, log);
  // Each unit of work holds one connection for its whole length; a few spare for the reference data.
  const senderPool = new Pool({ connectionString: config.databaseUrl, max: limits.concurrent + 2, application_name: 'xero-exporter-sender' });
  senderPool.on('error', (err) => log.error('postgres sender pool error', { err }));
  const engine = new ExportEngine(store, pool, transact, senderPool, outbox, xero, batches, followups, allocations, connections, metrics, {
    connectionId: config.connectionId, grant: config.xeroGrant, batchSize: config.xeroBatchSize, lingerMs: config.xeroBatchLingerMs,
    concurrent: limits.concurrent, intervalMs: config.xeroSenderIntervalMs, reconnectMs: config.xeroReconnectSeconds * 1000,
    referenceRefreshMinutes: config.xeroReferenceRefreshMinutes, minuteMs,
    allocationBatch: ALLOCATION_BATCH, allocationCallsPerMinute: config.xeroAllocationCallsPerMinute,
  }, log);
  const intake = new Intake(store, outbox, () => engine.wake(), config.xeroGrant === 'authorization_code');
  return {
    store, intake, engine, connections, xero, metrics,
    async close() {
      await engine.stop();
      await senderPool.end().catch(() => undefined);
    },
  };
}
