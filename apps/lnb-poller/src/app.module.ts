import { EventSourcingModule } from '@lnbx/messaging';
import { JsonLogger, PG_POOL, PlatformModule, SecretCipher, SERVICE_TOKEN, secretFromValueOrFile, ServiceTokenGuard } from '@lnbx/platform';
import { DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import type { Pool } from 'pg';
import { MIN_SERVICE_TOKEN_LENGTH, PollerConfig } from './config';
import { FlowSettingChanges } from './handlers/flow-setting-changes';
import { PollerHandlers } from './handlers/poller.handlers';
import { RunCommands } from './handlers/run-commands';
import { InternalConnectionsController } from './http/internal.controller';
import { FlowSettingsStore } from './store/flow-settings-store';
import { ConnectionStore } from './store/connection-store';
import { CREDENTIALS_CIPHER, LnbCredentialsStore } from './store/lnb-credentials-store';
import { RunStore } from './store/run-store';
import { RunStreams } from './store/run-streams';
import { ScheduleStore } from './store/schedule-store';
import { REQUIRED_MIGRATION, SCHEMA } from './store/schema';
import { SelectionStore } from './store/selection-store';
import { lnbBudgetsProvider, lnbClientsProvider } from './workers/lnb-clients';
import { RunExecutor } from './workers/run-executor';
import { Scheduler } from './workers/scheduler';

@Module({})
export class AppModule {
  static forRoot(config: PollerConfig, logger: JsonLogger): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forRoot({ service: 'lnb-poller', configClass: PollerConfig, config, logger }),
        EventSourcingModule.forRoot({ schema: SCHEMA, requiredMigration: REQUIRED_MIGRATION }),
      ],
      controllers: [PollerHandlers, InternalConnectionsController],
      providers: [
        // The HTTP port faces monitor-api, never people: all but health and metrics needs POLLER_SERVICE_TOKEN.
        { provide: APP_GUARD, useClass: ServiceTokenGuard },
        {
          provide: SERVICE_TOKEN,
          inject: [PollerConfig],
          useFactory: (c: PollerConfig) =>
            secretFromValueOrFile({
              value: c.serviceToken,
              file: c.serviceTokenFile,
              fileVariable: 'POLLER_SERVICE_TOKEN_FILE',
              what: 'service token',
              minLength: MIN_SERVICE_TOKEN_LENGTH,
            }),
        },
        {
          provide: CREDENTIALS_CIPHER,
          inject: [PollerConfig],
          useFactory: (c: PollerConfig) => (c.credentialsKey === undefined ? undefined : SecretCipher.fromText(c.credentialsKey, 'POLLER_CREDENTIALS_KEY')),
        },
        LnbCredentialsStore,
        ConnectionStore,
        FlowSettingChanges,
        RunCommands,
        RunStreams,
        { provide: RunStore, inject: [PG_POOL], useFactory: (pool: Pool) => new RunStore(pool) },
        ScheduleStore,
        SelectionStore,
        FlowSettingsStore,
        Scheduler,
        RunExecutor,
        lnbBudgetsProvider,
        lnbClientsProvider,
      ],
    };
  }
}
