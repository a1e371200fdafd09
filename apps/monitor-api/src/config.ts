import { Env, Secret, ServiceConfig } from '@lnbx/platform';
import { DEFAULT_MIN_INTERVAL_MINUTES } from '@lnbx/scheduling';
import { IsInt, IsOptional, IsString, Matches, Max, Min, ValidateBy, ValidationArguments } from 'class-validator';
import { parseBootstrapKeys } from './domain/api-keys';

const URL_OR_EMPTY = /^(https?:\/\/[^\s]+)?$/;

export class MonitorConfig extends ServiceConfig {
  override httpPort = 4000;

  /** "viewer:<key>,operator:<key>": keys created (hashed) at boot if they are not there yet. */
  @Env('MONITOR_BOOTSTRAP_KEYS') @Secret() @IsString()
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
  @Env('MONITOR_CORS_ORIGINS') @Matches(/^(https?:\/\/[^\s,]+(,https?:\/\/[^\s,]+)*)?$/, { message: 'MONITOR_CORS_ORIGINS must be a comma-separated list of http(s) origins' })
  corsOrigins = '';

  @Env('MONITOR_BODY_LIMIT') @Matches(/^\d+(kb|mb)$/, { message: 'MONITOR_BODY_LIMIT must look like 100kb or 1mb' })
  bodyLimit = '100kb';

  /** A schedule whose firings come closer together than this is refused (0: every minute is allowed). */
  @Env('SCHEDULE_MIN_INTERVAL_MINUTES') @IsInt() @Min(0) @Max(1440)
  scheduleMinIntervalMinutes = DEFAULT_MIN_INTERVAL_MINUTES;

  /** A document of a run without an outcome after this long counts as stuck. */
  @Env('MONITOR_STUCK_AFTER_MINUTES') @IsInt() @Min(1)
  stuckAfterMinutes = 30;

  /** Slack-compatible incoming webhook; its URL holds a secret. */
  @Env('MONITOR_WEBHOOK_URL') @Secret() @Matches(URL_OR_EMPTY, { message: 'MONITOR_WEBHOOK_URL must be an http(s) URL' })
  webhookUrl = '';

  @Env('MONITOR_WEBHOOK_DIGEST_SECONDS') @IsInt() @Min(1) @Max(86_400)
  webhookDigestSeconds = 60;

  /**
   * The xero-exporter's HTTP base URL as a browser reaches it: the Integration Center's "Connect to Xero"
   * sends the browser to its /connect. The monitor itself never calls it (it learns the connection from events).
   */
  @Env('XERO_EXPORTER_URL') @Matches(URL_OR_EMPTY, { message: 'XERO_EXPORTER_URL must be an http(s) URL' })
  xeroExporterUrl = '';

  /** Where the Integration Center's files are, when not beside the sources (a packaged build). */
  @Env('MONITOR_PUBLIC_DIR') @IsOptional() @IsString()
  publicDir?: string;
}
