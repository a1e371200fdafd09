import type { ExpectedVersion } from './event-store';

/** Errors of the store carry a stable code (shown in task logs and metrics) and say whether a retry can help. */
export abstract class EventStoreError extends Error {
  abstract readonly code: string;
  abstract readonly retriable: boolean;
}

/** Someone else appended first: reload the stream, decide again, append again. */
export class WrongExpectedVersionError extends EventStoreError {
  readonly code = 'STORE.WRONG_EXPECTED_VERSION';
  readonly retriable = true;
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedVersion,
    /** The stream's version when the append was refused; 0 when it does not exist. */
    readonly actual: number,
  ) {
    super(`stream ${streamId}: expected version ${expected}, actual ${actual}`);
    this.name = 'WrongExpectedVersionError';
  }
}

/** An event with this eventId is already stored: appending it again would publish it twice. */
export class DuplicateEventError extends EventStoreError {
  readonly code = 'STORE.DUPLICATE_EVENT';
  readonly retriable = false;
  constructor(readonly streamId: string) {
    super(`stream ${streamId}: an event with one of these eventIds is already stored`);
    this.name = 'DuplicateEventError';
  }
}
