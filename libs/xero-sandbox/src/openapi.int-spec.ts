// Request bodies against Xero's official OpenAPI description (read from /work/shared/reference when present).
import * as path from 'node:path';
import { builtinValidator, defaultSpecPath, loadSchemaValidator, type SchemaValidator } from './openapi';

const spec = defaultSpecPath(path.resolve(__dirname, '../../..'));

const goodInvoice = {
  Type: 'ACCREC',
  Contact: { ContactID: '5b96e86b-418e-48e8-8949-308c14aec278' },
  Date: '2026-03-02',
  DueDate: '2026-04-01',
  InvoiceNumber: 'LNB-1001',
  Status: 'AUTHORISED',
  LineAmountTypes: 'Exclusive',
  CurrencyCode: 'GBP',
  LineItems: [
    { Description: 'Wool coat', Quantity: 2, UnitAmount: 120, AccountCode: '200', TaxType: 'OUTPUT2', Tracking: [{ Name: 'Season', Option: 'SS25' }] },
  ],
};

const badInvoices: [string, Record<string, unknown>, RegExp][] = [
  ['an unknown Type', { ...goodInvoice, Type: 'SALES' }, /'SALES' is not a valid value for Type/],
  ['a Quantity sent as text', { ...goodInvoice, LineItems: [{ ...goodInvoice.LineItems[0], Quantity: 'two' }] }, /LineItems\[0\]\.Quantity/],
  ['a ContactID that is not a GUID', { ...goodInvoice, Contact: { ContactID: 'retailer-42' } }, /Contact\.ContactID/],
  ['an InvoiceNumber over 255 characters', { ...goodInvoice, InvoiceNumber: 'N'.repeat(256) }, /InvoiceNumber/],
  ['an unknown currency', { ...goodInvoice, CurrencyCode: 'XYZ' }, /'XYZ' is not a valid value for CurrencyCode/],
];

describe(spec ? `Xero OpenAPI description at ${spec}` : 'built-in rules (xero_accounting.yaml is absent: the OpenAPI checks are not exercised)', () => {
  let validator: SchemaValidator;
  beforeAll(() => {
    if (!spec) console.warn('xero_accounting.yaml not found beside the repo: checking the built-in fallback instead of the official description');
    validator = spec ? loadSchemaValidator(spec) : builtinValidator;
  });

  it('passes a known-good invoice, credit note, contact and allocation', () => {
    expect(validator.validate('Invoice', goodInvoice)).toEqual([]);
    expect(validator.validate('CreditNote', { ...goodInvoice, Type: 'ACCRECCREDIT', InvoiceNumber: undefined, CreditNoteNumber: 'CN-1' })).toEqual([]);
    expect(validator.validate('Contact', { Name: 'Boutique', ContactNumber: 'RET-42', EmailAddress: 'ap@boutique.example' })).toEqual([]);
    expect(validator.validate('Allocation', { Invoice: { InvoiceID: '5b96e86b-418e-48e8-8949-308c14aec278' }, Amount: 10, Date: '2026-03-06' })).toEqual([]);
  });

  it.each(badInvoices)('fails an invoice with %s', (_what, invoice, message) => {
    const errors = validator.validate('Invoice', invoice);
    // Without the description the currency enum is left to the business rule "not subscribed to currency".
    if (!spec && invoice.CurrencyCode === 'XYZ') expect(errors).toEqual([]);
    else expect(errors.join(' ')).toMatch(message);
  });

  it('fails an allocation without its required fields', () => {
    expect(validator.validate('Allocation', { Amount: 10 }).join(' ')).toMatch(/Invoice must be specified/);
  });

  it('compiles the description once per process', () => {
    if (!spec) {
      expect(validator).toBe(builtinValidator);
      return;
    }
    const started = Date.now();
    expect(loadSchemaValidator(spec)).toBe(validator);
    expect(Date.now() - started).toBeLessThan(50);
  });
});
