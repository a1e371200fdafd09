// A Xero-ready document in xero-node's model shape (camelCase; xero-node serialises to Xero's
// PascalCase), as the mapper emits it and the exporter sends it.
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsNumber, IsOptional, IsString, MaxLength, ValidateNested } from 'class-validator';

export class XeroTracking {
  @IsString() name!: string;
  @IsString() option!: string;
}

export class XeroLineItem {
  @IsString() description!: string;
  @IsNumber() quantity!: number;
  @IsNumber() unitAmount!: number;
  @IsOptional() @IsString() @MaxLength(30) itemCode?: string;
  @IsString() accountCode!: string;
  @IsString() taxType!: string;
  /** Set only where the mapper overrides Xero's computed tax (see the mapper's rounding rule). */
  @IsOptional() @IsNumber() taxAmount?: number;
  @IsOptional() @IsNumber() lineAmount?: number;
  @IsOptional() @IsNumber() discountRate?: number;
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(2)
  @ValidateNested({ each: true })
  @Type(() => XeroTracking)
  tracking?: XeroTracking[];
}

export class XeroAddress {
  @IsIn(['POBOX', 'STREET']) addressType!: 'POBOX' | 'STREET';
  @IsOptional() @IsString() addressLine1?: string;
  @IsOptional() @IsString() addressLine2?: string;
  @IsOptional() @IsString() city?: string;
  @IsOptional() @IsString() postalCode?: string;
  @IsOptional() @IsString() country?: string;
  @IsOptional() @IsString() attentionTo?: string;
}

/** The contact the document needs; the exporter finds or creates it (ContactNumber = retailer reference). */
export class XeroContact {
  @IsString() @MaxLength(50) contactNumber!: string;
  @IsString() @MaxLength(255) name!: string;
  @IsOptional() @IsString() emailAddress?: string;
  @IsOptional() @IsString() taxNumber?: string;
  @IsOptional() @IsString() firstName?: string;
  @IsOptional() @IsArray() @ValidateNested({ each: true }) @Type(() => XeroAddress) addresses?: XeroAddress[];
}

export class XeroDocument {
  @IsIn(['ACCREC', 'ACCRECCREDIT']) type!: 'ACCREC' | 'ACCRECCREDIT';
  /** InvoiceNumber for ACCREC, CreditNoteNumber for ACCRECCREDIT. */
  @IsString() @MaxLength(255) number!: string;
  @IsOptional() @IsString() reference?: string;
  @IsString() date!: string;
  @IsOptional() @IsString() dueDate?: string;
  @IsString() currencyCode!: string;
  @IsIn(['DRAFT', 'SUBMITTED', 'AUTHORISED']) status!: 'DRAFT' | 'SUBMITTED' | 'AUTHORISED';
  @IsIn(['Exclusive', 'Inclusive', 'NoTax']) lineAmountTypes!: 'Exclusive' | 'Inclusive' | 'NoTax';
  @IsOptional() @IsString() brandingThemeID?: string;
  @IsArray() @ValidateNested({ each: true }) @Type(() => XeroLineItem) lineItems!: XeroLineItem[];
  /** What Xero will compute (tax per line rounded, then summed), equal to LNB's total to the cent. */
  @IsNumber() expectedTotal!: number;
  /** 4 when a unit price has more than 2 decimals (sent as Xero's unitdp). */
  @IsIn([2, 4]) unitdp!: 2 | 4;
}
