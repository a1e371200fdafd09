// What is wrong with a document as it stands now, in the plain words the demo and the mapper's tests
// show. Generated documents carry at most one planned defect; changed ones are judged on content.
import { KNOWN_TAX_RATES } from './catalogue';
import type { DefectKind } from './generator';

export interface Defect {
  kind: DefectKind;
  detail: string;
}

interface InspectedLine {
  sku: string | null;
  quantity: number;
}

export interface InspectedDocument {
  reference_number: string;
  order_reference: string | null;
  retailer_reference: string | null;
  retailer_name: string | null;
  tax_rate: number;
  items: InspectedLine[];
  invoice_reference_number?: string | null;
}

export interface InspectionLookups {
  order(reference: string): { items: { sku: string | null; ean13: string | null }[] } | undefined;
  invoiceExists(reference: string): boolean;
}

export function inspectDocument(doc: InspectedDocument, lookups: InspectionLookups): Defect[] {
  const defects: Defect[] = [];
  if (!doc.retailer_reference) {
    defects.push({ kind: 'MISSING_RETAILER_REFERENCE', detail: `no retailer reference (retailer name "${doc.retailer_name ?? ''}")` });
  }
  if (!KNOWN_TAX_RATES.includes(doc.tax_rate)) {
    defects.push({ kind: 'UNKNOWN_TAX_RATE', detail: `unknown tax rate ${doc.tax_rate}% (known: ${KNOWN_TAX_RATES.join(', ')})` });
  }
  doc.items.forEach((line, i) => {
    if (line.quantity === 0) defects.push({ kind: 'ZERO_QUANTITY_LINE', detail: `line ${i + 1} (SKU ${line.sku ?? '?'}) has quantity 0` });
  });
  const order = doc.order_reference ? lookups.order(doc.order_reference) : undefined;
  for (const line of doc.items) {
    const sku = line.sku ?? '?';
    if (!order) {
      defects.push({ kind: 'MISSING_EAN13', detail: `missing EAN13 for SKU ${sku}: order ${doc.order_reference ?? '(none)'} not found` });
      continue;
    }
    const item = order.items.find((candidate) => candidate.sku === line.sku);
    if (!item) defects.push({ kind: 'MISSING_EAN13', detail: `missing EAN13 for SKU ${sku}: no such item in order ${doc.order_reference}` });
    else if (!item.ean13) defects.push({ kind: 'MISSING_EAN13', detail: `missing EAN13 for SKU ${sku} (order ${doc.order_reference})` });
  }
  const credited = doc.invoice_reference_number;
  if (credited && !lookups.invoiceExists(credited)) {
    defects.push({ kind: 'CREDITED_INVOICE_NOT_FOUND', detail: `credits invoice ${credited}, which does not exist` });
  }
  return defects;
}
