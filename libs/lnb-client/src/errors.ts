import { redact } from './redact';

export const LNB_ERROR_CODES = [
  'LNB.AUTH_REFUSED',
  'LNB.RATE_LIMITED',
  'LNB.UNAVAILABLE',
  'LNB.VALIDATION',
  'LNB.NOT_FOUND',
  'LNB.MALFORMED_RESPONSE',
  'LNB.REQUEST_REJECTED',
] as const;
export type LnbErrorCode = (typeof LNB_ERROR_CODES)[number];

/** Whether trying the same request again later may succeed. */
const RETRIABLE: Record<LnbErrorCode, boolean> = {
  'LNB.AUTH_REFUSED': false,
  'LNB.RATE_LIMITED': true,
  'LNB.UNAVAILABLE': true,
  'LNB.VALIDATION': false,
  'LNB.NOT_FOUND': false,
  'LNB.MALFORMED_RESPONSE': true,
  'LNB.REQUEST_REJECTED': false,
};

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
export class LnbError extends Error {
  override readonly name = 'LnbError';
  readonly retriable: boolean;
  readonly status?: number;
  readonly fieldErrors?: Record<string, string[]>;
  readonly retryAfterMs?: number;
  readonly attempts?: number;

  constructor(readonly code: LnbErrorCode, message: string, details: LnbErrorDetails = {}) {
    super(redact(message));
    this.retriable = RETRIABLE[code];
    Object.assign(this, details);
  }

  /** The same error, saying how many attempts were spent on it. */
  afterAttempts(attempts: number): LnbError {
    if (attempts <= 1) return this;
    const { status, fieldErrors, retryAfterMs } = this;
    return new LnbError(this.code, `${this.message} (gave up after ${attempts} attempts)`, { status, fieldErrors, retryAfterMs, attempts });
  }
}

export const isLnbError = (err: unknown): err is LnbError => err instanceof LnbError;
