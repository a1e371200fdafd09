import { ServiceConfig } from '@lnbx/platform';

export class MonitorConfig extends ServiceConfig {
  override httpPort = 4000;
}
