import { Type } from 'class-transformer';
import { IsArray, IsIn, IsInt, IsISO8601, IsOptional, IsString, Min, ValidateNested } from 'class-validator';
import { FLOWS, Flow } from '../../common/flow';
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
  }
  export class Value {
    @IsString() runId!: string;
    @IsIn(FLOWS) flow!: Flow;
    @ValidateNested() @Type(() => Counts) counts!: Counts;
    @IsISO8601() completedAt!: string;
    /** What the run could not do but did not stop for, e.g. a named document LNB does not have. */
    @IsOptional() @IsArray() @ValidateNested({ each: true }) @Type(() => Problem) problems?: Problem[];
  }
  export const definition = defineEvent({
    type: 'RunCompleted', schemaVersion: 1, topic: 'lnb.run.completed.v1', Value, kind: 'event',
  });
}
