import { Env, isSecretKey, Secret, ServiceConfig } from '@lnbx/platform';
import { IsInt, IsNotEmpty, IsOptional, IsString, Matches, Max, Min, ValidateBy, type ValidationArguments } from 'class-validator';

/** As monitor-api asks (POLLER_SERVICE_TOKEN there): `openssl rand -hex 32` gives 64 characters. */
export const MIN_SERVICE_TOKEN_LENGTH = 32;

/**
 * The internal endpoint (a connection's LNB credentials) is served with a service token, POLLER_SERVICE_TOKEN or
 * POLLER_SERVICE_TOKEN_FILE (not both), and then needs POLLER_CREDENTIALS_KEY to seal what it keeps. Without a
 * token it is not served (401), and the key may be left out.
 */
const InternalEndpointRule = () =>
  ValidateBy({
    name: 'pollerInternalEndpoint',
    validator: {
      validate: (_v: unknown, a?: ValidationArguments) => internalEndpointProblem(a?.object as PollerConfig) === undefined,
      defaultMessage: (a?: ValidationArguments) => internalEndpointProblem(a?.object as PollerConfig) ?? '',
    },
  });

function internalEndpointProblem(o: PollerConfig): string | undefined {
  if (o.serviceToken !== undefined && o.serviceTokenFile !== undefined) return 'set POLLER_SERVICE_TOKEN or POLLER_SERVICE_TOKEN_FILE, not both';
  if (o.serviceToken !== undefined && o.serviceToken.trim().length < MIN_SERVICE_TOKEN_LENGTH)
    return `POLLER_SERVICE_TOKEN must be at least ${MIN_SERVICE_TOKEN_LENGTH} characters (e.g. openssl rand -hex 32)`;
  if (o.credentialsKey !== undefined && !isSecretKey(o.credentialsKey)) return 'POLLER_CREDENTIALS_KEY must be 32 bytes, written as 64 hex digits or base64';
  if ((o.serviceToken !== undefined || o.serviceTokenFile !== undefined) && o.credentialsKey === undefined)
    return 'POLLER_CREDENTIALS_KEY is required with POLLER_SERVICE_TOKEN: the LNB credentials monitor-api hands over are stored encrypted with it (32 bytes as 64 hex digits or base64, e.g. openssl rand -hex 32)';
  return undefined;
}

export class PollerConfig extends ServiceConfig {
  override httpPort = 4001;

  @Env('LNB_BASE_URL')
  @Matches(/^https?:\/\/\S+$/, { message: 'LNB_BASE_URL must be an http(s) URL' })
  lnbBaseUrl = 'http://127.0.0.1:4010/apis/wholesale/v2';

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

  /**
   * Runs one poller process executes at once, of every connection (never two of one connection's flow anywhere):
   * the runs interleave, each connection spending its own LNB budget.
   */
  @Env('POLLER_CONCURRENT_RUNS')
  @IsInt()
  @Min(1)
  @Max(64)
  concurrentRuns = 8;

  /**
   * Runs of one connection one poller process executes at once: a brand whose LNB account is slow or failing holds
   * no more than this many of POLLER_CONCURRENT_RUNS, and the next run claimed is of the connection with the fewest
   * runs in flight.
   */
  @Env('POLLER_RUNS_PER_CONNECTION')
  @IsInt()
  @Min(1)
  @Max(64)
  runsPerConnection = 2;

  /**
   * Each connection's LNB budget: requests per minute, shared by every poller instance (through Postgres, one
   * bucket per connection: a brand never spends another's), token requests and retries included. LNB publishes no limit; the
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

  /** The token monitor-api sends to the internal endpoint (its POLLER_SERVICE_TOKEN); unset: the endpoint is not served. */
  @Env('POLLER_SERVICE_TOKEN')
  @Secret()
  @InternalEndpointRule()
  serviceToken?: string;

  /** A file holding it (a Docker secret, a mounted volume): kept out of the environment. */
  @Env('POLLER_SERVICE_TOKEN_FILE')
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  serviceTokenFile?: string;

  /** Seals each connection's LNB credentials at rest (AES-256-GCM): 32 bytes as 64 hex digits or base64. */
  @Env('POLLER_CREDENTIALS_KEY')
  @Secret()
  @IsOptional()
  @IsString()
  credentialsKey?: string;
}
