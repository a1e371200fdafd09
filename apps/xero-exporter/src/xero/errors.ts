import { CodedError } from '@lnbx/contracts';
import { CODE_OF_KIND, CODES, type FailureKind, lossCode, type LossCode } from '../domain/xero-errors';

/** A Xero call that did not succeed, read as what to do next (`kind`), with the stable code of that kind. */
export class XeroCallError extends CodedError<(typeof CODE_OF_KIND)[FailureKind]> {
  constructor(
    readonly kind: FailureKind,
    readonly status: number,
    message: string,
    /** 429: Xero's Retry-After; also a budget wait that would be too long. */
    retryAfterMs?: number,
  ) {
    super(CODE_OF_KIND[kind], message, { retryAfterMs });
  }
}

/** The organisation can no longer be reached with what we hold: its documents wait for a reconnection. */
export class ConnectionLostError extends CodedError<LossCode> {
  constructor(
    readonly connectionId: string,
    readonly reason: string,
    /** Why (XERO.INVALID_GRANT, XERO.CONSENT_REVOKED, ...): what XeroConnectionLost reports. */
    code: LossCode = CODES.connectionLost,
  ) {
    super(code, `Xero connection ${connectionId} lost: ${reason}`);
  }
}

/** What is known of a loss: the words and the code XeroConnectionLost carries. */
export type Loss = Pick<ConnectionLostError, 'reason' | 'code'>;

type IdentityFailure = 'invalid_grant' | 'invalid_client' | 'unauthorized' | 'unavailable' | 'refused';

/** The identity service answered with a refusal (invalid_grant, invalid_client, ...) or not at all. */
export class IdentityError extends CodedError<LossCode | typeof CODES.unavailable> {
  constructor(
    readonly kind: IdentityFailure,
    message: string,
  ) {
    super(kind === 'unavailable' ? CODES.unavailable : lossCode(kind), message);
  }
}
