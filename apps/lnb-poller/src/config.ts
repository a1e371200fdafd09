import { Env, Secret, ServiceConfig } from '@lnbx/platform';
import { IsInt, IsString, Matches, Max, Min } from 'class-validator';

export class PollerConfig extends ServiceConfig {
  override httpPort = 4001;

  @Env('LNB_BASE_URL') @Matches(/^https?:\/\/\S+$/, { message: 'LNB_BASE_URL must be an http(s) URL' })
  lnbBaseUrl = 'http://127.0.0.1:4010/apis/wholesale/v2';

  @Env('LNB_CLIENT_ID') @IsString()
  lnbClientId = 'demo-client';

  @Env('LNB_CLIENT_SECRET') @Secret() @IsString()
  lnbClientSecret = 'demo-secret';

  /** Attempts of one LNB call (429, 5xx, network) before the run fails. */
  @Env('LNB_MAX_ATTEMPTS') @IsInt() @Min(1) @Max(20)
  lnbMaxAttempts = 4;

  @Env('LNB_RETRY_BASE_MS') @IsInt() @Min(0)
  lnbRetryBaseMs = 250;

  @Env('LNB_TIMEOUT_MS') @IsInt() @Min(100)
  lnbTimeoutMs = 30_000;

  /** Orders and retailers fetched at once while enriching a page. */
  @Env('POLLER_ENRICH_CONCURRENCY') @IsInt() @Min(1) @Max(64)
  enrichConcurrency = 48;

  @Env('POLLER_TICK_MS') @IsInt() @Min(50)
  tickMs = 1000;

  /** A running run whose worker has not been heard of for this long is taken over by another poller. */
  @Env('POLLER_RUN_LEASE_MS') @IsInt() @Min(1000)
  runLeaseMs = 60_000;
}
