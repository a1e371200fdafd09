// The exporter's parts as Nest providers. Option objects are derived from the validated config here, one
// provider each, so every part states what it needs; the loops start and stop with the application.
import { ConnectionStatuses, EVENT_STORE, EventSourcingModule, Outbox, toStored } from '@lnbx/messaging';
import { JsonLogger, PG_POOL, PlatformModule, SecretCipher } from '@lnbx/platform';
import { DynamicModule, Module, type Provider } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import type { Pool } from 'pg';
import { ExporterConfig } from './config';
import { XERO_RATE_LIMITS, type RateLimits } from './domain/limiter';
import { ExporterHandlers } from './handlers/exporter.handlers';
import { Intake } from './handlers/intake';
import { InternalXeroController } from './http/internal.controller';
import { SERVICE_TOKEN, serviceTokenOf, ServiceTokenGuard } from './http/service-token.guard';
import { ExporterMetrics } from './metrics';
import { DocumentLifecycleStore } from './store/document-lifecycle-store';
import { ExporterStore, type Transact, TRANSACT } from './store/exporter-store';
import { REQUIRED_MIGRATION, SCHEMA } from './store/schema';
import { ALLOCATION_OPTIONS, AllocationRunner, type AllocationOptions } from './workers/allocations';
import { BATCH_OPTIONS, BatchExporter, type BatchExporterOptions } from './workers/batch-exporter';
import { CONTACT_NAME_SUFFIX, ContactResolver } from './workers/contact-resolver';
import { FOLLOWUP_OPTIONS, FollowupRunner, type FollowupOptions } from './workers/followups';
import { SENDER_OPTIONS, SenderWorker, type SenderOptions } from './workers/sender';
import { SenderPoolLifecycle, senderPoolProvider } from './workers/sender-pool';
import { UPKEEP_OPTIONS, UpkeepWorker, type UpkeepOptions } from './workers/upkeep';
import { Wakeups } from './workers/wakeups';
import { CONNECTION_OPTIONS, ConnectionService, type ConnectionOptions } from './xero/connections';
import { IDENTITY_OPTIONS, type IdentityOptions, XeroIdentity } from './xero/identity';
import { AppBudget } from './xero/app-budget';
import { Limiters, XERO_API_OPTIONS, XeroApi, type XeroApiOptions } from './xero/xero-api';
import { TokenService } from './xero/tokens';

export interface ExporterModuleOptions {
  /**
   * Start the sender and the upkeep with the application (the default). The benchmark passes false, records
   * its documents, then starts them itself: a run detected at once, so the sender starts on a full queue.
   */
  startWorkers?: boolean;
}

/** Allocations per look: the two look-ups (credit notes by id, invoices by number) take 25 each. */
const ALLOCATION_BATCH = 25;

const identityUrls = (c: ExporterConfig) => {
  const base = c.xeroIdentityUrl.replace(/\/+$/, '');
  return {
    authorize: c.xeroAuthorizeUrl ?? `${base}/identity/connect/authorize`,
    token: c.xeroTokenUrl ?? `${base}/identity/connect/token`,
    connections: c.xeroConnectionsUrl ?? `${base}/connections`,
    revocation: c.xeroRevocationUrl ?? `${base}/identity/connect/revocation`,
  };
};

const rateLimits = (c: ExporterConfig): RateLimits => ({
  ...XERO_RATE_LIMITS,
  concurrent: c.xeroLimitConcurrent,
  perMinute: c.xeroLimitPerMinute,
  perDay: c.xeroLimitPerDay,
});
/** A limit-minute in real milliseconds (shorter against a time-scaled sandbox). */
const minuteMs = (c: ExporterConfig): number => 60_000 / c.xeroRateTimeScale;

