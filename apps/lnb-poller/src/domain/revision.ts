import { createHash } from 'node:crypto';

/**
 * Fields that change without changing what goes to Xero: a new update_time, a payment recorded in
 * LNB. They stay out of the revision, so such a change does not export the document again.
 */
const VOLATILE = new Set(['create_time', 'update_time', 'paid_on', 'amount_paid']);

const ARRAY_INDEX = /^(?:0|[1-9]\d{0,9})$/;
const isArrayIndex = (key: string): boolean => ARRAY_INDEX.test(key) && Number(key) < 4294967295;

/**
 * The keys of a canonical object in the order JSON.stringify wrote them when revisions were first
 * stored (a sorted copy, then stringified): array-index keys ascending first, as JS objects keep
 * them, then the others sorted. Stored revisions depend on this order.
 */
function canonicalKeys(value: object): string[] {
  const keys = Object.keys(value).sort();
  if (!keys.some(isArrayIndex)) return keys;
  const indexes = keys.filter(isArrayIndex).sort((a, b) => Number(a) - Number(b));
  return [...indexes, ...keys.filter((k) => !isArrayIndex(k))];
}

/**
 * JSON with sorted keys and without the volatile fields, written in one pass (no sorted copy of the
 * document first: the poller hashes every document it sees). undefined where JSON.stringify omits.
 */
function canonicalJson(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i ? ',' : '') + (canonicalJson(value[i]) ?? 'null');
    return out + ']';
  }
  let out = '{';
  let first = true;
  for (const key of canonicalKeys(value)) {
    // The sorted copy could never hold a "__proto__" key (assigning it sets the prototype): left out too.
    if (VOLATILE.has(key) || key === '__proto__') continue;
    const json = canonicalJson((value as Record<string, unknown>)[key]);
    if (json === undefined) continue;
    out += (first ? '' : ',') + JSON.stringify(key) + ':' + json;
    first = false;
  }
  return out + '}';
}

/** The revision of a document: a hash of the content that matters (document, lines with EAN13s, retailer). */
export function revisionOf(document: object, retailer: object): string {
  return createHash('sha256').update(canonicalJson({ document, retailer })!).digest('hex').slice(0, 32);
}
