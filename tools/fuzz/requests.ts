// Requests generated from operations: each parameter left out, inside its schema, a known good value, a
// hostile one, repeated or (in a path) not even valid percent-encoding; a body inside its schema, with
// one field made hostile, a field added or taken away, replaced whole, or not JSON at all. The oracle
// says, for the request as sent, whether anything in it lies outside the schema.
import fc from 'fast-check';
import { HOSTILE_JSON, HOSTILE_TEXT, MALFORMED_ESCAPES, MALFORMED_JSON } from './hostile';
import { edgeTexts, edgeValues, NOT_JSON, type Operation, type Oracle, type Parameter, valueArb } from './schema';

/** One parameter as generated: absent, one or several texts (decoded, as the server reads them), or a raw path segment. */
type ParamChoice = { kind: 'absent' } | { kind: 'texts'; texts: string[] } | { kind: 'raw'; segment: string };

export interface FuzzRequest {
  op: Operation;
  method: string;
  /** Path and query, encoded. */
  target: string;
  body?: string;
  /** Why the request lies outside the schema (it must be refused), or undefined when nothing in it does. */
  outside?: string;
  /** The parameters outside their schemas: a 400 names one of them. Empty when a refusal cannot name one (the path or the body did not parse). */
  names: string[];
}

export interface RequestOptions {
  /** Known good values by parameter name (existing run ids, document keys), so some requests find something. */
  known?: Record<string, readonly string[]>;
  /** Weight of hostile choices against valid ones, 1 (even) by default. */
  hostility?: number;
  /** Whether a 400 must name the parameter it refuses (this project's services); a sandbox answers in the real API's words. */
  named?: boolean;
}

/** A lone surrogate cannot be percent-encoded as UTF-8: it goes as the bytes a careless encoder writes (WTF-8). */
function encode(text: string): string {
  let out = '';
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (code >= 0xd800 && code <= 0xdfff)
      out += [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)].map((b) => `%${b.toString(16).toUpperCase()}`).join('');
    else out += encodeURIComponent(ch);
  }
  return out;
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
/** What Node's query-string parser makes of a lone surrogate's bytes: three replacement characters. */
const asQueryReads = (text: string): string => text.replace(LONE_SURROGATE, '\ufffd\ufffd\ufffd');

/** A path segment must stay one segment of the same route: not empty, not a dot segment. */
const keepsTheRoute = (text: string): boolean => text !== '' && text !== '.' && text !== '..';

function paramArb(p: Parameter, o: RequestOptions): fc.Arbitrary<ParamChoice> {
  const h = o.hostility ?? 1;
  const asText = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));
  const one = (arb: fc.Arbitrary<string>): fc.Arbitrary<ParamChoice> => arb.map((t) => ({ kind: 'texts', texts: [t] }));
  const inside = one(valueArb(p.schema).map(asText));
  const known = o.known?.[p.name]?.length ? [{ weight: 3, arbitrary: one(fc.constantFrom(...o.known[p.name])) }] : [];
  const edges = edgeTexts(p.schema);
  const choices: fc.WeightedArbitrary<ParamChoice>[] = [
    { weight: 4, arbitrary: inside },
    ...known,
    { weight: 3 * h, arbitrary: one(fc.constantFrom(...HOSTILE_TEXT)) },
    ...(edges.length ? [{ weight: 2 * h, arbitrary: one(fc.constantFrom(...edges)) }] : []),
    { weight: 1 * h, arbitrary: one(fc.string({ unit: 'binary', maxLength: 12 })) },
  ];
  if (p.in === 'path') {
    choices.push({ weight: 1 * h, arbitrary: fc.constantFrom(...MALFORMED_ESCAPES).map((segment): ParamChoice => ({ kind: 'raw', segment })) });
    return fc.oneof(...choices).filter((c) => c.kind !== 'texts' || keepsTheRoute(c.texts[0]));
  }
  choices.push({
    weight: 1 * h,
    arbitrary: fc
      .array(
        inside.map((c) => (c as { texts: string[] }).texts[0]),
        { minLength: 2, maxLength: 3 },
      )
      .map((texts): ParamChoice => ({ kind: 'texts', texts })),
  });
  if (!p.required) choices.push({ weight: 4, arbitrary: fc.constant<ParamChoice>({ kind: 'absent' }) });
  return fc.oneof(...choices);
}

