import { IsIn, IsISO8601, IsOptional, IsString } from 'class-validator';
import { FLOWS, Flow, RUN_MODES, RUN_SCOPES, RUN_TRIGGERS, RunMode, RunScope, RunTrigger } from '../../common/flow';
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
    /** What the run reads from LNB (absent from pollers older than incremental runs: they always read everything). */
    @IsOptional() @IsIn(RUN_SCOPES) scope?: RunScope;
    /** Why that scope, in plain words, e.g. "the weekly full re-check is due". */
    @IsOptional() @IsString() scopeReason?: string;
    /** Incremental: orders LNB updated since this time are read again (the last run's start less a safety overlap). */
    @IsOptional() @IsISO8601() changedSince?: string;
  }
  export const definition = defineEvent({
    type: 'RunStarted',
    schemaVersion: 1,
    topic: 'lnb.run.started.v1',
    Value,
    kind: 'event',
  });
}
