// Configuration is read from the environment once, at boot, into a typed class validated with
// class-validator. A bad or missing variable stops the service with a message naming the variable;
// secret values never appear in that message nor in any description of the config.
import 'reflect-metadata';
import { CodedError } from '@lnbx/contracts';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { readFileSync } from 'node:fs';

const ENV_KEY = Symbol('env');
const SECRET_KEY = Symbol('secret');

/** Binds a property to an environment variable. */
export function Env(name: string): PropertyDecorator {
  return (target, prop) => {
    const map: Record<string, string> = Reflect.getMetadata(ENV_KEY, target) ?? {};
    Reflect.defineMetadata(ENV_KEY, { ...map, [prop as string]: name }, target);
  };
}

/** Marks a property as secret: never printed, never returned. */
export function Secret(): PropertyDecorator {
  return (target, prop) => {
    const set: string[] = Reflect.getMetadata(SECRET_KEY, target) ?? [];
    Reflect.defineMetadata(SECRET_KEY, [...set, prop as string], target);
  };
}

/** Every bad or missing variable, each named: the service stops on it. */
export class ConfigError extends CodedError<'CONFIG.INVALID'> {
  constructor(readonly problems: string[]) {
    super('CONFIG.INVALID', `invalid configuration:\n  ${problems.join('\n  ')}`);
  }
}

const envMap = (cls: new () => object): Record<string, string> => Reflect.getMetadata(ENV_KEY, cls.prototype) ?? {};
const secrets = (cls: new () => object): string[] => Reflect.getMetadata(SECRET_KEY, cls.prototype) ?? [];

/** Reads and validates `cls` from `env`; numbers and booleans are converted from their string form. */
export function loadConfig<T extends object>(cls: new () => T, env: NodeJS.ProcessEnv = process.env): T {
  const map = envMap(cls);
  const defaults = new cls() as Record<string, unknown>;
  const plain: Record<string, unknown> = {};
  for (const [prop, variable] of Object.entries(map)) {
    const raw = env[variable];
    if (raw === undefined || raw === '') continue;
    const d = defaults[prop];
    if (typeof d === 'number') plain[prop] = raw.trim() === '' ? NaN : Number(raw);
    else if (typeof d === 'boolean') plain[prop] = raw === 'true' || raw === '1' ? true : raw === 'false' || raw === '0' ? false : raw;
    else plain[prop] = raw;
  }
  const instance = Object.assign(plainToInstance(cls, {}), defaults, plain) as T;
  const errors = validateSync(instance, { forbidUnknownValues: false });
  if (errors.length) {
    const secret = new Set(secrets(cls));
    throw new ConfigError(
      errors.map((e) => {
        const variable = map[e.property] ?? e.property;
        const why = Object.values(e.constraints ?? {})
          .map((m) => m.replace(e.property, variable))
          .join('; ');
        const shown = secret.has(e.property) ? '(secret, not shown)' : JSON.stringify(env[variable] ?? null);
        return `${variable}=${shown}: ${why}`;
      }),
    );
  }
  return instance;
}

/** What `loadConfig` would refuse in `env`: the ConfigError's message naming each variable, '' when it starts. */
export function configProblems<T extends object>(cls: new () => T, env: NodeJS.ProcessEnv): string {
  try {
    loadConfig(cls, env);
    return '';
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
}

/** The config as it may be logged: secrets replaced. */
export function describeConfig<T extends object>(config: T): Record<string, unknown> {
  const cls = config.constructor as new () => object;
  const secret = new Set(secrets(cls));
  const map = envMap(cls);
  const out: Record<string, unknown> = {};
  for (const [prop, variable] of Object.entries(map)) {
    const v = (config as Record<string, unknown>)[prop];
    out[variable] = secret.has(prop) && v ? '[secret]' : v;
  }
  return out;
}

/**
 * A setting kept in a file (`<NAME>_FILE`: a Docker secret, a mounted volume), read at start: a file that
 * cannot be read or is empty stops the service naming the variable, never showing the value.
 */
export function readSettingFile(variable: string, file: string, what: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError([`${variable}=${JSON.stringify(file)}: cannot read the ${what} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`]);
  }
  // A trailing newline is how editors and `echo` leave a file; it is never part of the value.
  const value = text.replace(/\r?\n$/, '');
  if (!value) throw new ConfigError([`${variable}=${JSON.stringify(file)}: the ${what} file is empty`]);
  return value;
}

/**
 * A secret given either as `<NAME>` (already read into `value`) or as a file `<NAME>_FILE` names, trimmed; a
 * file too short or unreadable stops the service naming the variable. Undefined when neither is set.
 */
export function secretFromValueOrFile(o: { value?: string; file?: string; fileVariable: string; what: string; minLength: number }): string | undefined {
  if (o.value !== undefined) return o.value.trim();
  if (o.file === undefined) return undefined;
  const secret = readSettingFile(o.fileVariable, o.file, o.what).trim();
  if (secret.length < o.minLength)
    throw new ConfigError([`${o.fileVariable}=${JSON.stringify(o.file)}: the ${o.what} must be at least ${o.minLength} characters`]);
  return secret;
}
