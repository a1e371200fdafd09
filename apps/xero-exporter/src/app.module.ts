import { EventSourcingModule, Outbox } from '@lnbx/messaging';
import { JsonLogger, METRICS, PG_POOL, PlatformModule } from '@lnbx/platform';
import { BeforeApplicationShutdown, DynamicModule, Inject, Injectable, Module, OnApplicationBootstrap } from '@nestjs/common';
import type { Pool } from 'pg';
import type { Registry } from 'prom-client';
import { ExporterConfig } from './config';
import { ConnectionsController } from './connections.controller';
import { createExporterCore, type ExporterCore } from './core';
import { EXPORTER_CORE, ExporterHandlers } from './exporter.handlers';
import { EXPORTER_CONFIG } from './injection';

@Injectable()
class ExporterLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(@Inject(EXPORTER_CORE) private readonly core: ExporterCore) {}
  onApplicationBootstrap(): void {
    this.core.engine.start();
  }
  // Before the platform closes the database pool: units of work finish (or roll back) first.
  async beforeApplicationShutdown(): Promise<void> {
    await this.core.close();
  }
}

@Module({})
export class AppModule {
  static forRoot(config: ExporterConfig, logger: JsonLogger): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forRoot({ service: 'xero-exporter', configClass: ExporterConfig, config, logger }),
        EventSourcingModule.forRoot({ schema: 'exporter' }),
      ],
      controllers: [ExporterHandlers, ConnectionsController],
      providers: [
        { provide: EXPORTER_CONFIG, useValue: config },
        {
          // A factory, not onModuleInit: the hybrid app starts consuming before lifecycle hooks run, and
          // no document may be recorded before the exporter's tables exist.
          provide: EXPORTER_CORE,
          inject: [PG_POOL, Outbox, METRICS, JsonLogger],
          useFactory: (pool: Pool, outbox: Outbox, registry: Registry, log: JsonLogger) => createExporterCore(config, { pool, outbox, registry, logger: log }),
        },
        ExporterLifecycle,
      ],
    };
  }
}
