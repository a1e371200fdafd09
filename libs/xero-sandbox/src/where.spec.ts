import { compileWhere, WhereParseError } from './where';

const invoice = {
  Type: 'ACCREC',
  InvoiceNumber: 'LNB-1001',
  Status: 'AUTHORISED',
  Total: 120.5,
  Date: Date.UTC(2026, 2, 2),
  Contact: { ContactID: '5b96e86b-418e-48e8-8949-308c14aec278', ContactNumber: 'RET-42', Name: 'Boutique Sample Ltd' },
  Reference: null,
};

describe('compileWhere', () => {
  it.each([
    ['InvoiceNumber=="LNB-1001"', true],
    ['InvoiceNumber == "lnb-1001"', true],
    ['InvoiceNumber!="LNB-1001"', false],
    ['Type=="ACCREC" AND Status=="AUTHORISED"', true],
    ['Type=="ACCPAY" || Status=="AUTHORISED"', true],
    ['Type=="ACCREC" && (Status=="DRAFT" OR Status=="SUBMITTED")', false],
    ['Contact.ContactNumber=="RET-42"', true],
    ['Contact.ContactID==Guid("5B96E86B-418E-48E8-8949-308C14AEC278")', true],
    ['Contact.Name.Contains("sample")', true],
    ['Contact.Name.StartsWith("Shop")', false],
    ['Date>=DateTime(2026,03,01) && Date<DateTime(2026, 03, 03)', true],
    ['Date<DateTime(2026,03,01)', false],
    ['Total>100', true],
    ['Reference==null', true],
    ['NOT (Status=="VOIDED")', true],
    ["InvoiceNumber='LNB-1001'", true],
  ])('%s -> %s', (where, expected) => {
    expect(compileWhere(where)(invoice)).toBe(expected);
  });

  it('refuses what it cannot parse', () => {
    expect(() => compileWhere('InvoiceNumber=="unterminated')).toThrow(WhereParseError);
    expect(() => compileWhere('InvoiceNumber== AND')).toThrow(WhereParseError);
    expect(() => compileWhere('Name.Explode("x")')({ Name: 'x' })).toThrow(WhereParseError);
  });
});
