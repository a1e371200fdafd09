import type { ClassConstructor } from 'class-transformer';

/** One event (or command travelling as an event): its name, its version, its topic and its payload DTO. */
export interface EventDefinition<V extends object = object> {
  readonly type: string;
  readonly schemaVersion: number;
  /** `<domain>.<entity>.<event>.v<N>`; a breaking change is a new version and a new topic. */
  readonly topic: string;
  readonly Value: ClassConstructor<V>;
  /** Commands are imperative requests (RequestRun travels as RunRequested); events are facts. */
  readonly kind: 'event' | 'command';
}

export function defineEvent<V extends object>(d: EventDefinition<V>): EventDefinition<V> {
  if (!new RegExp(`\\.v${d.schemaVersion}$`).test(d.topic)) {
    throw new Error(`topic ${d.topic} does not end with .v${d.schemaVersion}`);
  }
  return Object.freeze({ ...d });
}
