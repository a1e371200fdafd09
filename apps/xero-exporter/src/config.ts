import { Env, Secret, ServiceConfig } from '@lnbx/platform';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsNumber,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  Validate,
  ValidationArguments,
  ValidatorConstraint,
  ValidatorConstraintInterface,
} from 'class-validator';

const URL_RE = /^https?:\/\/[^\s]+$/;

/** A service token shorter than this is guessable; `openssl rand -hex 32` gives 64 characters. */
export const MIN_SERVICE_TOKEN_LENGTH = 32;

const codeGrant = (o: object): boolean => (o as ExporterConfig).xeroGrant === 'authorization_code';

/**
 * With the authorization-code grant Xero sends the browser back to a redirect URI registered with the app:
 * it comes from here only (never from a request's Host header), and is monitor-api's GET /api/xero/callback.
 */
@ValidatorConstraint({ name: 'xeroRedirectUri' })
class RedirectUriRule implements ValidatorConstraintInterface {
  validate(value: unknown, args: ValidationArguments): boolean {
    if (value === undefined) return !codeGrant(args.object);
    return typeof value === 'string' && URL_RE.test(value) && !value.includes('#');
  }
  defaultMessage(args: ValidationArguments): string {
    return args.value === undefined
      ? "XERO_REDIRECT_URI is required with XERO_GRANT=authorization_code: monitor-api's callback as a browser reaches it (e.g. https://connector.example.com/api/xero/callback), registered with the Xero app"
      : 'XERO_REDIRECT_URI must be an http(s) URL without a fragment';
  }
}

/**
 * EXPORTER_SERVICE_TOKEN or EXPORTER_SERVICE_TOKEN_FILE, not both; one of them with the authorization-code
 * grant (monitor-api asks for the consent link and the code's exchange with it). With client credentials there
 * is nothing to ask, and without a token the internal routes refuse everyone.
 */
@ValidatorConstraint({ name: 'exporterServiceToken' })
class ServiceTokenRule implements ValidatorConstraintInterface {
  validate(_value: unknown, args: ValidationArguments): boolean {
    const o = args.object as ExporterConfig;
    if (o.serviceToken !== undefined && o.serviceTokenFile !== undefined) return false;
    if (o.serviceToken !== undefined && o.serviceToken.trim().length < MIN_SERVICE_TOKEN_LENGTH) return false;
    return !codeGrant(o) || o.serviceToken !== undefined || o.serviceTokenFile !== undefined;
  }
  defaultMessage(args: ValidationArguments): string {
    const o = args.object as ExporterConfig;
    if (o.serviceToken !== undefined && o.serviceTokenFile !== undefined) return 'set EXPORTER_SERVICE_TOKEN or EXPORTER_SERVICE_TOKEN_FILE, not both';
    if (o.serviceToken !== undefined) return `EXPORTER_SERVICE_TOKEN must be at least ${MIN_SERVICE_TOKEN_LENGTH} characters (e.g. openssl rand -hex 32)`;
    return 'EXPORTER_SERVICE_TOKEN (or EXPORTER_SERVICE_TOKEN_FILE) is required with XERO_GRANT=authorization_code: monitor-api sends it to start a connection and exchange its code';
  }
}

export class ExporterConfig extends ServiceConfig {
  override httpPort = 4003;

  /** The Accounting API's base (Xero: https://api.xero.com/api.xro/2.0; the sandbox by default). */
  @Env('XERO_API_URL')
  @Matches(URL_RE, { message: 'XERO_API_URL must be an http(s) URL' })
  xeroApiUrl = 'http://127.0.0.1:4020/api.xro/2.0';

  /** Xero's identity service; the authorize, token and connections URLs derive from it unless set below. */
  @Env('XERO_IDENTITY_URL')
  @Matches(URL_RE, { message: 'XERO_IDENTITY_URL must be an http(s) URL' })
  xeroIdentityUrl = 'http://127.0.0.1:4020';

  /** Optional: Xero's real authorize URL is https://login.xero.com/identity/connect/authorize. */
  @Env('XERO_AUTHORIZE_URL')
  @IsOptional()
  @Matches(URL_RE, { message: 'XERO_AUTHORIZE_URL must be an http(s) URL' })
  xeroAuthorizeUrl?: string;

  /** Optional: Xero's real token URL is https://identity.xero.com/connect/token. */
  @Env('XERO_TOKEN_URL')
  @IsOptional()
  @Matches(URL_RE, { message: 'XERO_TOKEN_URL must be an http(s) URL' })
  xeroTokenUrl?: string;

