import { IsBoolean, IsIn, IsNotEmpty, IsNumber, IsOptional, IsString } from 'class-validator';
import { DOCUMENT_TYPES, DocumentType } from '../../common/flow';
import { defineEvent } from '../../define-event';

export namespace DocumentExported {
  export class Value {
    @IsString() @IsNotEmpty() documentKey!: string;
    @IsIn(DOCUMENT_TYPES) documentType!: DocumentType;
    @IsString() @IsNotEmpty() revision!: string;
    @IsString() runId!: string;
    @IsString() xeroTenantId!: string;
    @IsString() xeroId!: string;
    @IsString() number!: string;
    /** A deep link that opens the document in Xero. */
    @IsString() url!: string;
    @IsNumber() subTotal!: number;
    @IsNumber() totalTax!: number;
    @IsNumber() total!: number;
    /** Created now (created), updated (updated), or found already in Xero and linked (already_present). */
    @IsIn(['created', 'updated', 'already_present']) outcome!: 'created' | 'updated' | 'already_present';
    @IsOptional() @IsBoolean() allocated?: boolean;
  }
  export const definition = defineEvent({
    type: 'DocumentExported',
    schemaVersion: 1,
    topic: 'xero.document.exported.v1',
    Value,
    kind: 'event',
  });
}
