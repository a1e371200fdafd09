import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsBoolean, IsIn, IsOptional, IsString } from 'class-validator';
import { FLOWS, Flow, RUN_MODES, RUN_TRIGGERS, RunMode, RunTrigger } from '../../common/flow';
import { defineEvent } from '../../define-event';

/** RequestRun: start a run of one flow, now. Sent by monitor-api (button, REST) or the poller's scheduler. */
export namespace RunRequested {
  export class Value {
    /** The new run's id; the correlationId of everything the run causes. */
    @IsString() runId!: string;
    @IsIn(FLOWS) flow!: Flow;
    @IsIn(RUN_MODES) mode!: RunMode;
    @IsIn(RUN_TRIGGERS) trigger!: RunTrigger;
    /** Exact LNB reference numbers: bypasses the selection rules, never the hold-back list. */
    @IsOptional() @IsArray() @ArrayMaxSize(1000) @IsString({ each: true }) @Type(() => String) documents?: string[];
    /** Who asked: an API key's name, "schedule", a user. */
    @IsString() requestedBy!: string;
    /**
     * "Full re-check": read every document and its order again, as the first run did, instead of
     * only what changed in LNB since the last run. Ignored by a run that names documents.
     */
    @IsOptional() @IsBoolean() fullRecheck?: boolean;
  }
  export const definition = defineEvent({
    type: 'RunRequested',
    schemaVersion: 1,
    topic: 'lnb.run.requested.v1',
    Value,
    kind: 'command',
  });
}
