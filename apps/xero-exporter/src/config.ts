import { ServiceConfig } from '@lnbx/platform';

export class ExporterConfig extends ServiceConfig {
  override httpPort = 4003;
}
