import { ServiceDefinition } from '@lnbx/messaging';
import { ValidationPipe } from '@nestjs/common';
import { AppModule } from './app.module';
import { MonitorConfig } from './config';

export const monitorApi: ServiceDefinition<MonitorConfig> = {
  name: 'monitor-api',
  configClass: MonitorConfig,
  module: (config, logger) => AppModule.forRoot(config, logger),
  configure: (app) => {
    // A bad request gets a 400 naming the field; unknown fields are refused, not ignored.
    app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
  },
};
