import { EventSourcingModule } from '@lnbx/messaging';
import { CONFIG, JsonLogger, PG_POOL, PlatformModule } from '@lnbx/platform';
import { DynamicModule, Inject, Module, OnModuleInit } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import type { Pool } from 'pg';
import { AllocationChecks } from './allocations/allocation-checks';
import { AllocationsController } from './allocations/allocations.controller';
import { ensureKeys } from './auth/api-keys.repository';
import { ApiKeyVerifier, AuthGuard } from './auth/auth';
import { MonitorConfig } from './config';
import { parseBootstrapKeys } from './domain/api-keys';
import { DocumentsController } from './documents/documents.controller';
import { FlowsController } from './flows/flows.controller';
import { SettingsCommands } from './flows/settings-commands';
import { IntegrationCenterController, MeController } from './integration-center/integration-center.controller';
import { MonitorMetrics } from './metrics/monitor-metrics';
import { Notifier } from './notifications/notifier';
import { DeadLettersConsumer } from './projection/dead-letters.consumer';
import { ProjectionHandlers } from './projection/projection.handlers';
import { ProjectionService } from './projection/projection.service';
import { migrateReadModel } from './read-model/schema';
import { RunRequests } from './runs/run-requests';
import { RunsController } from './runs/runs.controller';
import { XeroConnection, XeroController } from './xero/xero';

/** The read model's tables first, then the keys of MONITOR_BOOTSTRAP_KEYS (hashed; names logged, never keys). */
class MonitorBoot implements OnModuleInit {
  constructor(@Inject(PG_POOL) private readonly pool: Pool, @Inject(CONFIG) private readonly config: MonitorConfig, private readonly logger: JsonLogger) {}
  async onModuleInit(): Promise<void> {
    await migrateReadModel(this.pool);
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
        EventSourcingModule.forRoot({ schema: 'monitor' }),
      ],
      controllers: [
        IntegrationCenterController, MeController, RunsController, DocumentsController, AllocationsController, FlowsController, XeroController, ProjectionHandlers,
      ],
      providers: [
        MonitorBoot, ApiKeyVerifier, { provide: APP_GUARD, useClass: AuthGuard },
        MonitorMetrics, Notifier, ProjectionService, DeadLettersConsumer, RunRequests, SettingsCommands, AllocationChecks, XeroConnection,
      ],
    };
  }
}
