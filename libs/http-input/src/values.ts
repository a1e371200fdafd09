// Values read from a URL: a day, an integer, a path segment, the request target itself. Each reader
// answers undefined for what is not one, never throws, so a caller answers 4xx instead of 500.

const DAY = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

/** A day the calendar has, YYYY-MM-DD: 2026-02-30 has the shape but never comes (PostgreSQL refuses it). */
export const isCalendarDay = (v: unknown): v is string => typeof v === 'string' && DAY.test(v) && new Date(`${v}T00:00:00Z`).toISOString().slice(0, 10) === v;

const INTEGER = /^-?\d{1,16}$/;

/**
 * Decimal digits only (an optional minus), within JavaScript's safe integers: `1e20`, `0x10`, ` 7`,
 * `1.0` and `` are not integers here, though Number() reads them as numbers.
 */
export function strictInteger(raw: string): number | undefined {
  if (!INTEGER.test(raw)) return undefined;
  const n = Number(raw);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** decodeURIComponent, or undefined for a malformed escape (`%ZZ`, `%E0%A4%A`, an encoded lone surrogate). */
export function decodeComponent(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}

/**
 * The request target as WHATWG's URL reads it (origin-form or absolute-form), or undefined when it
 * cannot be read: `GET http://[bad/ HTTP/1.1` reaches a Node server as that string. With no base
 * (null), only an absolute URL is one.
 */
export function requestUrl(target: string | undefined, base: string | null = 'http://127.0.0.1'): URL | undefined {
  try {
    return new URL(target ?? '/', base ?? undefined);
  } catch {
    return undefined;
  }
}
