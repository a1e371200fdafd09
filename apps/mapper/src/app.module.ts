import { EventSourcingModule } from '@lnbx/messaging';
import { JsonLogger, PlatformModule } from '@lnbx/platform';
import { DynamicModule, Module } from '@nestjs/common';
import { MapperConfig } from './config';

@Module({})
export class AppModule {
  static forRoot(config: MapperConfig, logger: JsonLogger): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forRoot({ service: 'mapper', configClass: MapperConfig, config, logger }),
        EventSourcingModule.forRoot({ schema: 'mapper' }),
      ],
      controllers: [],
    };
  }
}
