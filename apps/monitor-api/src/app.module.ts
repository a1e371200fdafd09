import { EventSourcingModule } from '@lnbx/messaging';
import { JsonLogger, PG_POOL, PlatformModule } from '@lnbx/platform';
import { DynamicModule, Inject, Module, OnModuleInit } from '@nestjs/common';
import type { Pool } from 'pg';
import { MonitorConfig } from './config';
import { migrateReadModel } from './read-model/schema';
import { RunsController } from './runs/runs.controller';
import { RunsHandlers } from './runs/runs.handlers';

class ReadModelMigration implements OnModuleInit {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}
  onModuleInit(): Promise<void> {
    return migrateReadModel(this.pool);
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
      controllers: [RunsController, RunsHandlers],
      providers: [ReadModelMigration],
    };
  }
}
