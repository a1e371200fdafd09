// A credit note's allocation to the invoice it credits: a step of its own after the export. Xero allocates
// only between approved (AUTHORISED) documents, so a credit note exported as DRAFT is in Xero and its
// allocation waits; waiting is not failing. The exporter re-checks waiting allocations and says what
// became of each: allocated (perhaps only up to what the invoice still owed), or not possible and why.
import { ArrayNotEmpty, IsArray, IsIn, IsISO8601, IsNotEmpty, IsNumber, IsOptional, IsString, Matches, Min, ArrayMaxSize } from 'class-validator';
import { Type } from 'class-transformer';
import { DOCUMENT_TYPES, DocumentType } from '../../common/flow';
import { defineEvent } from '../../define-event';

/** What a waiting allocation waits for. */
export const ALLOCATION_WAITS = ['credit_note_approval', 'invoice_approval', 'invoice_in_xero', 'xero_answer'] as const;
export type AllocationWait = (typeof ALLOCATION_WAITS)[number];

/** The Kafka key (and correlationId) of allocation checks asked for a connection: they belong to no run. */
export const allocationChecksKey = (connectionId: string): string => `${connectionId}:allocations`;

/** What every allocation event says of the credit note and its invoice. */
class AllocationSubject {
  /** The credit note's document key. */
  @IsString() @IsNotEmpty() documentKey!: string;
  @IsIn(DOCUMENT_TYPES) documentType!: DocumentType;
  @IsString() @IsNotEmpty() revision!: string;
  /** The run that exported the credit note (the allocation's lines go to its task log). */
  @IsString() runId!: string;
  @IsString() @IsNotEmpty() creditNoteNumber!: string;
  @IsString() @IsNotEmpty() creditNoteXeroId!: string;
  @IsString() @IsNotEmpty() invoiceNumber!: string;
  /** The whole story in plain words for a finance person. */
  @IsString() @IsNotEmpty() message!: string;
}

/** The credit note is in Xero; its allocation waits (for approvals in Xero, for its invoice, for Xero to answer). */
export namespace CreditNoteAllocationDeferred {
  export class Value extends AllocationSubject {
    @IsArray() @ArrayNotEmpty() @IsIn(ALLOCATION_WAITS, { each: true }) waitingFor!: AllocationWait[];
    /** When the exporter looks again (sooner when "Check allocations now" is pressed). */
    @IsISO8601({ strict: true }) nextCheckAt!: string;
  }
  export const definition = defineEvent({
    type: 'CreditNoteAllocationDeferred',
    schemaVersion: 1,
    topic: 'xero.allocation.deferred.v1',
    Value,
    kind: 'event',
  });
}

/** The credit note was allocated to its invoice (once: a re-check that finds it done says `already_allocated`). */
export namespace CreditNoteAllocated {
  export class Value extends AllocationSubject {
    @IsString() @IsNotEmpty() invoiceXeroId!: string;
    /** What was allocated, in the documents' currency. */
    @IsNumber() @Min(0) amount!: number;
    @IsString() @IsNotEmpty() currency!: string;
    /** Credit left on the credit note afterwards (the invoice owed less): it stays on the customer's account. */
    @IsNumber() @Min(0) remainingCredit!: number;
    /** allocated now, or found allocated already (by an earlier attempt, or by someone in Xero). */
    @IsIn(['allocated', 'already_allocated']) outcome!: 'allocated' | 'already_allocated';
  }
  export const definition = defineEvent({
    type: 'CreditNoteAllocated',
    schemaVersion: 1,
    topic: 'xero.allocation.allocated.v1',
    Value,
    kind: 'event',
  });
}

/** The allocation cannot be made (the invoice is paid, another contact or currency, a document voided): the credit note stays in Xero unallocated. */
export namespace CreditNoteLeftUnallocated {
  export class Value extends AllocationSubject {
    /** XERO.ALLOCATION_INVOICE_PAID, XERO.ALLOCATION_CONTACT_MISMATCH, XERO.ALLOCATION_CURRENCY_MISMATCH, XERO.ALLOCATION_VOIDED, XERO.ALLOCATION_NO_CREDIT_LEFT, XERO.ALLOCATION_REFUSED. */
    @Matches(/^[A-Z]+\.[A-Z0-9_]+$/, { message: 'code must look like DOMAIN.CODE' }) code!: string;
  }
  export const definition = defineEvent({
    type: 'CreditNoteLeftUnallocated',
    schemaVersion: 1,
    topic: 'xero.allocation.left-unallocated.v1',
    Value,
    kind: 'event',
  });
}

/** CheckAllocations: look at the connection's waiting allocations now ("Check allocations now" in the Integration Center). */
export namespace AllocationCheckRequested {
  export class Value {
    /** Who asked: an API key's name or a user. */
    @IsString() @IsNotEmpty() requestedBy!: string;
    /** Only these credit notes (LNB reference numbers); all waiting ones when absent. */
    @IsOptional() @IsArray() @ArrayMaxSize(1000) @IsString({ each: true }) @Type(() => String) documents?: string[];
  }
  export const definition = defineEvent({
    type: 'AllocationCheckRequested',
    schemaVersion: 1,
    topic: 'xero.allocation.check-requested.v1',
    Value,
    kind: 'command',
  });
}
