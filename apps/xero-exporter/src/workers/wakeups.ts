// The exporter's two loops (the sender, the connection upkeep: WorkLoops) sleep between ticks; these are the
// only ways to wake them early. One small provider that intake, the connections and the sender's units call,
// so no part reaches into another to rewire it.
import { Waker } from '@lnbx/event-store';
import { Injectable } from '@nestjs/common';

@Injectable()
export class Wakeups {
  readonly sender = new Waker();
  readonly upkeep = new Waker();

  /** New work (a document recorded, a unit finished, allocations due now): the sender looks now rather than at its next tick. */
  workArrived(): void {
    this.sender.wake();
  }

  /**
   * A connection was created, paused, resumed or removed in monitor-api: the sender takes it up or leaves it at
   * once, and the upkeep tells a new one's Xero state (the panel says "not connected" rather than nothing).
   */
  connectionChanged(): void {
    this.upkeep.wake();
    this.sender.wake();
  }

  /** A connection was made or came back: its reference data is published and sending resumes at once. */
  connected(): void {
    this.upkeep.wake();
    this.sender.wake();
  }
}
