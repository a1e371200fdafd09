import { Env, ServiceConfig } from '@lnbx/platform';
import { IsNotEmpty, IsString } from 'class-validator';

export class MapperConfig extends ServiceConfig {
  override httpPort = 4002;

  /**
   * The mapping configuration (JSON, see apps/mapper/mapping.example.json). A relative path is
   * resolved against the working directory, not this file: the service runs from src
   * (tools/runtime/register-ts.js) or from dist (tools/runtime/register.js), and both are started
   * from the repository root, where the default points.
   */
  @Env('MAPPING_CONFIG_FILE') @IsString() @IsNotEmpty()
  mappingConfigFile = 'apps/mapper/mapping.example.json';
}
