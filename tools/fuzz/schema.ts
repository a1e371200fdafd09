// An OpenAPI 3.0 document read for fuzzing: its operations, fast-check arbitraries of values inside each
// schema, and the oracle that says whether a value lies outside it (then the API must refuse it).
import { isCalendarDay } from '@lnbx/http-input';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import fc from 'fast-check';

export interface Schema {
  type?: 'string' | 'integer' | 'number' | 'boolean' | 'array' | 'object';
  enum?: readonly unknown[];
  pattern?: string;
  format?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  items?: Schema;
  minItems?: number;
  maxItems?: number;
  properties?: Record<string, Schema>;
  required?: readonly string[];
  additionalProperties?: boolean | Schema;
  nullable?: boolean;
  $ref?: string;
}

export interface Parameter {
  name: string;
  in: 'path' | 'query';
  required: boolean;
  schema: Schema;
}

export interface Operation {
  method: string;
  /** The path template, e.g. /api/runs/{runId}. */
  path: string;
  parameters: Parameter[];
  body?: { schema: Schema; required: boolean };
}

export interface OpenApiDocument {
  paths: Record<
    string,
    Record<
      string,
      {
        parameters?: { name: string; in: string; required?: boolean; schema?: Schema }[];
        requestBody?: { required?: boolean; content?: Record<string, { schema?: Schema }> };
      }
    >
  >;
  components?: { schemas?: Record<string, Schema> };
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

/** The document's operations with every $ref resolved; `include` picks which are fuzzed. */
export function operationsOf(doc: OpenApiDocument, include: (op: Operation) => boolean = () => true): Operation[] {
  const resolve = (schema: Schema = {}): Schema => {
    if (schema.$ref) return resolve(doc.components?.schemas?.[schema.$ref.replace('#/components/schemas/', '')]);
    const out: Schema = { ...schema };
    if (schema.items) out.items = resolve(schema.items);
    if (schema.properties) out.properties = Object.fromEntries(Object.entries(schema.properties).map(([k, v]) => [k, resolve(v)]));
    return out;
  };
  const ops: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) {
      const o = item[method];
      if (!o) continue;
      const body = o.requestBody?.content?.['application/json']?.schema;
      ops.push({
        method: method.toUpperCase(),
        path,
        parameters: (o.parameters ?? [])
          .filter((p) => p.in === 'path' || p.in === 'query')
          .map((p) => ({ name: p.name, in: p.in as 'path' | 'query', required: p.in === 'path' || Boolean(p.required), schema: resolve(p.schema) })),
        body: body ? { schema: resolve(body), required: o.requestBody?.required !== false } : undefined,
      });
    }
  }
  return ops.filter(include);
}

/** The rules an API applies to every parameter and body beyond what each schema says (its document states them). */
export interface ApiRules {
  param?(where: 'path' | 'query', value: string): string | undefined;
  /** The parsed body and its text (a depth is read from the text: the value may be too deep to walk by recursion). */
  body?(value: unknown, text: string): string | undefined;
  /** What a request without a body is read as (Nest and most servers: an empty object); a missing body when undefined. */
  noBodyIs?: unknown;
  /** Only an object or an array is JSON enough to parse (body-parser's strict mode): `"text"` or `1` is not. */
  strictJson?: boolean;
  /** A repeated query parameter is read once, not refused (PHP keeps the last, URLSearchParams.get the first): each must be valid. */
  repeatable?: boolean;
  /** False: a body's schema only shapes what is generated, it does not say what is refused (Xero answers most bodies with per-item errors). */
  bodySchemaRefuses?: boolean;
}

/** A body that is not JSON is refused before anything else is read (the parser runs before routing). */
export const NOT_JSON = 'the body is not JSON';

/** How many characters JSON Schema counts: code points. */
const length = (s: string): number => [...s].length;

/** Whether values lie inside their schemas; each answer is the reason a value is outside, or undefined. */
export class Oracle {
  private readonly ajv = new Ajv({ strict: false, allErrors: false });
  private readonly compiled = new WeakMap<Schema, ValidateFunction>();

  constructor(private readonly rules: ApiRules = {}) {
    addFormats(this.ajv, ['date', 'date-time', 'password']);
  }

  /** A parameter's text as the server decodes it (several when repeated), against its schema. */
  param(p: Parameter, texts: string[] | undefined): string | undefined {
    if (texts === undefined) return p.required ? `${p.name} is required` : undefined;
    if (texts.length !== 1 && p.schema.type !== 'array' && !this.rules.repeatable) return `${p.name} is given ${texts.length} times`;
    for (const text of texts) {
      const why = this.rules.param?.(p.in, text) ?? this.text(p.schema, text);
      if (why) return `${p.name} ${why}`;
    }
    return undefined;
  }

  private text(s: Schema, text: string): string | undefined {
    if (s.enum && !s.enum.includes(text)) return 'is not one of its values';
    if (s.type === 'integer') {
      if (!/^-?\d+$/.test(text) || !Number.isSafeInteger(Number(text))) return 'is not an integer';
      const n = Number(text);
      if ((s.minimum !== undefined && n < s.minimum) || (s.maximum !== undefined && n > s.maximum)) return 'is out of range';
      return undefined;
    }
    if (s.type === 'boolean') return text === 'true' || text === 'false' ? undefined : 'is not a boolean';
    if (s.minLength !== undefined && length(text) < s.minLength) return 'is too short';
    if (s.maxLength !== undefined && length(text) > s.maxLength) return 'is too long';
    if (s.pattern && !new RegExp(s.pattern, 'u').test(text)) return 'does not match its pattern';
    if (s.format === 'date' && !isCalendarDay(text)) return 'is not a day of the calendar';
    return undefined;
  }

