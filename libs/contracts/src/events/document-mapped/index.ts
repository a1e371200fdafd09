import { Type } from 'class-transformer';
import { IsArray, IsIn, IsNotEmpty, IsOptional, IsString, ValidateNested } from 'class-validator';
import { DOCUMENT_TYPES, DocumentType, RUN_MODES, RunMode } from '../../common/flow';
import { Problem } from '../../common/problem';
import { XeroContact, XeroDocument } from '../../common/xero-document';
import { defineEvent } from '../../define-event';

export namespace DocumentMapped {
  export class Value {
    @IsString() @IsNotEmpty() documentKey!: string;
    @IsIn(DOCUMENT_TYPES) documentType!: DocumentType;
    @IsString() @IsNotEmpty() revision!: string;
    @IsString() runId!: string;
    @IsIn(RUN_MODES) mode!: RunMode;
    @ValidateNested() @Type(() => XeroDocument) xero!: XeroDocument;
    @ValidateNested() @Type(() => XeroContact) contact!: XeroContact;
    /** Credit notes: the Xero InvoiceNumber of the invoice to allocate to, when known. */
    @IsOptional() @IsString() allocateToInvoiceNumber?: string;
    /** The LNB PDF to attach, when LNB has one and attachments are on. */
    @IsOptional() @IsString() pdfUrl?: string;
    /** Warnings that did not stop the mapping (e.g. a credit note whose invoice is unknown). */
    @IsArray() @ValidateNested({ each: true }) @Type(() => Problem) warnings!: Problem[];
  }
  export const definition = defineEvent({
    type: 'DocumentMapped',
    schemaVersion: 1,
    topic: 'mapper.document.mapped.v1',
    Value,
    kind: 'event',
  });
}
