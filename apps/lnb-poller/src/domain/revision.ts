import { createHash } from 'node:crypto';

/**
 * Fields that change without changing what goes to Xero: a new update_time, a payment recorded in
 * LNB. They stay out of the revision, so such a change does not export the document again.
 */
const VOLATILE = new Set(['create_time', 'update_time', 'paid_on', 'amount_paid']);

const ARRAY_INDEX = /^(?:0|[1-9]\d{0,9})$/;
const isArrayIndex = (key: string): boolean => {
  const c = key.charCodeAt(0);
  return c >= 48 && c <= 57 && ARRAY_INDEX.test(key) && Number(key) < 4294967295;
};

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
 * The sorted keys of every object shape met so far (the documents of a run share a handful of
 * shapes), keyed by their keys in insertion order: sorting again for each object of each document
 * was the largest part of hashing. Bounded: a run of odd shapes only stops being cached.
 */
interface Shape {
  /** The object's own keys, in insertion order: what a hit must match exactly (ids can collide). */
  own: string[];
  keys: string[];
  /** Each key as it is written: `"key":`. */
  written: string[];
}
const shapes = new Map<string, Shape>();
const MAX_SHAPES = 1000;
function sameKeys(a: string[], b: string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function shapeOf(value: object): Shape {
  const own = Object.keys(value);
  const id = own.join('\u0000');
  let shape = shapes.get(id);
  if (!shape || !sameKeys(shape.own, own)) {
    // The sorted copy could never hold a "__proto__" key (assigning it sets the prototype): left out too.
    const keys = canonicalKeys(value).filter((key) => !VOLATILE.has(key) && key !== '__proto__');
    shape = { own, keys, written: keys.map((key) => `${JSON.stringify(key)}:`) };
    if (shapes.size < MAX_SHAPES || shapes.has(id)) shapes.set(id, shape);
  }
  return shape;
}

/**
 * JSON with sorted keys and without the volatile fields, written in one pass (no sorted copy of the
 * document first: the poller hashes every document it sees). undefined where JSON.stringify omits.
 */
function canonicalJson(value: unknown): string | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i ? ',' : '') + (canonicalJson(value[i]) ?? 'null');
    return out + ']';
  }
  const { keys, written } = shapeOf(value);
  let out = '{';
  for (let i = 0; i < keys.length; i++) {
    const json = canonicalJson((value as Record<string, unknown>)[keys[i]]);
    if (json === undefined) continue;
    out += (out.length === 1 ? '' : ',') + written[i] + json;
  }
  return out + '}';
}

/** The revision of a document: a hash of the content that matters (document, lines with EAN13s, retailer). */
export function revisionOf(document: object, retailer: object): string {
  return createHash('sha256').update(canonicalJson({ document, retailer })!).digest('hex').slice(0, 32);
}

/**
 * A hash of a document as LNB listed it (the same canonical form, volatile fields left out): tells an
 * incremental run whether a document whose update_time moved changed in a way that matters.
 */
export function fingerprintOf(value: object): string {
  return createHash('sha256').update(canonicalJson(value)!).digest('hex').slice(0, 32);
}
