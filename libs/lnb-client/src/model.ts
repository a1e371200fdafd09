// Le New Black Wholesale API v2 documents as the API sends them (snake_case, amounts as floats).
// Field lists follow the PHP SDK (see docs); every ASSUMED shape is marked where it is declared.

export interface LnbAddress {
  reference: string | null;
  company: string | null;
  country: string | null;
  contact_name: string | null;
  contact_email: string | null;
  tel: string | null;
  address_1: string | null;
  address_2: string | null;
  zipcode: string | null;
  city: string | null;
  vat_number: string | null;
}

/** Invoice lines carry no EAN13: it is found on the order item with the same `sku`. */
export interface LnbInvoiceItem {
  create_time: string | null;
  update_time: string | null;
  description: string | null;
  product_name: string | null;
  variant_reference: string | null;
  variant_color: string | null;
  variant_composition: string | null;
  variant_fabric_print: string | null;
  variant_made_in: string | null;
  size: string | null;
  sku: string | null;
  unit_price: number;
  quantity: number;
  amount_tax_excl: number;
}

/** ASSUMED values: the help centre says pro forma first, final later; the API's words are undocumented. */
export type LnbInvoiceStatus = 'proforma' | 'final' | 'cancelled';
export const LNB_INVOICE_STATUSES: readonly LnbInvoiceStatus[] = ['proforma', 'final', 'cancelled'];

export interface LnbInvoice {
  reference_number: string;
  create_time: string | null;
  update_time: string | null;
  invoice_on: string | null;
  due_on: string | null;
  paid_on: string | null;
  shipping_start_on: string | null;
  shipping_end_on: string | null;
  /** Typed as string: an unknown status must reach the mapper, which rejects it in plain words. */
  status: string;
  price_list_code: string | null;
  purchase_order_reference: string | null;
  order_reference: string | null;
  retailer_reference: string | null;
  retailer_name: string | null;
  delivery_incoterm_ref: string | null;
  currency_code: string;
  deposit_rate: number | null;
  discount_rate: number | null;
  /** One rate per invoice, in percent (20, 5.5, 0...). */
  tax_rate: number;
  amount_order_tax_free: number;
  amount_shipping_tax_free: number;
  amount_discount_tax_free: number;
  amount_tax: number;
  amount_total_tax_inclusive: number;
  amount_deposit: number | null;
  amount_paid: number | null;
  terms_of_delivery: string | null;
  terms_of_payment: string | null;
  billing_address: LnbAddress | null;
  delivery_address: LnbAddress | null;
  items: LnbInvoiceItem[];
}

/**
 * ASSUMED (no SDK has credit notes): the invoice's shape, positive amounts, plus the invoice it
 * credits, which may be null. The endpoint and the normalising live in credit-notes.adapter.ts.
 */
export interface LnbCreditNote extends LnbInvoice {
  invoice_reference_number: string | null;
}

export interface LnbOrderItem {
  collection_name: string | null;
  name: string | null;
  reference: string | null;
  color: string | null;
  size: string | null;
  unit_price: number;
  quantity: number;
  discount_rate: number | null;
  discount_amount: number | null;
  recommended_retail_price: number | null;
  ean13: string | null;
  sku: string | null;
  sku_extra_1: string | null;
}

/** ASSUMED header fields (the SDKs document the filters and the item fields only). */
export interface LnbOrder {
  reference: string;
  /** ASSUMED snake_case of the UI's statuses: draft, open_for_buyer, open_for_brand, confirmed, invoicing, closed, canceled. */
  status: string | null;
  order_time: string | null;
  confirmation_time: string | null;
  update_time: string | null;
  retailer_reference: string | null;
  retailer_name: string | null;
  currency_code: string | null;
  collection_name: string | null;
  items: LnbOrderItem[];
}

/** ASSUMED shape of a buyer (the SDKs name the list only). */
export interface LnbBuyer {
  name: string | null;
  email: string | null;
}

export interface LnbRetailer {
  reference: string;
  name: string;
  price_list_code: string | null;
  terms_of_payment: string | null;
  terms_of_delivery: string | null;
  discount_rate: number | null;
  sales_rep_email: string | null;
  extra_1: string | null;
  extra_2: string | null;
  extra_3: string | null;
  extra_4: string | null;
  extra_5: string | null;
  extra_6: string | null;
  extra_7: string | null;
  extra_8: string | null;
  extra_9: string | null;
  store_address: LnbAddress | null;
  billing_address: LnbAddress | null;
  delivery_addresses: LnbAddress[];
  buyers: LnbBuyer[];
}

export interface LnbApiVersion {
  name: string;
  version: string;
}

export interface LnbAccessToken {
  access_token: string;
  expire_on: string;
  scope: string;
  token_type: string;
}

/** The EAN13 of an invoice line, from its order's item with the same SKU; null when there is none. */
export function ean13ForSku(order: Pick<LnbOrder, 'items'>, sku: string | null): string | null {
  if (!sku) return null;
  const item = order.items.find((candidate) => candidate.sku === sku);
  return item?.ean13 ? item.ean13 : null;
}
