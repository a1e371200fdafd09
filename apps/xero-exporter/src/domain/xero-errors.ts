// Xero's answers read as stable codes a finance person can act on: what kind of failure a status is,
// which code a validation message maps to, and whether trying again can help.
import { type ErrorCode, parseRetryAfterMs, type Problem } from '@lnbx/contracts';

export type FailureKind =
  /** 429: wait Retry-After; the documents were not looked at. */
  | 'rate_limited'
  /** 401: the access token is expired or its grant ended. */
  | 'unauthorized'
  /** 403: the organisation is no longer connected (or the app lacks a permission). */
  | 'forbidden'
  | 'not_found'
  /** No answer, a timeout, a dropped connection, a 5xx, a 409 from a still-running twin: Xero may have stored it. */
  | 'outcome_unknown'
  /** Any other 4xx: Xero refused the whole request. */
  | 'rejected';

export function classifyStatus(status: number): FailureKind {
  if (status === 429) return 'rate_limited';
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not_found';
  if (status === 0 || status === 408 || status === 409 || status >= 500) return 'outcome_unknown';
  return 'rejected';
}

export const CODES = {
  validation: 'XERO.VALIDATION',
  duplicateNumber: 'XERO.DUPLICATE_NUMBER',
  unknownTaxType: 'XERO.UNKNOWN_TAX_TYPE',
  invalidAccount: 'XERO.INVALID_ACCOUNT',
  lockDate: 'XERO.LOCK_DATE',
  currency: 'XERO.CURRENCY_NOT_ENABLED',
  contact: 'XERO.CONTACT',
  tracking: 'XERO.TRACKING',
  totals: 'XERO.TOTALS',
  rateLimited: 'XERO.RATE_LIMITED',
  unavailable: 'XERO.UNAVAILABLE',
  connectionLost: 'XERO.CONNECTION_LOST',
  /** Why a connection was lost (XeroConnectionLost's code). */
  invalidGrant: 'XERO.INVALID_GRANT',
  consentRevoked: 'XERO.CONSENT_REVOKED',
  tokenRefused: 'XERO.TOKEN_REFUSED',
  invalidClient: 'XERO.INVALID_CLIENT',
  changedAfterExport: 'XERO.CHANGED_AFTER_EXPORT',
  /** Why a credit note could not be allocated to its invoice (CreditNoteLeftUnallocated's code; never a failed export). */
  allocationInvoicePaid: 'XERO.ALLOCATION_INVOICE_PAID',
  allocationContactMismatch: 'XERO.ALLOCATION_CONTACT_MISMATCH',
  allocationCurrencyMismatch: 'XERO.ALLOCATION_CURRENCY_MISMATCH',
  allocationVoided: 'XERO.ALLOCATION_VOIDED',
  allocationNoCreditLeft: 'XERO.ALLOCATION_NO_CREDIT_LEFT',
  allocationRefused: 'XERO.ALLOCATION_REFUSED',
  rejected: 'XERO.REQUEST_REJECTED',
  /** 403 while the organisation is still connected: the app lacks a permission. */
  forbidden: 'XERO.FORBIDDEN',
  notFound: 'XERO.NOT_FOUND',
} as const satisfies Record<string, ErrorCode>;

/** The code of a failed call, by what kind of failure it was. */
export const CODE_OF_KIND = {
  rate_limited: CODES.rateLimited,
  unauthorized: CODES.tokenRefused,
  forbidden: CODES.forbidden,
  not_found: CODES.notFound,
  outcome_unknown: CODES.unavailable,
  rejected: CODES.rejected,
} as const satisfies Record<FailureKind, ErrorCode>;

