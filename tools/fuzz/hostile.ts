// The dictionary of hostile values the fuzz tests send besides what the schemas allow: what broke the
// services before (issue 15: NUL, impossible dates, numbers past bigint, JSON 10,000 levels deep) and
// the usual suspects (control characters, overlong text, injection strings, Unicode oddities, wrong types).

/** Text as the server decodes it; sent percent-encoded in a URL and as a JSON string in a body. */
export const HOSTILE_TEXT: readonly string[] = [
  // NUL and control characters
  '\u0000', 'INV-\u00001', '%00', '\u0001', '\u0007', '\b', '\t', '\n', '\r\nX-Injected: 1', '\u000b', '\u000c',
  '\u001b[31mred\u001b[0m', '\u001b]0;title\u0007', '\u001b[2J', '\u007f', '\u0085', '\u009b31m',
  // overlong
  'x'.repeat(121), 'x'.repeat(201), 'x'.repeat(257), 'x'.repeat(1001), 'x'.repeat(5000), 'é'.repeat(1200),
  // impossible and odd dates
  '2026-02-30', '2026-13-45', '2025-02-29', '0000-00-00', '2026-2-3', '2026-02-3', '+002026-01-01', '2026-01-01T00:00:00Z',
  '9999-99-99', '2026-00-10', '2026-04-31', '31/12/2026', '2026/12/31', '１２３', '2026-01-01\u0000',
  '/Date(99999999999999999)/', '/Date(-8640000000000001)/', '275760-09-14', '-000001-01-01',
  // numbers a parser may read too kindly, or past every integer type
  '1e20', '9223372036854775808', '-9223372036854775809', '9007199254740993', '99999999999999999999999', '1e300', '1.5', '-1', '0',
  '-0', '1.0', 'NaN', 'Infinity', '-Infinity', '0x10', '0b1', '0o7', ' 1', '1 ', '+1', '1_000', '١٢٣', '',
  // injection
  "' OR 1=1 --", "'; drop table monitor.runs; --", '"; select pg_sleep(5); --', '<script>alert(1)</script>', '<img src=x onerror=alert(1)>',
  '${jndi:ldap://x/a}', '{{7*7}}', '#{7*7}', '../../../../etc/passwd', '..', '.', '%2e%2e%2f', '\\', '%', '%%', 'a%ZZb',
  '$where', '{"$gt":""}', '*', '?', '#', '&x=1', 'a/b', 'a;b', 'a:b', 'null', 'undefined', 'true', '[]', '{}',
  // names an object lookup might resolve
  'constructor', '__proto__', 'prototype', 'toString', 'hasOwnProperty', 'valueOf',
  // Unicode oddities
  '\ud800', '\udc00', 'a\ud83db', '\u202eRTL override', '\u2066isolate\u2069', '\u200b', '\u200d', '\ufeffBOM', '\uffff', '\ufffe', '\ufffd',
  'e\u0301', '𝔘𝔫𝔦𝔠𝔬𝔡𝔢', '👩‍👩‍👧‍👦', '\u2028', '\u2029', 'İ', 'ß', 'ﬀ', 'Ω', '\u00a0', '\u3000', '日本語のテキスト',
];

/**
 * JSON of the wrong type, or shaped to hurt a recursive reader, as text: a value 10,000 levels deep is
 * only ever handled as text here (stringifying it, or fast-check describing it, would recurse).
 */
export const HOSTILE_JSON: readonly string[] = [
  ...[null, true, false, 0, -1, 1.5, 1e308, -1e308, '', 'string', [], {}, [null], [[]], [1], [{}], { a: 1 }].map((v) => JSON.stringify(v)),
  '9223372036854775808', '1e400', '-0', deep(10_000, 'array'), deep(10_000, 'object'), deep(33, 'array'), deep(200, 'object'),
  JSON.stringify(Array.from({ length: 1001 }, (_, i) => `R-${i}`)), JSON.stringify(Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`k${i}`, i]))),
];

/** Path segments that are not valid percent-encoding: sent as written. */
export const MALFORMED_ESCAPES: readonly string[] = ['%ZZ', '%E0%A4%A', '%ED%A0%80', '%C0%AF', '%FF', '%', 'a%', '%%30', '%uD800', '%C3'];

/** Bodies that are not JSON at all, sent with content-type application/json. */
export const MALFORMED_JSON: readonly string[] = [
  '{', '{"a":', '[1,]', "{'a':1}", '{"a":1}}', 'nul', '\u0000', '{"a":"\\u0000"}', '{"a":"\\ud800"}', '\ufeff{}', '{"a":1,"a":2}',
  `${'['.repeat(100_000)}`, `{"x":"${'y'.repeat(150_000)}"}`,
];

/** JSON text nested `depth` levels: arrays, or objects of one key. */
export function deep(depth: number, kind: 'array' | 'object'): string {
  return kind === 'array' ? `${'['.repeat(depth)}1${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}
