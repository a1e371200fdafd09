import { ServiceConfig } from '@lnbx/platform';

export class PollerConfig extends ServiceConfig {
  override httpPort = 4001;
}
