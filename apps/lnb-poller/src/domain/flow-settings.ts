// A connection's flow's settings, each decided from its own stream: its schedule (schedule-<connection>-<flow>) and
// its selection rules (selection-<connection>-<flow>). Every accepted change is one event carrying the whole setting after it, so a
// stream's state is its last event and its version; the tables the scheduler and the runs read are
// projections of that state (store/flow-settings-store.ts).
import {
  assertNever,
  type ErrorCode,
  type ScheduleChanged,
  type ScheduleChangeRequested,
  type SelectionChanged,
  type SelectionChangeRequested,
} from '@lnbx/contracts';
import { checkRules, scheduleProblems } from '@lnbx/scheduling';

/** A change monitor-api asks for, and when the poller decides it: a new schedule counts from then. */
export type FlowSettingCommand =
  | { type: 'ScheduleChangeRequested'; change: ScheduleChangeRequested.Value; at: string }
  | { type: 'SelectionChangeRequested'; change: SelectionChangeRequested.Value; at: string };

/** A change made: the whole setting after it, and when it was made (the event's occurredAt). */
export type FlowSettingEvent =
  { type: 'ScheduleChanged'; value: ScheduleChanged.Value; at: string } | { type: 'SelectionChanged'; value: SelectionChanged.Value; at: string };

/** One setting's stream, as its events tell it. */
export interface FlowSettingState {
  /** How many events the stream holds (0: never set); a change is appended expecting exactly this. */
  version: number;
  /** The setting in force and since when; null while never set (the default applies). */
  current: FlowSettingEvent | null;
}

export const UNSET: FlowSettingState = { version: 0, current: null };

export type FlowSettingRefusal = { ok: false; code: ErrorCode & ('POLLER.INVALID_SCHEDULE' | 'POLLER.INVALID_SELECTION'); message: string };
export type FlowSettingDecision = { ok: true; events: FlowSettingEvent[] } | FlowSettingRefusal;

/**
 * What a change makes happen: its event, or why it is refused (the same every time it is tried). Neither
 * check depends on the setting in force, since every change carries the whole setting; the state's part
 * is its version, which the append expects.
 */
export function decideFlowSetting(command: FlowSettingCommand, _state: FlowSettingState): FlowSettingDecision {
  switch (command.type) {
    case 'ScheduleChangeRequested': {
      // Validity alone: the shortest interval between firings is the API's to apply, so a schedule
      // stored under an older minimum is still taken.
      const problems = scheduleProblems(command.change, new Date(command.at)).map((p) => p.message);
      if (problems.length) return refuse('POLLER.INVALID_SCHEDULE', `The ${command.change.flow} schedule was not changed: ${problems.join('; ')}`);
      return { ok: true, events: [{ type: 'ScheduleChanged', value: { ...command.change }, at: command.at }] };
    }
    case 'SelectionChangeRequested': {
      const problems = checkRules(command.change.rules);
      if (problems.length) return refuse('POLLER.INVALID_SELECTION', `The ${command.change.flow} selection was not changed: ${problems.join('; ')}`);
      return { ok: true, events: [{ type: 'SelectionChanged', value: { ...command.change }, at: command.at }] };
    }
    default:
      return assertNever(command);
  }
}

/** The stream's state after one more of its events. */
export function evolveFlowSetting(state: FlowSettingState, event: FlowSettingEvent): FlowSettingState {
  switch (event.type) {
    case 'ScheduleChanged':
    case 'SelectionChanged':
      return { version: state.version + 1, current: event };
    default:
      return assertNever(event);
  }
}

function refuse(code: FlowSettingRefusal['code'], message: string): FlowSettingRefusal {
  return { ok: false, code, message };
}

// Re-exported for the poller's files that import it from here; new code imports it from @lnbx/contracts.
export { assertNever };