/** Each part's options, from the config validated at boot. */
function optionProviders(startWorkers: boolean): Provider[] {
  const fromConfig = <T>(provide: symbol, derive: (c: ExporterConfig) => T): Provider => ({ provide, inject: [ExporterConfig], useFactory: derive });
  return [
    fromConfig(IDENTITY_OPTIONS, (c): IdentityOptions => {
      const urls = identityUrls(c);
      return {
        tokenUrl: urls.token,
        connectionsUrl: urls.connections,
        revocationUrl: urls.revocation,
        clientId: c.xeroClientId,
        clientSecret: c.xeroClientSecret,
        timeoutMs: c.xeroTimeoutMs,
      };
    }),
    fromConfig(XERO_API_OPTIONS, (c): XeroApiOptions => ({ apiUrl: c.xeroApiUrl, timeoutMs: c.xeroTimeoutMs, limits: rateLimits(c), minuteMs: minuteMs(c) })),
    fromConfig(CONTACT_NAME_SUFFIX, (c): string => c.xeroContactNameSuffix),
    fromConfig(BATCH_OPTIONS, (c): BatchExporterOptions => ({
      maxAttempts: c.xeroMaxAttempts,
      retryBaseMs: c.xeroRetryBaseMs,
      retryMaxMs: c.xeroRetryMaxMs,
      batchSize: c.xeroBatchSize,
      changedAfterExport: c.xeroChangedAfterExport,
      attachPdf: c.xeroAttachPdf,
    })),
    fromConfig(FOLLOWUP_OPTIONS, (c): FollowupOptions => ({
      maxAttempts: c.xeroMaxAttempts,
      retryBaseMs: c.xeroRetryBaseMs,
      retryMaxMs: c.xeroRetryMaxMs,
      pdfTimeoutMs: c.xeroPdfTimeoutMs,
    })),
    fromConfig(ALLOCATION_OPTIONS, (c): AllocationOptions => ({
      batchSize: ALLOCATION_BATCH,
      recheckBaseMs: c.xeroAllocationRecheckSeconds * 1000,
      recheckMaxMs: c.xeroAllocationRecheckMaxSeconds * 1000,
      retryBaseMs: c.xeroRetryBaseMs,
      retryMaxMs: c.xeroRetryMaxMs,
    })),
    fromConfig(CONNECTION_OPTIONS, (c): ConnectionOptions => ({
      grant: c.xeroGrant,
      clientId: c.xeroClientId,
      scopes: c.xeroScopes,
      authorizeUrl: identityUrls(c).authorize,
      redirectUri: c.xeroRedirectUri ?? '',
      tenantId: c.xeroTenantId,
      concurrent: c.xeroLimitConcurrent,
    })),
    fromConfig(SENDER_OPTIONS, (c): SenderOptions => ({
      batchSize: c.xeroBatchSize,
      lingerMs: c.xeroBatchLingerMs,
      concurrent: c.xeroLimitConcurrent,
      intervalMs: c.xeroSenderIntervalMs,
      minuteMs: minuteMs(c),
      allocationBatch: ALLOCATION_BATCH,
      allocationCallsPerMinute: c.xeroAllocationCallsPerMinute,
      startOnBoot: startWorkers,
    })),
    fromConfig(UPKEEP_OPTIONS, (c): UpkeepOptions => ({
      grant: c.xeroGrant,
      concurrent: c.xeroLimitConcurrent,
      reconnectMs: c.xeroReconnectSeconds * 1000,
      referenceRefreshMinutes: c.xeroReferenceRefreshMinutes,
      startOnBoot: startWorkers,
    })),
  ];
}

@Module({})
export class AppModule {
  static forRoot(config: ExporterConfig, logger: JsonLogger, { startWorkers = true }: ExporterModuleOptions = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forRoot({ service: 'xero-exporter', configClass: ExporterConfig, config, logger }),
        EventSourcingModule.forRoot({ schema: SCHEMA, requiredMigration: REQUIRED_MIGRATION }),
      ],
      controllers: [ExporterHandlers, InternalXeroController],
      providers: [
        ...optionProviders(startWorkers),
        // Read here (a file named by EXPORTER_SERVICE_TOKEN_FILE): an unreadable one stops the start, naming the variable.
        { provide: SERVICE_TOKEN, inject: [ExporterConfig], useFactory: (c: ExporterConfig) => serviceTokenOf(c) },
        // Health and metrics for anyone; every other route of this port for the holder of the service token.
        { provide: APP_GUARD, useClass: ServiceTokenGuard },
        // The event store's factory (EVENT_STORE) checks that the schema has the migrations this code needs,
        // before NestFactory.create returns and so before any consumer can call a handler.
        { provide: ExporterStore, inject: [PG_POOL, EVENT_STORE], useFactory: (pool: Pool): ExporterStore => new ExporterStore(pool) },
        // The event store's transaction, so a part's rows and the events it appends commit together.
        { provide: TRANSACT, inject: [Outbox], useFactory: (outbox: Outbox): Transact => outbox.store.withTransaction.bind(outbox.store) },
        // Documents' streams read through evolve and projected; published events go through the outbox.
        {
          provide: DocumentLifecycleStore,
          inject: [Outbox],
          useFactory: (outbox: Outbox) => new DocumentLifecycleStore(outbox.store, toStored),
        },
        // Each connection's status as monitor-api publishes it (exporter.connection_statuses).
        { provide: ConnectionStatuses, useFactory: () => new ConnectionStatuses(SCHEMA) },
        { provide: SecretCipher, inject: [ExporterConfig], useFactory: (c: ExporterConfig) => SecretCipher.fromText(c.xeroTokenKey, 'XERO_TOKEN_KEY') },
        { provide: Limiters, inject: [XERO_API_OPTIONS], useFactory: (o: XeroApiOptions) => new Limiters(o.limits, o.minuteMs) },
        {
          provide: AppBudget,
          inject: [PG_POOL, ExporterConfig, XERO_API_OPTIONS],
          useFactory: (pool: Pool, c: ExporterConfig, o: XeroApiOptions) =>
            new AppBudget(pool, { limit: c.xeroAppLimitPerMinute, perTenant: o.limits.perMinute }, o.minuteMs),
        },
        senderPoolProvider,
        SenderPoolLifecycle,
        ExporterMetrics,
        Wakeups,
        XeroIdentity,
        TokenService,
        XeroApi,
        ConnectionService,
        ContactResolver,
        BatchExporter,
        FollowupRunner,
        AllocationRunner,
        Intake,
        SenderWorker,
        UpkeepWorker,
      ],
    };
  }
}
