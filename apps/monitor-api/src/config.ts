import { Env, Secret, ServiceConfig } from '@lnbx/platform';
import { DEFAULT_MIN_INTERVAL_MINUTES } from '@lnbx/scheduling';
import {
  IsEmpty,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  Validate,
  ValidateBy,
  ValidationArguments,
  ValidatorConstraint,
  ValidatorConstraintInterface,
} from 'class-validator';
import { parseBootstrapKeys } from './domain/api-keys';

const URL_OR_EMPTY = /^(https?:\/\/[^\s]+)?$/;

/** As the exporter asks (EXPORTER_SERVICE_TOKEN there): `openssl rand -hex 32` gives 64 characters. */
export const MIN_SERVICE_TOKEN_LENGTH = 32;

/** The internal services monitor-api calls, each with its URL and the service token that service asks for. */
type InternalService = {
  url: 'exporterInternalUrl' | 'pollerInternalUrl';
  token: 'exporterServiceToken' | 'pollerServiceToken';
  file: 'exporterServiceTokenFile' | 'pollerServiceTokenFile';
  /** The variables' prefix: EXPORTER (EXPORTER_INTERNAL_URL, EXPORTER_SERVICE_TOKEN, ...) or POLLER. */
  env: 'EXPORTER' | 'POLLER';
  service: string;
};
const EXPORTER: InternalService = {
  url: 'exporterInternalUrl',
  token: 'exporterServiceToken',
  file: 'exporterServiceTokenFile',
  env: 'EXPORTER',
  service: 'exporter',
};
const POLLER: InternalService = { url: 'pollerInternalUrl', token: 'pollerServiceToken', file: 'pollerServiceTokenFile', env: 'POLLER', service: 'poller' };

/**
 * With <SERVICE>_INTERNAL_URL, that service's token: <SERVICE>_SERVICE_TOKEN or <SERVICE>_SERVICE_TOKEN_FILE, not
 * both. Without the URL neither (it would not be used). Constraint args: the InternalService.
 */
@ValidatorConstraint({ name: 'serviceToken' })
class ServiceTokenRule implements ValidatorConstraintInterface {
  validate(_value: unknown, args: ValidationArguments): boolean {
    const o = args.object as MonitorConfig;
    const s = args.constraints[0] as InternalService;
    const given = [o[s.token], o[s.file]].filter((v) => v !== undefined).length;
    if (!o[s.url]) return given === 0;
    if (o[s.token] !== undefined && o[s.token]!.trim().length < MIN_SERVICE_TOKEN_LENGTH) return false;
    return given === 1;
  }
  defaultMessage(args: ValidationArguments): string {
    const o = args.object as MonitorConfig;
    const s = args.constraints[0] as InternalService;
    const [url, token, file] = [`${s.env}_INTERNAL_URL`, `${s.env}_SERVICE_TOKEN`, `${s.env}_SERVICE_TOKEN_FILE`];
    if (!o[s.url]) return `${token} (or ${file}) is set but ${url} is not: it would not be used`;
    if (o[s.token] !== undefined && o[s.file] !== undefined) return `set ${token} or ${file}, not both`;
    if (o[s.token] !== undefined) return `${token} must be at least ${MIN_SERVICE_TOKEN_LENGTH} characters, the ${s.service}'s own`;
    return `${url} needs ${token} (or ${file}): the ${s.service}'s, which it asks of every caller`;
  }
}

export class MonitorConfig extends ServiceConfig {
  override httpPort = 4000;

  /** "viewer:<key>,operator:<key>": keys created (hashed) at boot if they are not there yet. */
  @Env('MONITOR_BOOTSTRAP_KEYS')
  @Secret()
  @IsString()
  @ValidateBy({
    name: 'bootstrapKeys',
    validator: {
      validate: (v: unknown) => typeof v === 'string' && parseBootstrapKeys(v).ok,
      defaultMessage: (args?: ValidationArguments) => {
        const r = parseBootstrapKeys(String(args?.value ?? ''));
        return r.ok ? '' : `MONITOR_BOOTSTRAP_KEYS: ${r.problems.join('; ')}`;
      },
    },
  })
  bootstrapKeys = '';

