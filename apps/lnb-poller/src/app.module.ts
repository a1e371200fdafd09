import { EventSourcingModule } from '@lnbx/messaging';
import { JsonLogger, PG_POOL, PlatformModule } from '@lnbx/platform';
import { DynamicModule, Module } from '@nestjs/common';
import type { Pool } from 'pg';
import { PollerConfig } from './config';
import { lnbBudgetProvider, lnbClientsProvider } from './lnb.provider';
import { RunExecutor } from './runs/run-executor';
import { RunStore } from './runs/run-store';
import { PollerHandlers } from './runs/runs.handlers';
import { Scheduler } from './schedule/scheduler';
import { SelectionStore } from './selection/selection-store';
import { REQUIRED_MIGRATION, SCHEMA } from './store/schema';

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
        { provide: RunStore, inject: [PG_POOL], useFactory: (pool: Pool) => new RunStore(pool) },
        SelectionStore,
        Scheduler,
        RunExecutor,
        lnbBudgetProvider,
        lnbClientsProvider,
      ],
    };
  }
}
