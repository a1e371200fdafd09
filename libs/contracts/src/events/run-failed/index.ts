import { Type } from 'class-transformer';
import { IsIn, IsISO8601, IsString, ValidateNested } from 'class-validator';
import { FLOWS, Flow } from '../../common/flow';
import { Problem } from '../../common/problem';
import { defineEvent } from '../../define-event';

export namespace RunFailed {
  export class Value {
    @IsString() runId!: string;
    @IsIn(FLOWS) flow!: Flow;
    /** Why, in plain words, with a stable code (LNB.UNAVAILABLE, LNB.AUTH_REFUSED, ...). */
    @ValidateNested() @Type(() => Problem) problem!: Problem;
    @IsISO8601() failedAt!: string;
  }
  export const definition = defineEvent({
    type: 'RunFailed',
    schemaVersion: 1,
    topic: 'lnb.run.failed.v1',
    Value,
    kind: 'event',
  });
}
