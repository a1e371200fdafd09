// How the transport reads a handler's error: its stable code, whether to retry it and the least wait it
// asks for. The error classes and the code catalogue live in libs/contracts (CodedError, ERROR_CATALOGUE).
import { CodedError, type ErrorCode, isErrorCode } from '@lnbx/contracts';

export { CodedError };

/** Anything but an error that says it is not retriable is retried: an unexpected failure may well pass. */
export const isRetriable = (err: unknown): boolean => !(typeof err === 'object' && err !== null && (err as { retriable?: unknown }).retriable === false);

/** The error's catalogue code, or HANDLER.FAILED for an error that has none (a bug, a driver's error). */
export const errorCode = (err: unknown): ErrorCode => {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  return isErrorCode(code) ? code : 'HANDLER.FAILED';
};

/** The wait an error asks for before the next attempt (a Retry-After), if any. */
export const retryAfterOf = (err: unknown): number | undefined => {
  const v = typeof err === 'object' && err !== null ? (err as { retryAfterMs?: unknown }).retryAfterMs : undefined;
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined;
};
