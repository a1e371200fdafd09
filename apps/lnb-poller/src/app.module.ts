import { EventSourcingModule } from '@lnbx/messaging';
import { JsonLogger, PlatformModule } from '@lnbx/platform';
import { DynamicModule, Module } from '@nestjs/common';
import { PollerConfig } from './config';
import { RunsHandlers } from './runs/runs.handlers';

@Module({})
export class AppModule {
  static forRoot(config: PollerConfig, logger: JsonLogger): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forRoot({ service: 'lnb-poller', configClass: PollerConfig, config, logger }),
        EventSourcingModule.forRoot({ schema: 'poller' }),
      ],
      controllers: [RunsHandlers],
    };
  }
}
