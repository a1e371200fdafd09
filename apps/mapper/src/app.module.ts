import { EVENT_STORE, EventSourcingModule } from '@lnbx/messaging';
import type { EventStore } from '@lnbx/event-store';
import { JsonLogger, PG_POOL, PlatformModule } from '@lnbx/platform';
import { DynamicModule, Module } from '@nestjs/common';
import type { Pool } from 'pg';
import { loadMappingFile, MapperConfig } from './config';
import { DocumentMapping } from './handlers/document-mapping';
import { MapperHandlers } from './handlers/mapper.handlers';
import { MapperMetrics } from './metrics';
import { MapperState } from './store/mapper.state';
import { REQUIRED_MIGRATION, SCHEMA, stateStreams } from './store/schema';

@Module({})
export class AppModule {
  static forRoot(config: MapperConfig, logger: JsonLogger): DynamicModule {
    // Before Nest starts: a bad file stops the service with every bad field named.
    const fromFile = loadMappingFile(config.mappingConfigFile);
    return {
      module: AppModule,
      imports: [
        PlatformModule.forRoot({ service: 'mapper', configClass: MapperConfig, config, logger }),
        EventSourcingModule.forRoot({ schema: SCHEMA, requiredMigration: REQUIRED_MIGRATION }),
      ],
      controllers: [MapperHandlers],
      providers: [
        MapperMetrics,
        DocumentMapping,
        {
          // A factory, not onModuleInit: the hybrid app starts consuming before lifecycle hooks run,
          // and no document may be mapped before the state is restored.
          provide: MapperState,
          inject: [EVENT_STORE, PG_POOL, JsonLogger],
          useFactory: async (store: EventStore, pool: Pool, log: JsonLogger) => {
            const state = await MapperState.restore(store, fromFile, await stateStreams(pool));
            // Every connection not named here maps with the file.
            log.info('mapping configuration loaded', { file: config.mappingConfigFile, changedAtRuntime: state.mappingSources() });
            return state;
          },
        },
      ],
    };
  }
}