  /** Optional: Xero's real revocation URL is https://identity.xero.com/connect/revocation. */
  @Env('XERO_REVOCATION_URL')
  @IsOptional()
  @Matches(URL_RE, { message: 'XERO_REVOCATION_URL must be an http(s) URL' })
  xeroRevocationUrl?: string;

  /** Optional: Xero's real connections URL is https://api.xero.com/connections. */
  @Env('XERO_CONNECTIONS_URL')
  @IsOptional()
  @Matches(URL_RE, { message: 'XERO_CONNECTIONS_URL must be an http(s) URL' })
  xeroConnectionsUrl?: string;

  /** The Xero app's client id (a custom connection's, with XERO_GRANT=client_credentials). */
  @Env('XERO_CLIENT_ID')
  @IsString()
  @IsNotEmpty({ message: 'XERO_CLIENT_ID is required' })
  xeroClientId = '';

  @Env('XERO_CLIENT_SECRET')
  @Secret()
  @IsString()
  @IsNotEmpty({ message: 'XERO_CLIENT_SECRET is required' })
  xeroClientSecret = '';

  /** client_credentials: a custom connection (one organisation, no user); authorization_code: an operator connects from the Integration Center. */
  @Env('XERO_GRANT')
  @IsIn(['client_credentials', 'authorization_code'])
  xeroGrant: 'client_credentials' | 'authorization_code' = 'authorization_code';

  /** Where Xero sends the user back: monitor-api's /api/xero/callback, registered with the app. Required with authorization_code. */
  @Env('XERO_REDIRECT_URI')
  @Validate(RedirectUriRule)
  xeroRedirectUri?: string;

  /**
   * The token monitor-api sends (Authorization: Bearer) for everything on this HTTP port but /health and
   * /metrics. Required with authorization_code (here or in EXPORTER_SERVICE_TOKEN_FILE); at least 32 characters.
   */
  @Env('EXPORTER_SERVICE_TOKEN')
  @Secret()
  @Validate(ServiceTokenRule)
  serviceToken?: string;

  /** A file holding the service token (a Docker secret, a mounted volume): kept out of the environment. */
  @Env('EXPORTER_SERVICE_TOKEN_FILE')
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  serviceTokenFile?: string;

  /** Scopes asked for when an operator connects (granular scopes, as apps created since March 2026 use). */
  @Env('XERO_SCOPES')
  @IsString()
  @IsNotEmpty()
  xeroScopes = 'openid offline_access accounting.invoices accounting.contacts accounting.settings.read accounting.attachments';

  /** The organisation to export to when the grant reaches several; empty: the first one /connections lists. */
  @Env('XERO_TENANT_ID')
  @IsOptional()
  @IsString()
  xeroTenantId?: string;

  /** Seals Xero tokens at rest (AES-256-GCM): 32 bytes as 64 hex digits or base64. Required. */
  @Env('XERO_TOKEN_KEY')
  @Secret()
  @Matches(/^\s*([0-9a-fA-F]{64}|[A-Za-z0-9+/_-]{43}=?)\s*$/, {
    message: 'XERO_TOKEN_KEY is required: 32 bytes as 64 hex digits or base64 (tokens are stored encrypted with it)',
  })
  xeroTokenKey = '';

  /** Documents per request (Xero advises at most 50). */
  @Env('XERO_BATCH_SIZE')
  @IsInt()
  @Min(1)
  @Max(50)
  xeroBatchSize = 50;

  /** How long the oldest waiting document may wait for others to fill its batch. */
  @Env('XERO_BATCH_LINGER_MS')
  @IsInt()
  @Min(0)
  xeroBatchLingerMs = 1000;

  /** Tries of a retriable failure (no answer, 5xx) before the document is reported failed. */
  @Env('XERO_MAX_ATTEMPTS')
  @IsInt()
  @Min(1)
  @Max(100)
  xeroMaxAttempts = 6;

  /** First retry delay; it doubles per attempt (with jitter) up to XERO_RETRY_MAX_MS. */
  @Env('XERO_RETRY_BASE_MS')
  @IsInt()
  @Min(1)
  xeroRetryBaseMs = 2000;

  @Env('XERO_RETRY_MAX_MS')
  @IsInt()
  @Min(1)
  xeroRetryMaxMs = 300_000;

  /** Every call to Xero (and to its identity service) gives up after this long: its outcome is then unknown. */
  @Env('XERO_TIMEOUT_MS')
  @IsInt()
  @Min(100)
  xeroTimeoutMs = 30_000;

