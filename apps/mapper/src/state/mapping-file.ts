// The mapping configuration file, read once at boot: an unreadable or invalid file stops the service
// with a message naming the variable, the file and every bad field.
import { ConfigError } from '@lnbx/platform';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { MappingConfig, MappingConfigError, parseMappingConfig } from '../domain';

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
