// A flow's setting streams (schedule-<flow>, selection-<flow>) read back through evolve, and their
// projections (poller.schedules, poller.selections) written from the state: the same code serves a change
// and the rebuild, so a rebuilt table is the one the changes made.
import { assertNever, type Flow, FLOWS, ScheduleChanged, SelectionChanged } from '@lnbx/contracts';
import { decodeRecorded, type EventStore, type RecordedEvent, type Transaction, UnreadableEventError } from '@lnbx/event-store';
import { EVENT_STORE } from '@lnbx/messaging';
import { Inject, Injectable } from '@nestjs/common';
import { evolveFlowSetting, type FlowSettingCommand, type FlowSettingEvent, type FlowSettingState, UNSET } from '../domain/flow-settings';
import { SETTING_PROJECTIONS } from './schema';
import { ScheduleStore } from './schedule-store';
import { SelectionStore } from './selection-store';

export const scheduleStream = (flow: Flow): string => `schedule-${flow}`;
export const selectionStream = (flow: Flow): string => `selection-${flow}`;

/** The stream a change is decided on and appended to. */
export function streamOf(command: FlowSettingCommand): string {
  switch (command.type) {
    case 'ScheduleChangeRequested':
      return scheduleStream(command.change.flow);
    case 'SelectionChangeRequested':
      return selectionStream(command.change.flow);
    default:
      return assertNever(command);
  }
}

@Injectable()
export class FlowSettingsStore {
  constructor(
    @Inject(EVENT_STORE) private readonly events: EventStore,
    private readonly schedules: ScheduleStore,
    private readonly selections: SelectionStore,
  ) {}

  /** A setting stream's state, from what `tx` sees of it. */
  async load(tx: Transaction, streamId: string): Promise<FlowSettingState> {
    const recorded = await this.events.readStream(streamId, { tx });
    return recorded.map(settingEvent).reduce(evolveFlowSetting, UNSET);
  }

  /** Writes the table a stream's state is read from; a stream never set has no row (the default applies). */
  async project(tx: Transaction, state: FlowSettingState): Promise<void> {
    const event = state.current;
    if (!event) return;
    switch (event.type) {
      case 'ScheduleChanged':
        return this.schedules.project(tx, event.value, event.at);
      case 'SelectionChanged':
        return this.selections.project(tx, event.value.flow, event.value.rules, event.at);
      default:
        return assertNever(event);
    }
  }

  /**
   * Empties the schedules and selections and writes them again from every flow's streams, in one
   * transaction: changes and firings wait for it (the tables are locked against writes), while the
   * scheduler and the runs go on reading the rows as they were until it commits.
   */
  /** In `within` when given (the whole poller's rebuild is one transaction), else in a transaction of its own. */
  async rebuild(within?: Transaction): Promise<{ streams: number; events: number }> {
    const run = <T>(fn: (tx: Transaction) => Promise<T>): Promise<T> => (within ? fn(within) : this.events.withTransaction(fn));
    return run(async (tx) => {
      const tables = SETTING_PROJECTIONS.map((t) => `poller.${t}`);
      await tx.query(`lock table ${tables.join(', ')} in exclusive mode`);
      for (const table of tables) await tx.query(`delete from ${table}`);
      const counts = { streams: 0, events: 0 };
      for (const streamId of FLOWS.flatMap((flow) => [scheduleStream(flow), selectionStream(flow)])) {
        const state = await this.load(tx, streamId);
        await this.project(tx, state);
        if (state.version) counts.streams++;
        counts.events += state.version;
      }
      return counts;
    });
  }
}

/** A stored change, validated again as any consumer would (its schema may have moved since it was written). */
function settingEvent(recorded: RecordedEvent): FlowSettingEvent {
  switch (recorded.type) {
    case ScheduleChanged.definition.type: {
      const { payload: value, occurredAt: at } = decodeRecorded(recorded, ScheduleChanged.definition);
      return { type: 'ScheduleChanged', value, at };
    }
    case SelectionChanged.definition.type: {
      const { payload: value, occurredAt: at } = decodeRecorded(recorded, SelectionChanged.definition);
      return { type: 'SelectionChanged', value, at };
    }
    default:
      throw new UnreadableEventError(recorded, `it holds a ${recorded.type}, not a setting change`);
  }
}
