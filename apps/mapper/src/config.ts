import { ServiceConfig } from '@lnbx/platform';

export class MapperConfig extends ServiceConfig {
  override httpPort = 4002;
}
