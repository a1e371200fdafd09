import { EventSourcingModule } from '@lnbx/messaging';
import { JsonLogger, PG_POOL, PlatformModule } from '@lnbx/platform';
import { DynamicModule, Module } from '@nestjs/common';
import type { Pool } from 'pg';
import { PollerConfig } from './config';
import { FlowSettingChanges } from './handlers/flow-setting-changes';
import { PollerHandlers } from './handlers/poller.handlers';
import { RunCommands } from './handlers/run-commands';
import { FlowSettingsStore } from './store/flow-settings-store';
import { RunStore } from './store/run-store';
import { RunStreams } from './store/run-streams';
import { ScheduleStore } from './store/schedule-store';
import { REQUIRED_MIGRATION, SCHEMA } from './store/schema';
import { SelectionStore } from './store/selection-store';
import { lnbBudgetProvider, lnbClientsProvider } from './workers/lnb-clients';
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
      controllers: [PollerHandlers],
      providers: [
        FlowSettingChanges,
        RunCommands,
        RunStreams,
        { provide: RunStore, inject: [PG_POOL], useFactory: (pool: Pool) => new RunStore(pool) },
        ScheduleStore,
        SelectionStore,
        FlowSettingsStore,
        Scheduler,
        RunExecutor,
        lnbBudgetProvider,
        lnbClientsProvider,
      ],
    };
  }
}
