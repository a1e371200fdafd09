import { EventSourcingModule } from '@lnbx/messaging';
import { JsonLogger, PG_POOL, PlatformModule } from '@lnbx/platform';
import { DynamicModule, Inject, Module, OnModuleInit } from '@nestjs/common';
import type { Pool } from 'pg';
import { PollerConfig } from './config';
import { lnbClientProvider } from './lnb.provider';
import { RunExecutor } from './runs/run-executor';
import { RunStore } from './runs/run-store';
import { PollerHandlers } from './runs/runs.handlers';
import { Scheduler } from './schedule/scheduler';
import { SelectionStore } from './selection/selection-store';
import { migratePollerTables } from './store/schema';

class PollerTables implements OnModuleInit {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}
  onModuleInit(): Promise<void> {
    return migratePollerTables(this.pool);
  }
}

@Module({})
export class AppModule {
  static forRoot(config: PollerConfig, logger: JsonLogger): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forRoot({ service: 'lnb-poller', configClass: PollerConfig, config, logger }),
        EventSourcingModule.forRoot({ schema: 'poller' }),
      ],
      controllers: [PollerHandlers],
      providers: [
        PollerTables,
        { provide: RunStore, inject: [PG_POOL], useFactory: (pool: Pool) => new RunStore(pool) },
        SelectionStore,
        Scheduler,
        RunExecutor,
        lnbClientProvider,
      ],
    };
  }
}
