// A connection's flow's setting streams (schedule-<connection>-<flow>, selection-<connection>-<flow>) read back
// through evolve, and their projections (poller.schedules, poller.selections, keyed by connection and flow) written
// from the state: the same code serves a change and the rebuild, so a rebuilt table is the one the changes made.
import { assertNever, type Flow, FLOWS, ScheduleChanged, SelectionChanged } from '@lnbx/contracts';
import { decodeRecorded, type EventStore, type RecordedEvent, type Transaction, UnreadableEventError } from '@lnbx/event-store';
import { EVENT_STORE } from '@lnbx/messaging';
import { Inject, Injectable } from '@nestjs/common';
import { evolveFlowSetting, type FlowSettingCommand, type FlowSettingEvent, type FlowSettingState, UNSET } from '../domain/flow-settings';
import { SETTING_PROJECTIONS } from './schema';
import { ScheduleStore } from './schedule-store';
import { SelectionStore } from './selection-store';

export const scheduleStream = (connectionId: string, flow: Flow): string => `schedule-${connectionId}-${flow}`;
export const selectionStream = (connectionId: string, flow: Flow): string => `selection-${connectionId}-${flow}`;

/** A setting stream's connection, from its id (a connection id is lower-case letters, digits and dashes; a flow has none). */
const SETTING_STREAM = new RegExp(`^(?:schedule|selection)-(.+)-(?:${FLOWS.join('|')})$`);
export function connectionOfStream(streamId: string): string | undefined {
  return SETTING_STREAM.exec(streamId)?.[1];
}

/** The stream a change of `connectionId` is decided on and appended to. */
export function streamOf(connectionId: string, command: FlowSettingCommand): string {
  switch (command.type) {
    case 'ScheduleChangeRequested':
      return scheduleStream(connectionId, command.change.flow);
    case 'SelectionChangeRequested':
      return selectionStream(connectionId, command.change.flow);
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

  /** Writes the table a connection's stream's state is read from; a stream never set has no row (the default applies). */
  async project(tx: Transaction, connectionId: string, state: FlowSettingState): Promise<void> {
    const event = state.current;
    if (!event) return;
    switch (event.type) {
      case 'ScheduleChanged':
        return this.schedules.project(tx, connectionId, event.value, event.at);
      case 'SelectionChanged':
        return this.selections.project(tx, connectionId, event.value.flow, event.value.rules, event.at);
      default:
        return assertNever(event);
    }
  }

  /**
   * Empties the schedules and selections and writes them again from every connection's setting streams, in one
   * transaction: changes and firings wait for it (the tables are locked against writes), while the
   * scheduler and the runs go on reading the rows as they were until it commits. In `within` when given (the
   * whole poller's rebuild is one transaction), else in a transaction of its own.
   */
  async rebuild(within?: Transaction): Promise<{ streams: number; events: number }> {
    const run = <T>(fn: (tx: Transaction) => Promise<T>): Promise<T> => (within ? fn(within) : this.events.withTransaction(fn));
    return run(async (tx) => {
      const tables = SETTING_PROJECTIONS.map((t) => `poller.${t}`);
      await tx.query(`lock table ${tables.join(', ')} in exclusive mode`);
      for (const table of tables) await tx.query(`delete from ${table}`);
      const counts = { streams: 0, events: 0 };
      const { rows } = await tx.query<{ stream_id: string }>(`select stream_id from poller.streams where stream_id ~ $1 order by stream_id`, [
        SETTING_STREAM.source,
      ]);
      for (const { stream_id: streamId } of rows) {
        const connectionId = connectionOfStream(streamId)!;
        const state = await this.load(tx, streamId);
        await this.project(tx, connectionId, state);
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
