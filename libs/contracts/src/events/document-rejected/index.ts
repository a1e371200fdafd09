import { Type } from 'class-transformer';
import { ArrayMinSize, IsArray, IsIn, IsNotEmpty, IsString, ValidateNested } from 'class-validator';
import { DOCUMENT_TYPES, DocumentType, RUN_MODES, RunMode } from '../../common/flow';
import { Problem } from '../../common/problem';
import { defineEvent } from '../../define-event';

export namespace DocumentRejected {
  export class Value {
    @IsString() @IsNotEmpty() documentKey!: string;
    @IsIn(DOCUMENT_TYPES) documentType!: DocumentType;
    @IsString() @IsNotEmpty() revision!: string;
    @IsString() runId!: string;
    @IsIn(RUN_MODES) mode!: RunMode;
    /** Every reason at once, not just the first. */
    @IsArray() @ArrayMinSize(1) @ValidateNested({ each: true }) @Type(() => Problem) problems!: Problem[];
  }
  export const definition = defineEvent({
    type: 'DocumentRejected',
    schemaVersion: 1,
    topic: 'mapper.document.rejected.v1',
    Value,
    kind: 'event',
  });
}
