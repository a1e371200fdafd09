/**
 * An error with a stable code that says whether trying again can help. Handlers throw these; the
 * transport retries retriable ones with backoff and sends the rest straight to the dead-letter topic.
 */
export class CodedError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly retriable: boolean,
    readonly details?: Record<string, unknown>,
    /** The least wait before the next attempt, when the other side said (e.g. a Retry-After). */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'CodedError';
  }
}

export const isRetriable = (err: unknown): boolean =>
  !(typeof err === 'object' && err !== null && (err as { retriable?: unknown }).retriable === false);

export const errorCode = (err: unknown): string =>
  typeof err === 'object' && err !== null && typeof (err as { code?: unknown }).code === 'string' && /^[A-Z]+\.[A-Z0-9_]+$/.test((err as { code: string }).code)
    ? (err as { code: string }).code
    : 'HANDLER.FAILED';

/** Exponential backoff with full jitter, capped. `attempt` starts at 1. */
export function backoffMs(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** The wait an error asks for before the next attempt (a Retry-After), if any. */
export const retryAfterOf = (err: unknown): number | undefined => {
  const v = typeof err === 'object' && err !== null ? (err as { retryAfterMs?: unknown }).retryAfterMs : undefined;
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined;
};