  /** Origins allowed to call the API from a browser (comma-separated); none by default. */
  @Env('MONITOR_CORS_ORIGINS')
  @Matches(/^(https?:\/\/[^\s,]+(,https?:\/\/[^\s,]+)*)?$/, { message: 'MONITOR_CORS_ORIGINS must be a comma-separated list of http(s) origins' })
  corsOrigins = '';

  @Env('MONITOR_BODY_LIMIT')
  @Matches(/^\d+(kb|mb)$/, { message: 'MONITOR_BODY_LIMIT must look like 100kb or 1mb' })
  bodyLimit = '100kb';

  /** A schedule whose firings come closer together than this is refused (0: every minute is allowed). */
  @Env('SCHEDULE_MIN_INTERVAL_MINUTES')
  @IsInt()
  @Min(0)
  @Max(1440)
  scheduleMinIntervalMinutes = DEFAULT_MIN_INTERVAL_MINUTES;

  /** A document of a run without an outcome after this long counts as stuck. */
  @Env('MONITOR_STUCK_AFTER_MINUTES')
  @IsInt()
  @Min(1)
  stuckAfterMinutes = 30;

  /** Slack-compatible incoming webhook; its URL holds a secret. */
  @Env('MONITOR_WEBHOOK_URL')
  @Secret()
  @Matches(URL_OR_EMPTY, { message: 'MONITOR_WEBHOOK_URL must be an http(s) URL' })
  webhookUrl = '';

  @Env('MONITOR_WEBHOOK_DIGEST_SECONDS')
  @IsInt()
  @Min(1)
  @Max(86_400)
  webhookDigestSeconds = 60;

  /**
   * The xero-exporter's HTTP base URL as this service reaches it (server to server, never a browser): "Connect
   * to Xero" asks it for the consent link and the code's exchange. Empty: connecting is not offered (503).
   */
  @Env('EXPORTER_INTERNAL_URL')
  @Matches(URL_OR_EMPTY, { message: 'EXPORTER_INTERNAL_URL must be an http(s) URL' })
  exporterInternalUrl = '';

  /** The exporter's service token (its EXPORTER_SERVICE_TOKEN), sent as Authorization: Bearer. */
  @Env('EXPORTER_SERVICE_TOKEN')
  @Secret()
  @Validate(ServiceTokenRule, [EXPORTER])
  exporterServiceToken?: string;

  /** A file holding it (a Docker secret, a mounted volume): kept out of the environment. */
  @Env('EXPORTER_SERVICE_TOKEN_FILE')
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  exporterServiceTokenFile?: string;

  /** Renamed: a browser no longer goes to the exporter. Refused, so a deployment notices and sets EXPORTER_INTERNAL_URL. */
  @Env('XERO_EXPORTER_URL')
  @IsEmpty({
    message:
      'XERO_EXPORTER_URL was renamed EXPORTER_INTERNAL_URL (the exporter as this service reaches it) and needs EXPORTER_SERVICE_TOKEN: see docs/security.md',
  })
  legacyExporterUrl?: string;

  /**
   * The lnb-poller's HTTP base URL as this service reaches it (server to server): setting a connection's LNB
   * credentials hands them to the poller, which checks them with LNB and keeps them sealed. Empty: not offered (503).
   */
  @Env('POLLER_INTERNAL_URL')
  @Matches(URL_OR_EMPTY, { message: 'POLLER_INTERNAL_URL must be an http(s) URL' })
  pollerInternalUrl = '';

  /** The poller's service token (its POLLER_SERVICE_TOKEN), sent as Authorization: Bearer. */
  @Env('POLLER_SERVICE_TOKEN')
  @Secret()
  @Validate(ServiceTokenRule, [POLLER])
  pollerServiceToken?: string;

  /** A file holding it (a Docker secret, a mounted volume): kept out of the environment. */
  @Env('POLLER_SERVICE_TOKEN_FILE')
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  pollerServiceTokenFile?: string;

  /** Where the Integration Center's files are, when not beside the sources (a packaged build). */
  @Env('MONITOR_PUBLIC_DIR')
  @IsOptional()
  @IsString()
  publicDir?: string;
}
