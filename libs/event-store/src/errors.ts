import { CodedError } from '@lnbx/contracts';
import type { ExpectedVersion } from './event-store';

/** Someone else appended first: reload the stream, decide again, append again. */
export class WrongExpectedVersionError extends CodedError<'STORE.WRONG_EXPECTED_VERSION'> {
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedVersion,
    /** The stream's version when the append was refused; 0 when it does not exist. */
    readonly actual: number,
  ) {
    super('STORE.WRONG_EXPECTED_VERSION', `stream ${streamId}: expected version ${expected}, actual ${actual}`);
  }
}

/** An event with this eventId is already stored: appending it again would publish it twice. */
export class DuplicateEventError extends CodedError<'STORE.DUPLICATE_EVENT'> {
  constructor(readonly streamId: string) {
    super('STORE.DUPLICATE_EVENT', `stream ${streamId}: an event with one of these eventIds is already stored`);
  }
}

/**
 * The Postgres errors (SQLSTATE, https://www.postgresql.org/docs/current/errcodes-appendix.html) the
 * services act on, named once here, in the lib that talks to Postgres, so no handler matches a number.
 */
export const SQLSTATE = {
  uniqueViolation: '23505',
  /** `lock_timeout` passed, or NOWAIT found the row locked. */
  lockNotAvailable: '55P03',
} as const;
export type SqlState = (typeof SQLSTATE)[keyof typeof SQLSTATE];

/** Whether `err` is a Postgres error with this SQLSTATE. */
export const hasSqlState = (err: unknown, state: SqlState): boolean => typeof err === 'object' && err !== null && (err as { code?: unknown }).code === state;