const RULES: [RegExp, ErrorCode][] = [
  [/(invoice|credit note|document) ?(#|number) must be unique/i, CODES.duplicateNumber],
  [/TaxType|tax rate|tax type/i, CODES.unknownTaxType],
  [/account code|AccountCode|account .* (is not valid|archived|cannot be used)/i, CODES.invalidAccount],
  [/lock date|period lock|end of year lock/i, CODES.lockDate],
  [/currency/i, CODES.currency],
  [/contact/i, CODES.contact],
  [/tracking/i, CODES.tracking],
  [/total|sum of the lines|discount/i, CODES.totals],
];

/** The stable code of one of Xero's validation messages. */
export function codeForMessage(message: string): ErrorCode {
  for (const [re, code] of RULES) if (re.test(message)) return code;
  return CODES.validation;
}

/** "Invoice # must be unique.": the document is already in Xero (ours, from an answer we lost, or typed in). */
export const isDuplicateNumber = (message: string): boolean => /(invoice|credit note) ?#? must be unique/i.test(message);

export function validationProblems(messages: string[]): Problem[] {
  const list = messages.length ? messages : ['Xero refused the document without saying why.'];
  return list.map((message) => ({ code: codeForMessage(message), message, severity: 'error' as const }));
}

export interface LimitHeadersRead {
  minuteRemaining?: number;
  dayRemaining?: number;
  appMinuteRemaining?: number;
}

const header = (headers: Record<string, unknown>, name: string): string | undefined => {
  const hit = Object.keys(headers).find((k) => k.toLowerCase() === name.toLowerCase());
  const v = hit === undefined ? undefined : headers[hit];
  return v === undefined || v === null ? undefined : String(Array.isArray(v) ? v[0] : v);
};

const int = (v: string | undefined): number | undefined => {
  if (v === undefined || v.trim() === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
};

export function readLimitHeaders(headers: Record<string, unknown>): LimitHeadersRead {
  return {
    minuteRemaining: int(header(headers, 'x-minlimit-remaining')),
    dayRemaining: int(header(headers, 'x-daylimit-remaining')),
    appMinuteRemaining: int(header(headers, 'x-appminlimit-remaining')),
  };
}

export type LossCause = 'invalid_grant' | 'invalid_client' | 'unauthorized' | 'refused';

/** The codes a lost connection is reported with (XeroConnectionLost's code). */
export type LossCode =
  typeof CODES.connectionLost | typeof CODES.invalidGrant | typeof CODES.invalidClient | typeof CODES.tokenRefused | typeof CODES.consentRevoked;

/** The stable code of a lost connection, from how the identity service refused. */
export function lossCode(cause: LossCause): LossCode {
  switch (cause) {
    case 'invalid_grant':
      return CODES.invalidGrant;
    case 'invalid_client':
      return CODES.invalidClient;
    case 'unauthorized':
      return CODES.tokenRefused;
    case 'refused':
      return CODES.connectionLost;
    default: {
      const never: never = cause;
      throw new Error(`unknown loss cause ${String(never)}`);
    }
  }
}

/** Retry-After in milliseconds (seconds, or an HTTP date), or the fallback when Xero did not say. */
export function retryAfterMs(headers: Record<string, unknown>, now: number, fallbackMs: number): number {
  return parseRetryAfterMs(header(headers, 'retry-after'), now) ?? fallbackMs;
}

export const rateLimitProblem = (headers: Record<string, unknown>): string => header(headers, 'x-rate-limit-problem') ?? '';

/** Xero's words from an error body, whichever shape it took (JSON with Message/Detail/Elements, or text). */
export function messageOf(body: unknown): string {
  if (typeof body === 'string') return body.slice(0, 500);
  if (body && typeof body === 'object') {
    const o = body as Record<string, unknown>;
    const nested = Array.isArray(o.Elements)
      ? (o.Elements as Record<string, unknown>[])
          .flatMap((e) => (Array.isArray(e.ValidationErrors) ? (e.ValidationErrors as { Message?: string }[]) : []))
          .map((v) => v.Message)
          .filter((m): m is string => typeof m === 'string')
      : [];
    if (nested.length) return nested.join(' ');
    for (const k of ['Message', 'Detail', 'Title', 'error_description', 'error']) if (typeof o[k] === 'string') return o[k] as string;
  }
  return 'no details';
}
