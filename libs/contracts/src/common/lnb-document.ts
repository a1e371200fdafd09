// The LNB document as carried by a detected event: the API's fields (snake_case, as LNB sends them)
// plus what the poller adds (each line's EAN13 from its order item, the retailer). Only shapes are
// checked here; business defects (a missing EAN13, a missing retailer reference) are the mapper's to
// report with plain reasons, so a defective document still decodes.
import { Type } from 'class-transformer';
import { IsArray, IsBoolean, IsNumber, IsOptional, IsString, ValidateNested } from 'class-validator';

export class LnbAddress {
  @IsOptional() @IsString() reference?: string | null;
  @IsOptional() @IsString() company?: string | null;
  @IsOptional() @IsString() country?: string | null;
  @IsOptional() @IsString() contact_name?: string | null;
  @IsOptional() @IsString() contact_email?: string | null;
  @IsOptional() @IsString() tel?: string | null;
  @IsOptional() @IsString() address_1?: string | null;
  @IsOptional() @IsString() address_2?: string | null;
  @IsOptional() @IsString() zipcode?: string | null;
  @IsOptional() @IsString() city?: string | null;
  @IsOptional() @IsString() vat_number?: string | null;
}

export class LnbDocumentItem {
  @IsOptional() @IsString() description?: string | null;
  @IsOptional() @IsString() product_name?: string | null;
  @IsOptional() @IsString() variant_reference?: string | null;
  @IsOptional() @IsString() variant_color?: string | null;
  @IsOptional() @IsString() size?: string | null;
  @IsOptional() @IsString() sku?: string | null;
  @IsNumber() unit_price!: number;
  @IsNumber() quantity!: number;
  @IsNumber() amount_tax_excl!: number;
  /** Added by the poller from the order item with the same SKU; null when the order item has none. */
  @IsOptional() @IsString() ean13?: string | null;
  /** Added by the poller from the order item (e.g. "SS27 Main"), for tracking categories. */
  @IsOptional() @IsString() collection_name?: string | null;
}

/** The retailer (the brand's customer), as the poller found it: becomes the Xero contact. */
export class LnbRetailer {
  @IsOptional() @IsString() reference?: string | null;
  @IsOptional() @IsString() name?: string | null;
  @IsOptional() @IsString() email?: string | null;
  @IsOptional() @IsString() vat_number?: string | null;
  @IsOptional() @ValidateNested() @Type(() => LnbAddress) billing_address?: LnbAddress | null;
}

export class LnbDocument {
  @IsString() reference_number!: string;
  @IsOptional() @IsString() status?: string | null;
  @IsOptional() @IsString() create_time?: string | null;
  @IsOptional() @IsString() update_time?: string | null;
  @IsOptional() @IsString() invoice_on?: string | null;
  @IsOptional() @IsString() due_on?: string | null;
  @IsOptional() @IsString() price_list_code?: string | null;
  @IsOptional() @IsString() purchase_order_reference?: string | null;
  @IsOptional() @IsString() order_reference?: string | null;
  @IsOptional() @IsString() retailer_reference?: string | null;
  @IsOptional() @IsString() retailer_name?: string | null;
  @IsOptional() @IsString() currency_code?: string | null;
  @IsOptional() @IsNumber() deposit_rate?: number | null;
  @IsOptional() @IsNumber() discount_rate?: number | null;
  @IsOptional() @IsNumber() tax_rate?: number | null;
  @IsOptional() @IsNumber() amount_order_tax_free?: number | null;
  @IsOptional() @IsNumber() amount_shipping_tax_free?: number | null;
  @IsOptional() @IsNumber() amount_discount_tax_free?: number | null;
  @IsOptional() @IsNumber() amount_tax?: number | null;
  @IsOptional() @IsNumber() amount_total_tax_inclusive?: number | null;
  @IsOptional() @IsNumber() amount_deposit?: number | null;
  @IsOptional() @IsNumber() amount_paid?: number | null;
  @IsOptional() @IsString() terms_of_payment?: string | null;
  @IsOptional() @ValidateNested() @Type(() => LnbAddress) billing_address?: LnbAddress | null;
  @IsOptional() @ValidateNested() @Type(() => LnbAddress) delivery_address?: LnbAddress | null;
  @IsArray() @ValidateNested({ each: true }) @Type(() => LnbDocumentItem) items!: LnbDocumentItem[];
  /** Credit notes only (ASSUMED endpoint): the invoice this credit note credits, when LNB says. */
  @IsOptional() @IsString() invoice_reference_number?: string | null;
  /** Credit notes: set by the poller after looking `invoice_reference_number` up in LNB (false: LNB has no such invoice). */
  @IsOptional() @IsBoolean() invoice_found?: boolean | null;
  /** The LNB PDF of the document, when LNB has one (sales documents' file_remote_url). */
  @IsOptional() @IsString() pdf_url?: string | null;
}

export const LNB_STATUSES = ['proforma', 'final', 'cancelled'] as const;
