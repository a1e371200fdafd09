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

  constructor(
    readonly code: C,
    message: string,
    { retryAfterMs, details, cause }: CodedErrorOptions = {},
  ) {
    super(redact(message), cause === undefined ? undefined : { cause });
    this.name = new.target.name;
    // The catalogue's word, never the thrower's: a code means the same everywhere.
    this.retriable = ERROR_CATALOGUE[code].retriable;
    this.retryAfterMs = retryAfterMs;
    this.details = details;
  }
}

/** Whether `err` is one of ours, with `code` when given: a typed check, so a misspelt code does not compile. */
export function isCodedError<C extends ErrorCode>(err: unknown, code?: C): err is CodedError<C> {
  return err instanceof CodedError && (code === undefined || err.code === code);
}
