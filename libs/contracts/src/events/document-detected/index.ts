import { Type } from 'class-transformer';
import { IsIn, IsNotEmpty, IsString, ValidateNested } from 'class-validator';
import { DOCUMENT_TYPES, DocumentType, RUN_MODES, RunMode } from '../../common/flow';
import { LnbDocument, LnbRetailer } from '../../common/lnb-document';
import { defineEvent } from '../../define-event';

/** Shared payload of InvoiceDetected and CreditNoteDetected: one new or changed revision of a document. */
export class DetectedDocumentValue {
  @IsString() @IsNotEmpty() documentKey!: string;
  @IsIn(DOCUMENT_TYPES) documentType!: DocumentType;
  /** A hash of the LNB content that matters; a new revision means the document changed. */
  @IsString() @IsNotEmpty() revision!: string;
  @IsString() runId!: string;
  @IsIn(RUN_MODES) mode!: RunMode;
  @ValidateNested() @Type(() => LnbDocument) document!: LnbDocument;
  @ValidateNested() @Type(() => LnbRetailer) retailer!: LnbRetailer;
}

export namespace InvoiceDetected {
  export class Value extends DetectedDocumentValue {}
  export const definition = defineEvent({
    type: 'InvoiceDetected',
    schemaVersion: 1,
    topic: 'lnb.invoice.detected.v1',
    Value,
    kind: 'event',
  });
}

export namespace CreditNoteDetected {
  export class Value extends DetectedDocumentValue {}
  export const definition = defineEvent({
    type: 'CreditNoteDetected',
    schemaVersion: 1,
    topic: 'lnb.credit-note.detected.v1',
    Value,
    kind: 'event',
  });
}
