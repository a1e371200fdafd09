// What the mapper holds between documents: its mapping configuration and each connection's Xero
// reference data. Both live in the mapper's own event streams, so a restart resumes where it was.
import { CodedError, MappingChanged, OrgReferenceDataPublished } from '@lnbx/contracts';
import { decodeRecorded, type EventStore } from '@lnbx/event-store';
import { evolveMapping, MappingConfig, MappingState, OrgReferenceData, storedMappingEvent } from '../domain';
import { readLastEvent } from './last-event';

/** Every accepted change, each carrying the whole configuration after it. */
export const MAPPING_STREAM = 'mapping-config';
/** Every reference-data snapshot received; kept without a topic (the exporter already published it). */
export const REFERENCE_STREAM = 'org-reference';

export class MapperState {
  private readonly references = new Map<string, OrgReferenceData>();
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private current: MappingConfig,
    private version = 0,
  ) {}

  /**
   * Boot. The rule: the file is the base; the last MappingChanged in the stream, if any, replaces it
   * whole (it carries the complete configuration). So once the configuration was changed at
   * runtime, editing the file changes nothing until a `Replace` change is sent.
   */
  static async restore(store: EventStore, fromFile: MappingConfig): Promise<MapperState> {
    const state = new MapperState(fromFile);
    await state.reloadMapping(store);
    const ref = await readLastEvent(store, REFERENCE_STREAM);
    if (ref) {
      const env = decodeRecorded(ref, OrgReferenceDataPublished.definition);
      state.references.set(env.connectionId, env.payload);
    }
    return state;
  }

  get mapping(): MappingConfig {
    return this.current;
  }

  /** The version of MAPPING_STREAM the configuration in memory reflects (0: the file's). */
  get mappingVersion(): number {
    return this.version;
  }

  /** The configuration and the stream version it reflects, as the decider takes them. */
  get mappingState(): MappingState {
    return { config: this.current, version: this.version };
  }

  setMapping(config: MappingConfig, version: number): void {
    this.current = config;
    this.version = version;
  }

  /** After another writer appended first: catch up with the stream. */
  async reloadMapping(store: EventStore): Promise<void> {
    const last = await readLastEvent(store, MAPPING_STREAM);
    if (!last) return;
    const env = decodeRecorded(last, MappingChanged.definition);
    try {
      // Each event carries the whole configuration: the state is the last event's, at its version.
      const state = evolveMapping({ config: this.current, version: last.streamVersion - 1 }, storedMappingEvent(env.payload.config, env.payload.requestedBy));
      this.setMapping(state.config, state.version);
    } catch (err) {
      // Never fall back to the file silently: documents would be mapped with a configuration nobody chose.
      throw new CodedError(
        'MAP.INVALID_CONFIG',
        `${MAPPING_STREAM} v${last.streamVersion} (event ${last.eventId}) is no longer a valid configuration: ${(err as Error).message}`,
        { cause: err },
      );
    }
  }

  /**
   * A deployment serves one LNB connection, connected to one Xero organisation; documents carry their
   * connection, so the latest reference data is kept per connection (a reconnect to another Xero
   * organisation replaces it).
   */
  referenceFor(connectionId: string): OrgReferenceData | undefined {
    return this.references.get(connectionId);
  }

  setReference(connectionId: string, reference: OrgReferenceData): void {
    this.references.set(connectionId, reference);
  }

  /** Runs `fn` after every change queued before it: each change applies to the result of the previous one. */
  serially<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }
}
