import { createHash } from 'node:crypto';

/**
 * Fields that change without changing what goes to Xero: a new update_time, a payment recorded in
 * LNB. They stay out of the revision, so such a change does not export the document again.
 */
const VOLATILE = new Set(['create_time', 'update_time', 'paid_on', 'amount_paid']);

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value as object).sort()) {
      if (VOLATILE.has(key)) continue;
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = canonical(v);
    }
    return out;
  }
  return value;
}

/** The revision of a document: a hash of the content that matters (document, lines with EAN13s, retailer). */
export function revisionOf(document: object, retailer: object): string {
  return createHash('sha256').update(JSON.stringify(canonical({ document, retailer }))).digest('hex').slice(0, 32);
}
