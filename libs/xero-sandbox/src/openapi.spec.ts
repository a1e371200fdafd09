import { builtinValidator } from './openapi';

describe('builtinValidator (used when the OpenAPI description is absent)', () => {
  it('says what it is and refuses the obvious', () => {
    expect(builtinValidator.source).toMatch(/not found/);
    expect(builtinValidator.validate('Invoice', { Type: 'ACCREC', LineItems: [{ Quantity: 1, UnitAmount: 2 }] })).toEqual([]);
    expect(builtinValidator.validate('Invoice', { Type: 'SALES' })).toEqual(["'SALES' is not a valid value for Type."]);
    expect(builtinValidator.validate('Invoice', { Contact: { ContactID: 'x' }, LineItems: [{ Quantity: 'two' }] })).toEqual([
      'The value of Contact.ContactID is not valid: it must match format "uuid".',
      'The value of LineItems[0].Quantity is not valid: it must be number.',
    ]);
    expect(builtinValidator.validate('Allocation', { Amount: 1 })).toEqual(['Invoice must be specified.', 'Date must be specified.']);
    expect(builtinValidator.validate('Contact', [])).toEqual(['The Contact must be a JSON object.']);
  });
});