  /** A document changed in LNB after its export: update it in Xero while Xero allows, or report it. */
  @Env('XERO_CHANGED_AFTER_EXPORT')
  @IsIn(['update', 'report'])
  xeroChangedAfterExport: 'update' | 'report' = 'report';

  /** Attach the LNB PDF to the Xero document when the document has one. */
  @Env('XERO_ATTACH_PDF')
  @IsBoolean()
  xeroAttachPdf = false;

  /** Fetching the LNB PDF gives up after this long (the export stands; the attachment is skipped with a warning). */
  @Env('XERO_PDF_TIMEOUT_MS')
  @IsInt()
  @Min(100)
  xeroPdfTimeoutMs = 10_000;

  /** Appended to a retailer's name when another active contact already has it; {contactNumber} is the retailer reference. */
  @Env('XERO_CONTACT_NAME_SUFFIX')
  @IsString()
  @IsNotEmpty()
  xeroContactNameSuffix = ' ({contactNumber})';

  /** How often the organisation's reference data is published again (it is also published on connect). */
  @Env('XERO_REFERENCE_REFRESH_MINUTES')
  @IsInt()
  @Min(1)
  xeroReferenceRefreshMinutes = 60;

  /** How often a lost or missing connection is tried again (client credentials, or a consent given back). */
  @Env('XERO_RECONNECT_SECONDS')
  @IsNumber()
  @Min(0.1)
  xeroReconnectSeconds = 30;

  /**
   * Xero's clock speed: 1 for Xero; a sandbox started with a time scale (e.g. 60: a limit-minute lasts a
   * second) needs the same figure here, or the exporter paces itself as if for the real Xero.
   */
  @Env('XERO_RATE_TIME_SCALE')
  @IsNumber()
  @Min(0.001)
  xeroRateTimeScale = 1;

  /** Xero's per-organisation limits (change only if Xero does). */
  @Env('XERO_LIMIT_PER_MINUTE')
  @IsInt()
  @Min(1)
  xeroLimitPerMinute = 60;

  @Env('XERO_LIMIT_CONCURRENT')
  @IsInt()
  @Min(1)
  @Max(20)
  xeroLimitConcurrent = 5;

  /** Calls per organisation and rolling day: 5,000; set 1,000 for an app on Xero's Starter tier. */
  @Env('XERO_LIMIT_PER_DAY')
  @IsInt()
  @Min(1)
  xeroLimitPerDay = 5000;

  /**
   * Xero's app-wide limit: calls per minute by this app across every organisation, shared by every exporter
   * instance (exporter.app_calls) and fairly between the organisations that have work.
   */
  @Env('XERO_APP_LIMIT_PER_MINUTE')
  @IsInt()
  @Min(1)
  xeroAppLimitPerMinute = 10_000;

  /**
   * Units of work at once across every organisation (each holds a database connection of the sender's pool while
   * it runs; at least XERO_LIMIT_CONCURRENT + 2). When the app's budget sets the organisations' pace, a unit
   * waits for its organisation's turn between calls: with fewer connections than organisations at work, the
   * ones that got a connection first make more calls (bench:tenants). Each is a PostgreSQL connection.
   */
  @Env('XERO_SENDER_CONNECTIONS')
  @IsInt()
  @Min(3)
  @Max(200)
  xeroSenderConnections = 24;

  /** How often the sender looks for due work when nothing wakes it. */
  @Env('XERO_SENDER_INTERVAL_MS')
  @IsInt()
  @Min(10)
  xeroSenderIntervalMs = 250;

  /**
   * A credit note whose allocation waits (a DRAFT in Xero, its invoice not approved or not there yet) is
   * looked at again after this many seconds, doubling per look up to XERO_ALLOCATION_RECHECK_MAX_SECONDS.
   */
  @Env('XERO_ALLOCATION_RECHECK_SECONDS')
  @IsNumber()
  @Min(0.01)
  xeroAllocationRecheckSeconds = 120;

  @Env('XERO_ALLOCATION_RECHECK_MAX_SECONDS')
  @IsNumber()
  @Min(0.01)
  xeroAllocationRecheckMaxSeconds = 6 * 3600;

  /**
   * Calls per Xero minute that allocation checks may take from an organisation (of Xero's 60), so they
   * never crowd out exports; exports are always served first.
   */
  @Env('XERO_ALLOCATION_CALLS_PER_MINUTE')
  @IsInt()
  @Min(1)
  @Max(60)
  xeroAllocationCallsPerMinute = 10;
}
