import { Type } from 'class-transformer';
import { IsArray, IsIn, IsInt, IsISO8601, IsOptional, IsString, Min, ValidateNested } from 'class-validator';
import { FLOWS, Flow, RUN_SCOPES, RunScope } from '../../common/flow';
import { Problem } from '../../common/problem';
import { defineEvent } from '../../define-event';

export namespace RunCompleted {
  export class Counts {
    /** Documents LNB listed. */
    @IsInt() @Min(0) seen!: number;
    /** Passed the selection rules (or named by the run). */
    @IsInt() @Min(0) selected!: number;
    /** New or changed revisions published as detected events. */
    @IsInt() @Min(0) emitted!: number;
    /** Selected, but this revision was already published. */
    @IsInt() @Min(0) unchanged!: number;
    @IsInt() @Min(0) excludedBySelection!: number;
    @IsInt() @Min(0) heldBack!: number;
    /**
     * Selected documents whose order (and retailer) were read from LNB this run; the other selected
     * ones were known unchanged from the listing alone. Absent from pollers older than incremental runs.
     */
    @IsOptional() @IsInt() @Min(0) enriched?: number;
  }
  export class Value {
    @IsString() runId!: string;
    @IsIn(FLOWS) flow!: Flow;
    @ValidateNested() @Type(() => Counts) counts!: Counts;
    @IsISO8601() completedAt!: string;
    /** What the run could not do but did not stop for, e.g. a named document LNB does not have. */
    @IsOptional() @IsArray() @ValidateNested({ each: true }) @Type(() => Problem) problems?: Problem[];
    /** What the run read from LNB (see RunStarted.scope). */
    @IsOptional() @IsIn(RUN_SCOPES) scope?: RunScope;
    /** Incremental: the orders LNB listed as updated since RunStarted.changedSince. */
    @IsOptional() @IsInt() @Min(0) changedOrders?: number;
    /** Requests the run sent to LNB, retries and token requests included. */
    @IsOptional() @IsInt() @Min(0) lnbRequests?: number;
  }
  export const definition = defineEvent({
    type: 'RunCompleted',
    schemaVersion: 1,
    topic: 'lnb.run.completed.v1',
    Value,
    kind: 'event',
  });
}
