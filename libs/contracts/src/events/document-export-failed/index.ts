import { Type } from 'class-transformer';
import { IsArray, IsBoolean, IsIn, IsInt, IsNotEmpty, IsString, Min, ValidateNested } from 'class-validator';
import { DOCUMENT_TYPES, DocumentType } from '../../common/flow';
import { Problem } from '../../common/problem';
import { defineEvent } from '../../define-event';

export namespace DocumentExportFailed {
  export class Value {
    @IsString() @IsNotEmpty() documentKey!: string;
    @IsIn(DOCUMENT_TYPES) documentType!: DocumentType;
    @IsString() @IsNotEmpty() revision!: string;
    @IsString() runId!: string;
    /** Xero's messages mapped to stable codes (XERO.VALIDATION, XERO.RATE_LIMITED, ...). */
    @IsArray() @ValidateNested({ each: true }) @Type(() => Problem) problems!: Problem[];
    @IsBoolean() retriable!: boolean;
    @IsInt() @Min(1) attempt!: number;
  }
  export const definition = defineEvent({
    type: 'DocumentExportFailed',
    schemaVersion: 1,
    topic: 'xero.document.export-failed.v1',
    Value,
    kind: 'event',
  });
}