  /** A body as sent (its JSON text, or none), against the operation's schema. */
  body(op: Operation, text: string | undefined): string | undefined {
    if (!op.body) return undefined;
    let value: unknown = this.rules.noBodyIs;
    if (text === undefined && (value === undefined || !op.body.required)) return op.body.required ? 'the body is required' : undefined;
    try {
      // A byte order mark before JSON may be ignored (RFC 8259), and the servers do.
      if (text !== undefined) value = JSON.parse(text.replace(/^\ufeff/, ''));
    } catch {
      return NOT_JSON;
    }
    if (this.rules.strictJson && (typeof value !== 'object' || value === null)) return NOT_JSON;
    if (this.rules.bodySchemaRefuses === false) return undefined;
    const why = this.rules.body?.(value, text ?? '');
    if (why) return why;
    let validate = this.compiled.get(op.body.schema);
    if (!validate) {
      validate = this.ajv.compile(op.body.schema);
      this.compiled.set(op.body.schema, validate);
    }
    return validate(value) ? undefined : `the body ${this.ajv.errorsText(validate.errors, { dataVar: '' })}`;
  }
}

const DAY_MS = 86_400_000;

/** Values inside a schema (small ones: the point is the shape, not the size). */
export function valueArb(s: Schema): fc.Arbitrary<unknown> {
  const inside = innerArb(s);
  return s.nullable ? fc.option(inside, { nil: null, freq: 4 }) : inside;
}

function innerArb(s: Schema): fc.Arbitrary<unknown> {
  if (s.enum) return fc.constantFrom(...s.enum);
  switch (s.type) {
    case 'integer': {
      const min = Math.max(s.minimum ?? -1_000_000, Number.MIN_SAFE_INTEGER);
      const max = Math.min(s.maximum ?? 1_000_000, Number.MAX_SAFE_INTEGER);
      return fc.oneof(fc.integer({ min: Math.max(min, -(2 ** 31)), max: Math.min(max, Math.max(min, -(2 ** 31)) + 10_000) }), fc.constantFrom(min, max));
    }
    case 'number':
      return fc.double({ noNaN: true, noDefaultInfinity: true, min: s.minimum, max: s.maximum });
    case 'boolean':
      return fc.boolean();
    case 'array':
      return fc.array(valueArb(s.items ?? {}), { minLength: s.minItems ?? 0, maxLength: Math.min(s.maxItems ?? 4, Math.max(s.minItems ?? 0, 4)) });
    case 'object': {
      const props = s.properties ?? {};
      const model = Object.fromEntries(Object.entries(props).map(([k, v]) => [k, valueArb(v)]));
      return fc.record(model, { requiredKeys: (s.required ?? []).filter((k) => k in props) });
    }
    case 'string':
      return stringArb(s);
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

function stringArb(s: Schema): fc.Arbitrary<string> {
  const fits = (v: string) => length(v) >= (s.minLength ?? 0) && length(v) <= (s.maxLength ?? Infinity);
  if (s.format === 'date') {
    return fc.integer({ min: 0, max: 60_000 }).map((days) => new Date(Date.UTC(1990, 0, 1) + days * DAY_MS).toISOString().slice(0, 10));
  }
  if (s.pattern) return fc.stringMatching(new RegExp(s.pattern)).filter(fits);
  const max = Math.min(s.maxLength ?? 24, Math.max(s.minLength ?? 0, 24));
  return fc
    .oneof(
      fc.string({ minLength: s.minLength ?? 0, maxLength: max }),
      fc.string({ unit: 'grapheme', minLength: s.minLength ?? 0, maxLength: max }),
      fc.stringMatching(/^[A-Z]{2,4}-\d{1,6}$/),
    )
    .filter(fits);
}

/** Text just outside a schema's bounds: one past each limit, the wrong case of an enum value, the wrong kind of number. */
export function edgeTexts(s: Schema): string[] {
  const out: string[] = [];
  if (s.enum) out.push(...s.enum.map((v) => String(v).toUpperCase()), ` ${String(s.enum[0])}`);
  if (s.type === 'integer') {
    if (s.minimum !== undefined) out.push(String(s.minimum - 1));
    if (s.maximum !== undefined) out.push(String(s.maximum + 1), `${s.maximum}0`);
    out.push('1.5', '1e3', '');
  }
  if (s.maxLength !== undefined) out.push('x'.repeat(s.maxLength + 1));
  if (s.minLength) out.push('');
  if (s.format === 'date') out.push('2026-02-29', '2026-06-31', '2026-1-1');
  return out;
}

/** JSON just outside a schema: its edges as values, the wrong type, an item too many or too few. */
export function edgeValues(s: Schema): unknown[] {
  const out: unknown[] = [...edgeTexts(s)];
  if (!s.nullable) out.push(null);
  if (s.type === 'array') {
    if (s.maxItems !== undefined) out.push(Array.from({ length: s.maxItems + 1 }, (_, i) => `E-${i}`));
    if (s.minItems) out.push([]);
    out.push([{}], [1], 'not a list');
  }
  if (s.type === 'string') out.push(1, ['x'], { x: 1 });
  if (s.type === 'boolean') out.push('true', 1);
  if (s.type === 'integer') out.push(1.5, '7');
  return out;
}
