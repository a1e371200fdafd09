import { EventSourcingModule } from '@lnbx/messaging';
import { JsonLogger, PlatformModule } from '@lnbx/platform';
import { DynamicModule, Module } from '@nestjs/common';
import { ExporterConfig } from './config';

@Module({})
export class AppModule {
  static forRoot(config: ExporterConfig, logger: JsonLogger): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forRoot({ service: 'xero-exporter', configClass: ExporterConfig, config, logger }),
        EventSourcingModule.forRoot({ schema: 'exporter' }),
      ],
      controllers: [],
    };
  }
}
