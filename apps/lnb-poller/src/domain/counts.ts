import type { RunCompleted } from '@lnbx/contracts';
import type { Verdict } from '@lnbx/scheduling';

export type Outcome = Verdict | 'emitted' | 'unchanged';

export const emptyCounts = (): RunCompleted.Counts => ({ seen: 0, selected: 0, emitted: 0, unchanged: 0, excludedBySelection: 0, heldBack: 0 });

/** Adds one document's fate to a run's counts. */
export function count(c: RunCompleted.Counts, outcome: Outcome): void {
  switch (outcome) {
    case 'excluded':
      c.excludedBySelection++;
      return;
    case 'held_back':
      c.heldBack++;
      return;
    case 'emitted':
      c.selected++;
      c.emitted++;
      return;
    case 'unchanged':
      c.selected++;
      c.unchanged++;
      return;
    case 'selected':
      c.selected++;
      return;
    default: {
      const never: never = outcome;
      throw new Error(`unknown outcome ${String(never)}`);
    }
  }
}
