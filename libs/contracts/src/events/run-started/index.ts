import { IsIn, IsISO8601, IsOptional, IsString } from 'class-validator';
import { FLOWS, Flow, RUN_MODES, RUN_TRIGGERS, RunMode, RunTrigger } from '../../common/flow';
import { defineEvent } from '../../define-event';

export namespace RunStarted {
  export class Value {
    @IsString() runId!: string;
    @IsIn(FLOWS) flow!: Flow;
    @IsIn(RUN_MODES) mode!: RunMode;
    @IsIn(RUN_TRIGGERS) trigger!: RunTrigger;
    @IsString() requestedBy!: string;
    @IsISO8601() startedAt!: string;
    /** The poller instance that took the run. */
    @IsOptional() @IsString() worker?: string;
  }
  export const definition = defineEvent({
    type: 'RunStarted', schemaVersion: 1, topic: 'lnb.run.started.v1', Value, kind: 'event',
  });
}
