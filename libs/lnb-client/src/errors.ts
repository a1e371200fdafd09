import { CodedError, type ErrorCode } from '@lnbx/contracts';

/** The codes of a failed call to Le New Black; whether each is retriable is the catalogue's word (libs/contracts). */
export const LNB_ERROR_CODES = [
  'LNB.AUTH_REFUSED',
  'LNB.RATE_LIMITED',
  'LNB.UNAVAILABLE',
  'LNB.VALIDATION',
  'LNB.NOT_FOUND',
  'LNB.MALFORMED_RESPONSE',
  'LNB.REQUEST_REJECTED',
] as const satisfies readonly ErrorCode[];
export type LnbErrorCode = (typeof LNB_ERROR_CODES)[number];

export interface LnbErrorDetails {
  status?: number;
  /** 422: field -> messages, as LNB sends them under `errors`. */
  fieldErrors?: Record<string, string[]>;
  /** 429: how long LNB asked us to wait. */
  retryAfterMs?: number;
  /** How many attempts were made before giving up. */
  attempts?: number;
}

/** A failed call to Le New Black: a stable code, a plain message (secrets redacted) and whether to retry. */
export class LnbError extends CodedError<LnbErrorCode> {
  override readonly name = 'LnbError';
  readonly status?: number;
  readonly fieldErrors?: Record<string, string[]>;
  readonly attempts?: number;

  constructor(code: LnbErrorCode, message: string, { status, fieldErrors, retryAfterMs, attempts }: LnbErrorDetails = {}) {
    super(code, message, { retryAfterMs });
    this.status = status;
    this.fieldErrors = fieldErrors;
    this.attempts = attempts;
  }

  /** The same error, saying how many attempts were spent on it. */
  afterAttempts(attempts: number): LnbError {
    if (attempts <= 1) return this;
    const { status, fieldErrors, retryAfterMs } = this;
    return new LnbError(this.code, `${this.message} (gave up after ${attempts} attempts)`, { status, fieldErrors, retryAfterMs, attempts });
  }
}

export const isLnbError = (err: unknown): err is LnbError => err instanceof LnbError;
