// Each flow's schedule and selection rules, as the poller last confirmed them (ScheduleChanged,
// SelectionChanged), and what was asked of it since and not yet confirmed (the *ChangeRequested).
import { assertNever, type Flow, type ScheduleValue, type SelectionRules } from '@lnbx/contracts';
import type { SettingsEvent } from './events';

export interface Versioned<T> {
  value: T;
  at: string;
  by: string;
}

export interface FlowSettings {
  flow: Flow;
  schedule: Versioned<Omit<ScheduleValue, 'requestedBy' | 'flow'>> | null;
  pendingSchedule: Versioned<Omit<ScheduleValue, 'requestedBy' | 'flow'>> | null;
  selection: Versioned<SelectionRules> | null;
  pendingSelection: Versioned<SelectionRules> | null;
}

export const emptySettings = (flow: Flow): FlowSettings => ({ flow, schedule: null, pendingSchedule: null, selection: null, pendingSelection: null });

const newer = <T>(current: Versioned<T> | null, at: string): boolean => !current || at >= current.at;
/** A confirmation answers every request made up to its own time. */
const stillPending = <T>(pending: Versioned<T> | null, confirmedAt: string): Versioned<T> | null => (pending && pending.at > confirmedAt ? pending : null);

export function evolveSettings(s: FlowSettings | null, e: SettingsEvent): FlowSettings {
  const cur = s ?? emptySettings(e.payload.flow);
  const at = e.occurredAt;
  const by = e.payload.requestedBy;
  switch (e.type) {
    case 'ScheduleChangeRequested': {
      const { enabled, cron, timeZone } = e.payload;
      return newer(cur.pendingSchedule, at) && newer(cur.schedule, at)
        ? { ...cur, pendingSchedule: { value: { enabled, cron: cron ?? null, timeZone: timeZone ?? null }, at, by } }
        : cur;
    }
    case 'ScheduleChanged': {
      if (!newer(cur.schedule, at)) return cur;
      const { enabled, cron, timeZone } = e.payload;
      return {
        ...cur,
        schedule: { value: { enabled, cron: cron ?? null, timeZone: timeZone ?? null }, at, by },
        pendingSchedule: stillPending(cur.pendingSchedule, at),
      };
    }
    case 'SelectionChangeRequested':
      return newer(cur.pendingSelection, at) && newer(cur.selection, at) ? { ...cur, pendingSelection: { value: e.payload.rules, at, by } } : cur;
    case 'SelectionChanged':
      if (!newer(cur.selection, at)) return cur;
      return { ...cur, selection: { value: e.payload.rules, at, by }, pendingSelection: stillPending(cur.pendingSelection, at) };
    default:
      return assertNever(e);
  }
}

/** The rules a new change builds on: what was last asked for if it is still pending, else what is in force. */
export const latestSelection = (s: FlowSettings | null): SelectionRules | null => s?.pendingSelection?.value ?? s?.selection?.value ?? null;

/** The selection rules with one reference added to (or taken off) the hold-back list. */
export function withHoldBack(rules: SelectionRules, reference: string, hold: boolean): SelectionRules {
  const rest = rules.holdBack.filter((r) => r !== reference);
  return { ...rules, holdBack: hold ? [...rest, reference] : rest };
}
