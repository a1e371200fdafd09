import { IsObject, IsString } from 'class-validator';
import { defineEvent } from '../../define-event';

/** ChangeMapping, from monitor-api: a partial mapping configuration; the mapper checks and applies it. */
export namespace MappingChangeRequested {
  export class Value {
    @IsObject() change!: Record<string, unknown>;
    @IsString() requestedBy!: string;
  }
  export const definition = defineEvent({
    type: 'MappingChangeRequested',
    schemaVersion: 1,
    topic: 'mapper.mapping.change-requested.v1',
    Value,
    kind: 'command',
  });
}

/** The mapper's configuration after a change it accepted (the whole configuration). */
export namespace MappingChanged {
  export class Value {
    @IsObject() config!: Record<string, unknown>;
    @IsString() requestedBy!: string;
  }
  export const definition = defineEvent({
    type: 'MappingChanged',
    schemaVersion: 1,
    topic: 'mapper.mapping.changed.v1',
    Value,
    kind: 'event',
  });
}
