// What the mapper is configured with at boot: its environment, and the mapping configuration file it
// names (an unreadable or invalid file stops the service with a message naming the variable, the file
// and every bad field).
import { ConfigError, Env, ServiceConfig } from '@lnbx/platform';
import { IsNotEmpty, IsString } from 'class-validator';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { MappingConfig, MappingConfigError, parseMappingConfig } from './domain';

export class MapperConfig extends ServiceConfig {
  override httpPort = 4002;

  /**
   * The mapping configuration (JSON, see apps/mapper/mapping.example.json). A relative path is
   * resolved against the working directory, not this file: the service runs from src
   * (tools/runtime/register-ts.js) or from dist (tools/runtime/register.js), and both are started
   * from the repository root, where the default points.
   */
  @Env('MAPPING_CONFIG_FILE')
  @IsString()
  @IsNotEmpty()
  mappingConfigFile = 'apps/mapper/mapping.example.json';
}

/** The mapping configuration file, read once at boot. */
export function loadMappingFile(file: string, cwd: string = process.cwd()): MappingConfig {
  const path = resolve(cwd, file);
  const where = `MAPPING_CONFIG_FILE=${JSON.stringify(file)} (${path})`;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError([`${where}: cannot be read: ${(err as Error).message}`]);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ConfigError([`${where}: is not JSON: ${(err as Error).message}`]);
  }
  try {
    return parseMappingConfig(json);
  } catch (err) {
    if (err instanceof MappingConfigError) throw new ConfigError(err.errors.map((e) => `${where}: ${e}`));
    throw err;
  }
}
