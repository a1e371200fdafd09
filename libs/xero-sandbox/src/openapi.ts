// Request bodies checked against the component schemas of Xero's official OpenAPI description.
// Parsing the 900 KB YAML and compiling the schemas costs about a second, so it happens once per process.
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as yaml from 'js-yaml';

export type SchemaName = 'Invoice' | 'CreditNote' | 'Contact' | 'Allocation';

export interface SchemaValidator {
  source: string;
  /** Messages for one item, empty when it conforms. */
  validate(schema: SchemaName, item: unknown): string[];
}

const cache = new Map<string, SchemaValidator>();

/** The description's default location, beside the repo (never inside it). */
export function defaultSpecPath(repoRoot: string): string | undefined {
  const p = path.resolve(repoRoot, '../shared/reference/xero_accounting.yaml');
  return fs.existsSync(p) ? p : undefined;
}

export function loadSchemaValidator(specPath: string): SchemaValidator {
  const key = path.resolve(specPath);
  const hit = cache.get(key);
  if (hit) return hit;
  const doc = yaml.load(fs.readFileSync(key, 'utf8')) as { components?: { schemas?: Record<string, unknown> } };
  const schemas = doc.components?.schemas;
  if (!schemas) throw new Error(`${key} has no components.schemas`);
  const ajv = new Ajv({ strict: false, allErrors: true, verbose: true, logger: false, validateSchema: false });
  addFormats(ajv);
  for (const f of ['double', 'float', 'int32', 'int64', 'decimal', 'binary', 'byte']) {
    if (!ajv.formats[f]) ajv.addFormat(f, true);
  }
  ajv.addSchema({ $id: 'xero-accounting.json', components: { schemas } });
  const compiled = new Map<SchemaName, ValidateFunction>();
  const compile = (name: SchemaName): ValidateFunction => {
    let fn = compiled.get(name);
    if (!fn) {
      fn = ajv.getSchema(`xero-accounting.json#/components/schemas/${name}`);
      if (!fn) throw new Error(`schema ${name} missing from ${key}`);
      compiled.set(name, fn);
    }
    return fn;
  };
  const names: SchemaName[] = ['Invoice', 'CreditNote', 'Contact', 'Allocation'];
  for (const n of names) compile(n);
  const validator: SchemaValidator = {
    source: key,
    validate(schema, item) {
      const fn = compile(schema);
      if (fn(item)) return [];
      return describeErrors(fn.errors ?? []);
    },
  };
  cache.set(key, validator);
  return validator;
}

function describeErrors(errors: ErrorObject[]): string[] {
  const out = new Set<string>();
  for (const e of errors) {
    const where = e.instancePath
      ? e.instancePath
          .slice(1)
          .replace(/\/(\d+)/g, '[$1]')
          .replace(/\//g, '.')
      : 'the document';
    if (e.keyword === 'enum') {
      const allowed = (e.params as { allowedValues?: unknown[] }).allowedValues ?? [];
      out.add(`'${String(valueAt(e))}' is not a valid value for ${where}${allowed.length <= 12 ? ` (expected one of ${allowed.join(', ')})` : ''}.`);
    } else if (e.keyword === 'required') {
      out.add(`${(e.params as { missingProperty: string }).missingProperty} must be specified${e.instancePath ? ` in ${where}` : ''}.`);
    } else {
      out.add(`The value of ${where} is not valid: it ${e.message ?? 'does not conform'}.`);
    }
  }
  return [...out];
}

function valueAt(e: ErrorObject): unknown {
  return (e as ErrorObject & { data?: unknown }).data;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const INVOICE_TYPES = ['ACCPAY', 'ACCPAYCREDIT', 'APOVERPAYMENT', 'APPREPAYMENT', 'ACCREC', 'ACCRECCREDIT', 'AROVERPAYMENT', 'ARPREPAYMENT'];
const CREDIT_NOTE_TYPES = ['ACCPAYCREDIT', 'ACCRECCREDIT'];

/** A few type checks so the sandbox still refuses nonsense when the description is absent. */
export const builtinValidator: SchemaValidator = {
  source: 'builtin rules (Xero OpenAPI description not found)',
  validate(schema, item) {
    if (!item || typeof item !== 'object' || Array.isArray(item)) return [`The ${schema} must be a JSON object.`];
    const o = item as Record<string, unknown>;
    const out: string[] = [];
    const expectString = ['Type', 'Status', 'InvoiceNumber', 'CreditNoteNumber', 'Reference', 'Name', 'ContactNumber', 'Date', 'DueDate', 'CurrencyCode'];
    for (const k of expectString)
      if (o[k] !== undefined && o[k] !== null && typeof o[k] !== 'string') out.push(`The value of ${k} is not valid: it must be string.`);
    if (o.LineItems !== undefined && !Array.isArray(o.LineItems)) out.push('The value of LineItems is not valid: it must be array.');
    const types = schema === 'Invoice' ? INVOICE_TYPES : schema === 'CreditNote' ? CREDIT_NOTE_TYPES : undefined;
    if (types && typeof o.Type === 'string' && !types.includes(o.Type)) out.push(`'${o.Type}' is not a valid value for Type.`);
    const contact = o.Contact as Record<string, unknown> | undefined;
    if (contact && typeof contact.ContactID === 'string' && !GUID.test(contact.ContactID))
      out.push('The value of Contact.ContactID is not valid: it must match format "uuid".');
    (Array.isArray(o.LineItems) ? (o.LineItems as Record<string, unknown>[]) : []).forEach((l, i) => {
      for (const k of ['Quantity', 'UnitAmount', 'LineAmount', 'TaxAmount', 'DiscountRate', 'DiscountAmount']) {
        if (l && l[k] !== undefined && l[k] !== null && typeof l[k] !== 'number')
          out.push(`The value of LineItems[${i}].${k} is not valid: it must be number.`);
      }
    });
    if (typeof o.InvoiceNumber === 'string' && o.InvoiceNumber.length > 255)
      out.push('The value of InvoiceNumber is not valid: it must NOT have more than 255 characters.');
    if (typeof o.ContactNumber === 'string' && o.ContactNumber.length > 50)
      out.push('The value of ContactNumber is not valid: it must NOT have more than 50 characters.');
    if (schema === 'Allocation') {
      for (const k of ['Amount', 'Invoice', 'Date']) if (o[k] === undefined) out.push(`${k} must be specified.`);
    }
    return out;
  },
};
