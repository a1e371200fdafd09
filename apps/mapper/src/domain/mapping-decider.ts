// The mapper's one piece of domain state, a connection's mapping configuration, decided and evolved from
// that connection's stream (mapping-config-<connection>): a change requested is decided against the
// configuration in force, and each MappingChanged carries the whole configuration after it, so the state
// is the last event's.
import { assertNever } from '@lnbx/contracts';
import { applyMappingChange, MappingConfig, MappingConfigError, parseMappingChange, parseMappingConfig } from './mapping-config';

export interface MappingState {
  config: MappingConfig;
  /** The stream version the configuration reflects (0: the file's, nothing changed at runtime yet). */
  version: number;
}

export type MappingCommand = { type: 'ChangeMapping'; change: Record<string, unknown>; requestedBy: string };

export type MappingEvent = { type: 'MappingChanged'; config: MappingConfig; requestedBy: string };

export type MappingDecision = { ok: true; events: MappingEvent[] } | { ok: false; code: 'MAP.INVALID_CHANGE'; message: string };

/** What a command makes happen: the events to append, or why it is refused (the same every time it is tried). */
export function decideMapping(command: MappingCommand, state: MappingState): MappingDecision {
  switch (command.type) {
    case 'ChangeMapping':
      try {
        const config = applyMappingChange(state.config, parseMappingChange(command.change));
        return { ok: true, events: [{ type: 'MappingChanged', config, requestedBy: command.requestedBy }] };
      } catch (err) {
        if (err instanceof MappingConfigError) return { ok: false, code: 'MAP.INVALID_CHANGE', message: err.message };
        throw err;
      }
    default:
      return assertNever(command.type);
  }
}

/** The state after one of the stream's events (the stream's version moves by one per event). */
export function evolveMapping(state: MappingState, event: MappingEvent): MappingState {
  switch (event.type) {
    case 'MappingChanged':
      return { config: event.config, version: state.version + 1 };
    default:
      return assertNever(event.type);
  }
}

/**
 * A stored MappingChanged, read back: its configuration is checked again, since the schema of a
 * configuration may have moved since it was written; never falling back to the file silently.
 */
export function storedMappingEvent(config: unknown, requestedBy: string): MappingEvent {
  return { type: 'MappingChanged', config: parseMappingConfig(config), requestedBy };
}
