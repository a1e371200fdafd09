import { ERROR_CATALOGUE, type ErrorCode } from './catalogue';
import { redact } from './redact';

export interface CodedErrorOptions {
  /** The least wait before trying again, when the other side said (a Retry-After). */
  retryAfterMs?: number;
  /** Facts for the logs (never for a finance person's message). */
  details?: Record<string, unknown>;
  cause?: unknown;
}

/**
 * The one base of our errors: a stable code from the catalogue (what the task log, the metrics and
 * the dead letters show), whether trying again can help (the catalogue's word for the code), and the
 * least wait before trying again when the other side said. Its message is redacted, since messages
 * travel into events, dead-letter headers and logs. The Kafka transport retries a retriable error
 * with backoff and dead-letters the rest at once.
 */
export class CodedError<C extends ErrorCode = ErrorCode> extends Error {
  readonly retriable: boolean;
  readonly retryAfterMs?: number;
  readonly details?: Record<string, unknown>;

  constructor(code: C, message: string, options?: CodedErrorOptions);
  /** @deprecated The positional form, kept while its callers move to `options`; the catalogue says whether a code is retriable. */
  constructor(code: C, message: string, retriable: boolean, details?: Record<string, unknown>, retryAfterMs?: number);
  constructor(
    readonly code: C,
    message: string,
    options: CodedErrorOptions | boolean = {},
    details?: Record<string, unknown>,
    retryAfterMs?: number,
  ) {
    const o: CodedErrorOptions = typeof options === 'boolean' ? { details, retryAfterMs } : options;
    super(redact(message), o.cause === undefined ? undefined : { cause: o.cause });
    this.name = new.target.name;
    this.retriable = typeof options === 'boolean' ? options : ERROR_CATALOGUE[code].retriable;
    this.retryAfterMs = o.retryAfterMs;
    this.details = o.details;
  }
}

/** Whether `err` is one of ours, with `code` when given: a typed check, so a misspelt code does not compile. */
export function isCodedError<C extends ErrorCode>(err: unknown, code?: C): err is CodedError<C> {
  return err instanceof CodedError && (code === undefined || err.code === code);
}
