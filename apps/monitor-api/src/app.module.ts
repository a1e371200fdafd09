import { EventSourcingModule } from '@lnbx/messaging';
import { CONFIG, JsonLogger, PG_POOL, PlatformModule } from '@lnbx/platform';
import { DynamicModule, Inject, Module, OnModuleInit } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import type { Pool } from 'pg';
import { ApiKeyVerifier, AuthGuard } from './auth/auth';
import { MonitorConfig } from './config';
import { parseBootstrapKeys } from './domain/api-keys';
import { DeadLettersConsumer } from './handlers/dead-letters.consumer';
import { ProjectionHandlers } from './handlers/projection.handlers';
import { ProjectionService } from './handlers/projection.service';
import { ConnectionCommands } from './handlers/connection-commands';
import { AllocationChecks } from './http/allocation-checks';
import { AllocationsController } from './http/allocations.controller';
import { MappingController } from './http/mapping.controller';
import { SetupController } from './http/setup.controller';
import { OverviewController } from './http/overview.controller';
import { ConnectionsController } from './http/connections.controller';
import { DocumentsController } from './http/documents.controller';
import { FlowsController } from './http/flows.controller';
import { IntegrationCenterController, MeController } from './http/integration-center.controller';
import { POLLER_SERVICE_TOKEN, PollerClient, pollerServiceTokenOf } from './http/poller-client';
import { RunRequests } from './http/run-requests';
import { RunsController } from './http/runs.controller';
import { SettingsCommands } from './http/settings-commands';
import { EXPORTER_SERVICE_TOKEN, ExporterClient, exporterServiceTokenOf } from './http/exporter-client';
import { XeroController } from './http/xero.controller';
import { MonitorMetrics } from './metrics';
import { ensureKeys } from './store/api-keys.repository';
import { REQUIRED_MIGRATION, SCHEMA } from './store/schema';
import { Notifier } from './workers/notifier';

/** The keys of MONITOR_BOOTSTRAP_KEYS (hashed; names logged, never keys). */
class MonitorBoot implements OnModuleInit {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(CONFIG) private readonly config: MonitorConfig,
    private readonly logger: JsonLogger,
  ) {}
  async onModuleInit(): Promise<void> {
    const keys = parseBootstrapKeys(this.config.bootstrapKeys);
    if (keys.ok && keys.keys.length) {
      const created = await ensureKeys(this.pool, keys.keys);
      this.logger.info('bootstrap API keys', { given: keys.keys.length, created });
    }
  }
}

@Module({})
export class AppModule {
  static forRoot(config: MonitorConfig, logger: JsonLogger): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forRoot({ service: 'monitor-api', configClass: MonitorConfig, config, logger }),
        EventSourcingModule.forRoot({ schema: SCHEMA, requiredMigration: REQUIRED_MIGRATION }),
      ],
      controllers: [
        IntegrationCenterController,
        MeController,
        RunsController,
        DocumentsController,
        AllocationsController,
        FlowsController,
        XeroController,
        ConnectionsController,
        MappingController,
        OverviewController,
        SetupController,
        ProjectionHandlers,
      ],
      providers: [
        MonitorBoot,
        ApiKeyVerifier,
        { provide: APP_GUARD, useClass: AuthGuard },
        MonitorMetrics,
        Notifier,
        ProjectionService,
        DeadLettersConsumer,
        RunRequests,
        SettingsCommands,
        AllocationChecks,
        // Read here (a file named by EXPORTER_SERVICE_TOKEN_FILE): an unreadable one stops the start, naming the variable.
        { provide: EXPORTER_SERVICE_TOKEN, inject: [CONFIG], useFactory: (c: MonitorConfig) => exporterServiceTokenOf(c) },
        ExporterClient,
        ConnectionCommands,
        // Read here too (POLLER_SERVICE_TOKEN_FILE): setting a connection's LNB credentials hands them to the poller.
        { provide: POLLER_SERVICE_TOKEN, inject: [CONFIG], useFactory: (c: MonitorConfig) => pollerServiceTokenOf(c) },
        PollerClient,
      ],
    };
  }
}
