// When the poller fires a flow's schedule. What a valid schedule is and when it fires belongs to
// @lnbx/scheduling, which the monitor's preview uses too.
import { firingsAfter, type Schedule } from '@lnbx/scheduling';

/**
 * The firing due at `now` for a schedule last fired for `since`: the latest one in (since, now], or
 * null. A fire missed while no poller ran is fired once on the next tick, not once per missed slot.
 */
export function dueFiring(s: Schedule, since: Date, now: Date): Date | null {
  let due: Date | null = null;
  for (const at of firingsAfter(s, since)) {
    if (at > now) break;
    due = at;
  }
  return due;
}
