import { CODES, type FailureKind } from '../domain/xero-errors';

/** A Xero call that did not succeed, read as what to do next. */
export class XeroCallError extends Error {
  constructor(
    readonly kind: FailureKind,
    readonly status: number,
    message: string,
    /** 429: Xero's Retry-After; also a budget wait that would be too long. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'XeroCallError';
  }
}

/** The organisation can no longer be reached with what we hold: its documents wait for a reconnection. */
export class ConnectionLostError extends Error {
  constructor(
    readonly connectionId: string,
    readonly reason: string,
    /** Stable code (XERO.INVALID_GRANT, XERO.CONSENT_REVOKED, ...): what XeroConnectionLost reports. */
    readonly code: string = CODES.connectionLost,
  ) {
    super(`Xero connection ${connectionId} lost: ${reason}`);
    this.name = 'ConnectionLostError';
  }
}

/** What is known of a loss: the words and the code XeroConnectionLost carries. */
export type Loss = Pick<ConnectionLostError, 'reason' | 'code'>;

/** The identity service answered with a refusal (invalid_grant, invalid_client, ...) or not at all. */
export class IdentityError extends Error {
  constructor(
    readonly kind: 'invalid_grant' | 'invalid_client' | 'unauthorized' | 'unavailable' | 'refused',
    message: string,
  ) {
    super(message);
    this.name = 'IdentityError';
  }
}
