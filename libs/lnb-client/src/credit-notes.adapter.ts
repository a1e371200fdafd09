// ASSUMED: no SDK documents credit notes. Everything the client assumes about them lives here, so the
// day Le New Black publishes the real endpoint only this file changes.
import type { LnbCreditNote } from './model';

export const CREDIT_NOTES_PATH = '/credit_notes';

export const creditNotePath = (reference: string): string => `${CREDIT_NOTES_PATH}/${encodeURIComponent(reference)}`;

const DOCUMENT_AMOUNTS = [
  'amount_order_tax_free',
  'amount_shipping_tax_free',
  'amount_discount_tax_free',
  'amount_tax',
  'amount_total_tax_inclusive',
  'amount_deposit',
  'amount_paid',
] as const;

const positive = (value: unknown): unknown => (typeof value === 'number' ? Math.abs(value) : value);

/**
 * A credit note as the rest of the connector expects it: the invoice's shape with positive amounts
 * and quantities (should LNB send them negative) and `invoice_reference_number`, null when absent.
 */
export function creditNoteFromApi(raw: Record<string, unknown>): LnbCreditNote {
  const note: Record<string, unknown> = { ...raw, invoice_reference_number: raw.invoice_reference_number ?? null };
  for (const field of DOCUMENT_AMOUNTS) if (field in note) note[field] = positive(note[field]);
  if (Array.isArray(raw.items)) {
    note.items = raw.items.map((item: unknown) =>
      typeof item === 'object' && item !== null
        ? {
            ...item,
            quantity: positive((item as Record<string, unknown>).quantity),
            amount_tax_excl: positive((item as Record<string, unknown>).amount_tax_excl),
          }
        : item,
    );
  }
  return note as unknown as LnbCreditNote;
}
