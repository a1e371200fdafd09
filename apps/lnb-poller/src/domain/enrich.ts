import type { LnbDocument, LnbRetailer as RetailerDto } from '@lnbx/contracts';

/** The LNB shapes the poller reads (structural: the client's model fits them). */
export interface OrderLike {
  collection_name?: string | null;
  items: { sku: string | null; ean13: string | null; collection_name?: string | null }[];
}
export interface AddressLike {
  contact_email?: string | null;
  vat_number?: string | null;
}
export interface RetailerLike {
  reference: string;
  name: string;
  billing_address: AddressLike | null;
  buyers?: { email: string | null }[];
}

/**
 * The document as the detected event carries it: each line gets the EAN13 (and collection) of the
 * order item with the same SKU; a line whose order item has none gets null, for the mapper to report.
 */
export function enrichDocument<D extends { items: { sku: string | null }[] }>(doc: D, order: OrderLike | null): LnbDocument {
  const bySku = new Map<string, { ean13: string | null; collection_name?: string | null }>();
  for (const item of order?.items ?? []) if (item.sku && !bySku.has(item.sku)) bySku.set(item.sku, item);
  return {
    ...(doc as unknown as LnbDocument),
    items: doc.items.map((line) => {
      const match = line.sku ? bySku.get(line.sku) : undefined;
      return {
        ...(line as unknown as LnbDocument['items'][number]),
        ean13: match?.ean13 ?? null,
        collection_name: match?.collection_name ?? order?.collection_name ?? null,
      };
    }),
  };
}

/** The retailer as the contact needs it; falls back to the invoice's own fields when LNB has no retailer. */
export function describeRetailer(
  retailer: RetailerLike | null,
  doc: { retailer_reference?: string | null; retailer_name?: string | null; billing_address?: unknown },
): RetailerDto {
  const billing = (retailer?.billing_address ?? doc.billing_address ?? null) as AddressLike | null;
  return {
    reference: retailer?.reference ?? doc.retailer_reference ?? null,
    name: retailer?.name ?? doc.retailer_name ?? null,
    email: billing?.contact_email ?? retailer?.buyers?.find((b) => b.email)?.email ?? null,
    vat_number: billing?.vat_number ?? null,
    billing_address: billing as unknown as RetailerDto['billing_address'],
  };
}
