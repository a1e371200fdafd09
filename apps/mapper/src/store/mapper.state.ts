// What the mapper holds between documents, per connection (brand): its mapping configuration and its Xero
// reference data. Both live in the mapper's own event streams, one pair per connection, so a restart
// resumes where it was.
import { CodedError, MappingChanged, OrgReferenceDataPublished } from '@lnbx/contracts';
import { decodeRecorded, type EventStore } from '@lnbx/event-store';
import { evolveMapping, MappingConfig, MappingState, OrgReferenceData, storedMappingEvent } from '../domain';
import { readLastEvent } from './last-event';

const MAPPING_PREFIX = 'mapping-config-';
const REFERENCE_PREFIX = 'org-reference-';

/** A connection's accepted mapping changes, each carrying the whole configuration after it. */
export const mappingStream = (connectionId: string): string => `${MAPPING_PREFIX}${connectionId}`;
/** A connection's reference-data snapshots; kept without a topic (the exporter already published them). */
export const referenceStream = (connectionId: string): string => `${REFERENCE_PREFIX}${connectionId}`;
/** The prefixes of the streams `restore` reads (the caller lists the streams that start with them). */
export const STATE_STREAM_PREFIXES = [MAPPING_PREFIX, REFERENCE_PREFIX] as const;

export class MapperState {
  private readonly mappings = new Map<string, MappingState>();
  private readonly references = new Map<string, OrgReferenceData>();
  private readonly queues = new Map<string, Promise<unknown>>();

  /** `fromFile`: the deployment's default mapping, every connection's until a change is recorded for it. */
  constructor(private readonly fromFile: MappingConfig) {}

  /**
   * Boot, from every connection's streams (`streamIds`: the stored streams that start with one of
   * STATE_STREAM_PREFIXES). The rule, per connection: the file is the base; the last MappingChanged
   * in the connection's stream, if any, replaces it whole (it carries the complete configuration). So
   * once a connection's configuration was changed at runtime, editing the file changes nothing for it
   * until a `Replace` change is sent; connections never changed follow the file.
   */
  static async restore(store: EventStore, fromFile: MappingConfig, streamIds: string[]): Promise<MapperState> {
    const state = new MapperState(fromFile);
    for (const id of streamIds) {
      if (id.startsWith(MAPPING_PREFIX)) await state.reloadMapping(store, id.slice(MAPPING_PREFIX.length));
      if (id.startsWith(REFERENCE_PREFIX)) {
        const last = await readLastEvent(store, id);
        if (!last) continue;
        const env = decodeRecorded(last, OrgReferenceDataPublished.definition);
        state.references.set(env.connectionId, env.payload);
      }
    }
    return state;
  }

  /** The connection's configuration and the version of its stream it reflects (0: the file's), as the decider takes them. */
  mappingFor(connectionId: string): MappingState {
    return this.mappings.get(connectionId) ?? { config: this.fromFile, version: 0 };
  }

  /** Where each connection changed at runtime has its configuration from, for the boot log. */
  mappingSources(): Record<string, string> {
    return Object.fromEntries([...this.mappings].map(([id, m]) => [id, `${mappingStream(id)} v${m.version}`]));
  }

  setMapping(connectionId: string, state: MappingState): void {
    this.mappings.set(connectionId, state);
  }

  /** At boot, or after another writer appended first: catch up with the connection's stream. */
  async reloadMapping(store: EventStore, connectionId: string): Promise<void> {
    const stream = mappingStream(connectionId);
    const last = await readLastEvent(store, stream);
    if (!last) return;
    const env = decodeRecorded(last, MappingChanged.definition);
    try {
      // Each event carries the whole configuration: the state is the last event's, at its version.
      const state = evolveMapping({ config: this.fromFile, version: last.streamVersion - 1 }, storedMappingEvent(env.payload.config, env.payload.requestedBy));
      this.setMapping(connectionId, state);
    } catch (err) {
      // Never fall back to the file silently: documents would be mapped with a configuration nobody chose.
      throw new CodedError(
        'MAP.INVALID_CONFIG',
        `${stream} v${last.streamVersion} (event ${last.eventId}) is no longer a valid configuration: ${(err as Error).message}`,
        { cause: err },
      );
    }
  }

  /**
   * Documents carry their connection, and each connection is connected to one Xero organisation: the
   * latest reference data is kept per connection (a reconnect to another organisation replaces it).
   */
  referenceFor(connectionId: string): OrgReferenceData | undefined {
    return this.references.get(connectionId);
  }

  setReference(connectionId: string, reference: OrgReferenceData): void {
    this.references.set(connectionId, reference);
  }

  /**
   * Runs `fn` after every change of the same connection queued before it: each change applies to the
   * result of the previous one. Connections do not wait for each other.
   */
  serially<T>(connectionId: string, fn: () => Promise<T>): Promise<T> {
    const run = (this.queues.get(connectionId) ?? Promise.resolve()).then(fn, fn);
    const settled = run.catch(() => undefined);
    this.queues.set(connectionId, settled);
    // The queue of a connection with nothing pending is dropped, so the map holds only live ones.
    void settled.then(() => {
      if (this.queues.get(connectionId) === settled) this.queues.delete(connectionId);
    });
    return run;
  }
}