/** The body as JSON text (undefined: none sent). */
function bodyArb(op: Operation, o: RequestOptions): fc.Arbitrary<string | undefined> {
  if (!op.body) return fc.constant(undefined);
  const h = o.hostility ?? 1;
  const schema = op.body.schema;
  const props = Object.entries(schema.properties ?? {});
  // A schema that allows any JSON may give a non-object: the field mutations below start from an object then.
  const valid = valueArb(schema).map((v) => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {}));
  /** Hostile JSON as text: the hostile strings, and the dictionary's JSON. */
  const hostileJson = fc.oneof(
    fc.constantFrom(...HOSTILE_TEXT).map((t) => JSON.stringify(t)),
    fc.constantFrom(...HOSTILE_JSON),
  );
  const json = (arb: fc.Arbitrary<unknown>) => arb.map((v) => JSON.stringify(v));
  /** The body with one key set to hostile JSON, spliced in as text. */
  const withKey = (body: Record<string, unknown>, key: string, text: string): string => {
    const rest = JSON.stringify(Object.fromEntries(Object.entries(body).filter(([k]) => k !== key)));
    return `{${JSON.stringify(key)}:${text}${rest === '{}' ? '}' : `,${rest.slice(1)}`}`;
  };
  const choices: fc.WeightedArbitrary<string | undefined>[] = [
    { weight: 5, arbitrary: json(valid) },
    { weight: 1 * h, arbitrary: hostileJson },
    { weight: 1 * h, arbitrary: fc.constantFrom(...MALFORMED_JSON) },
    {
      weight: 1 * h,
      arbitrary: fc.tuple(valid, fc.constantFrom('__proto__', 'unknownField', 'constructor', '\u0000', ''), hostileJson).map(([b, k, v]) => withKey(b, k, v)),
    },
    { weight: 1, arbitrary: fc.constant(undefined) },
  ];
  if (props.length) {
    const field = fc.constantFrom(...props);
    choices.push(
      { weight: 4 * h, arbitrary: fc.tuple(valid, field, hostileJson).map(([b, [k], v]) => withKey(b, k, v)) },
      { weight: 3 * h, arbitrary: json(fc.tuple(valid, field).chain(([b, [k, s]]) => fc.constantFrom(...edgeValues(s)).map((v) => ({ ...b, [k]: v })))) },
      { weight: 1 * h, arbitrary: json(fc.tuple(valid, field).map(([b, [k]]) => Object.fromEntries(Object.entries(b).filter(([x]) => x !== k)))) },
    );
  }
  return fc.oneof(...choices);
}

/** Requests to the operations, each with the oracle's verdict. Each operation's arbitrary is built once (a regex's is costly). */
export function requestArb(ops: Operation[], oracle: Oracle, o: RequestOptions = {}): fc.Arbitrary<FuzzRequest> {
  return fc.oneof(
    ...ops.map((op) =>
      fc
        .tuple(fc.tuple(...op.parameters.map((p) => paramArb(p, o))), bodyArb(op, o))
        .map(([choices, body]) => build(op, choices, body, oracle, o.named !== false)),
    ),
  );
}

function build(op: Operation, choices: ParamChoice[], body: string | undefined, oracle: Oracle, named: boolean): FuzzRequest {
  let path = op.path;
  const query: string[] = [];
  const bodyWhy = oracle.body(op, body);
  // A body that does not parse is refused first, whatever the parameters hold.
  let outside = bodyWhy === NOT_JSON ? bodyWhy : undefined;
  const names: string[] = [];
  let unnamed = outside !== undefined;
  op.parameters.forEach((p, i) => {
    const c = choices[i];
    let why: string | undefined;
    if (c.kind === 'raw') {
      path = path.replace(`{${p.name}}`, c.segment);
      why = `${p.name} is not valid percent-encoding`;
    } else if (p.in === 'path') {
      const texts = c.kind === 'texts' ? c.texts : ['x'];
      path = path.replace(`{${p.name}}`, encode(texts[0]));
      why = oracle.param(p, texts);
      // Its bytes do not decode: the router refuses the path before any parameter has a name.
      if (why && texts[0].match(LONE_SURROGATE)) unnamed = true;
    } else if (c.kind === 'texts') {
      query.push(...c.texts.map((t) => `${encodeURIComponent(p.name)}=${encode(t)}`));
      why = oracle.param(p, c.texts.map(asQueryReads));
    } else why = oracle.param(p, undefined);
    if (!why) return;
    outside ??= why;
    if (c.kind === 'raw') unnamed = true;
    names.push(p.name);
  });
  // Parameters and the body are checked side by side: with the body outside too, a 400 may name either.
  if (bodyWhy) unnamed = true;
  outside ??= bodyWhy;
  return { op, method: op.method, target: `${path}${query.length ? `?${query.join('&')}` : ''}`, body, outside, names: unnamed || !named ? [] : names };
}

export interface Answer {
  status: number;
  text: string;
  /** A network error: the connection was cut, or the service stopped answering. */
  error?: string;
}

/** Sends one request and reads the whole answer; a cut connection is an answer too (status 0). */
export async function send(baseUrl: string, r: FuzzRequest, headers: Record<string, string> = {}, retried = false): Promise<Answer> {
  try {
    const res = await fetch(`${baseUrl}${r.target}`, {
      method: r.method,
      headers: { ...(r.body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      body: r.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(10_000),
    });
    return { status: res.status, text: await res.text() };
  } catch (err) {
    const cause = String((err as { cause?: unknown }).cause ?? '');
    // A kept-alive socket the server closed as idle just as the request went out: the server never read it; once more on a new one.
    if (!retried && /other side closed/.test(cause)) return send(baseUrl, r, headers, true);
    return { status: 0, text: '', error: `${(err as Error).message} ${cause}` };
  }
}

/** One line to read a request back from a failure. */
export const describeRequest = (r: FuzzRequest): string =>
  `${r.method} ${r.target.length > 300 ? `${r.target.slice(0, 300)}...` : r.target}${r.body === undefined ? '' : ` body ${r.body.length > 300 ? `${r.body.slice(0, 300)}...` : r.body}`}${r.outside ? ` (outside the schema: ${r.outside})` : ''}`;
