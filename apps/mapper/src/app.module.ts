import { EVENT_STORE, EventSourcingModule } from '@lnbx/messaging';
import type { EventStore } from '@lnbx/event-store';
import { JsonLogger, PlatformModule } from '@lnbx/platform';
import { DynamicModule, Module } from '@nestjs/common';
import { loadMappingFile, MapperConfig } from './config';
import { DocumentMapping } from './handlers/document-mapping';
import { MapperHandlers } from './handlers/mapper.handlers';
import { MapperMetrics } from './metrics';
import { MapperState } from './store/mapper.state';

@Module({})
export class AppModule {
  static forRoot(config: MapperConfig, logger: JsonLogger): DynamicModule {
    // Before Nest starts: a bad file stops the service with every bad field named.
    const fromFile = loadMappingFile(config.mappingConfigFile);
    return {
      module: AppModule,
      imports: [PlatformModule.forRoot({ service: 'mapper', configClass: MapperConfig, config, logger }), EventSourcingModule.forRoot({ schema: 'mapper' })],
      controllers: [MapperHandlers],
      providers: [
        MapperMetrics,
        DocumentMapping,
        {
          // A factory, not onModuleInit: the hybrid app starts consuming before lifecycle hooks run,
          // and no document may be mapped before the state is restored.
          provide: MapperState,
          inject: [EVENT_STORE, JsonLogger],
          useFactory: async (store: EventStore, log: JsonLogger) => {
            const state = await MapperState.restore(store, fromFile);
            log.info('mapping configuration loaded', {
              file: config.mappingConfigFile,
              source: state.mappingVersion === 0 ? 'file' : `mapping-config v${state.mappingVersion}`,
            });
            return state;
          },
        },
      ],
    };
  }
}
