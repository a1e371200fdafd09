import { Env, Secret, ServiceConfig } from '@lnbx/platform';
import { IsInt, IsString, Matches, Max, Min } from 'class-validator';

export class PollerConfig extends ServiceConfig {
  override httpPort = 4001;

  @Env('LNB_BASE_URL')
  @Matches(/^https?:\/\/\S+$/, { message: 'LNB_BASE_URL must be an http(s) URL' })
  lnbBaseUrl = 'http://127.0.0.1:4010/apis/wholesale/v2';

  @Env('LNB_CLIENT_ID')
  @IsString()
  lnbClientId = 'demo-client';

  @Env('LNB_CLIENT_SECRET')
  @Secret()
  @IsString()
  lnbClientSecret = 'demo-secret';

  /** Attempts of one LNB call (429, 5xx, network) before the run fails. */
  @Env('LNB_MAX_ATTEMPTS')
  @IsInt()
  @Min(1)
  @Max(20)
  lnbMaxAttempts = 4;

  @Env('LNB_RETRY_BASE_MS')
  @IsInt()
  @Min(0)
  lnbRetryBaseMs = 250;

  @Env('LNB_TIMEOUT_MS')
  @IsInt()
  @Min(100)
  lnbTimeoutMs = 30_000;

  /** Orders and retailers fetched at once while enriching a page. */
  @Env('POLLER_ENRICH_CONCURRENCY')
  @IsInt()
  @Min(1)
  @Max(64)
  enrichConcurrency = 48;

  @Env('POLLER_TICK_MS')
  @IsInt()
  @Min(50)
  tickMs = 1000;

  /** A running run whose worker has not been heard of for this long is taken over by another poller. */
  @Env('POLLER_RUN_LEASE_MS')
  @IsInt()
  @Min(1000)
  runLeaseMs = 60_000;

  /** Runs one poller process executes at once (never two of one flow anywhere): the flows' runs interleave. */
  @Env('POLLER_CONCURRENT_RUNS')
  @IsInt()
  @Min(1)
  @Max(8)
  concurrentRuns = 2;

  /**
   * The connection's LNB budget: requests per minute, shared by every poller instance of the
   * connection (through Postgres), token requests and retries included. LNB publishes no limit; the
   * default, 20 a second at most, is about 1% of what the poller sends unbudgeted to the local sandbox. At this
   * pace a first import or a full re-check of 100,000 invoices takes about 85 minutes; an incremental
   * run costs its listing pages.
   */
  @Env('LNB_REQUESTS_PER_MINUTE')
  @IsInt()
  @Min(1)
  @Max(10_000_000)
  lnbRequestsPerMinute = 1_200;

  /** Requests that may go at once after a quiet spell (the bucket's size): an incremental run's listing fits in it. */
  @Env('LNB_REQUEST_BURST')
  @IsInt()
  @Min(1)
  @Max(10_000_000)
  lnbRequestBurst = 300;

  /** A run is a full re-check (every document and its order read again) when the last one is this old. */
  @Env('POLLER_FULL_RECHECK_EVERY_HOURS')
  @IsInt()
  @Min(1)
  @Max(24 * 366)
  fullRecheckEveryHours = 7 * 24;

  /**
   * An incremental run asks LNB for the orders updated since the last run's start less this much:
   * covers an LNB clock behind ours and changes committed in LNB while the last run was listing.
   */
  @Env('POLLER_CHANGES_OVERLAP_SECONDS')
  @IsInt()
  @Min(0)
  @Max(7 * 24 * 3600)
  changesOverlapSeconds = 15 * 60;
}
