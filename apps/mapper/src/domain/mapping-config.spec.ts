import example from '../../mapping.example.json';
import { applyMappingChange, MappingConfigError, parseMappingChange, parseMappingConfig } from './mapping-config';
import { aMappingConfig } from './testing';

const errorsOf = (fn: () => unknown): string[] => {
  try {
    fn();
  } catch (e) {
    if (e instanceof MappingConfigError) return e.errors;
    throw e;
  }
  throw new Error('expected a MappingConfigError');
};

describe('parseMappingConfig', () => {
  it('accepts the example file as written', () => {
    const config = parseMappingConfig(example);
    expect(config.taxTypes.find((t) => t.rate === 0)?.byCountry?.DE).toBe('ECZROUTPUT');
    expect(config.accounts).toEqual({ goods: '200', shipping: '260', discount: '200', rounding: '860' });
    expect(config.reference).toBe('purchase_order_reference');
  });

  it('fills defaults for what a minimal file leaves out', () => {
    const config = parseMappingConfig({ taxTypes: [{ rate: 20, taxType: 'OUTPUT2' }], accounts: { goods: '200' } });
    expect(config).toMatchObject({
      tracking: [],
      lineAmountTypes: 'Exclusive',
      status: 'DRAFT',
      reference: 'purchase_order_reference',
      itemCode: 'none',
      numbering: { invoicePrefix: '', creditNotePrefix: '' },
      dueDate: { rule: 'days_after_invoice', days: 30 },
      rounding: { toleranceCents: 2, allowHalfCentPerLine: true, taxType: 'NONE' },
      creditNoteWithoutInvoice: 'warning',
    });
    expect(config.accounts.shipping).toBeUndefined();
  });

  it('names every bad field at once', () => {
    const errors = errorsOf(() =>
      parseMappingConfig({
        taxTypes: [
          { rate: 20, taxType: '' },
          { rate: 20, taxType: 'X' },
          { rate: 120, taxType: 'Y' },
        ],
        accounts: { goods: 200, shipping: '12345678901' },
        tracking: [
          { category: 'A', source: 'colour' },
          { category: 'B', source: 'season' },
          { category: 'C', source: 'season' },
        ],
        lineAmountTypes: 'Gross',
        status: 'PAID',
        dueDate: { rule: 'days_after_invoice', days: -1 },
        brandingThemeId: 'standard',
        rounding: { toleranceCents: 0.5 },
        acounts: {},
      }),
    );
    expect(errors).toEqual(
      expect.arrayContaining([
        'taxTypes[0].taxType must be a non-empty string',
        'taxTypes[1].rate repeats the rate 20 (one entry per rate; use byCountry)',
        'taxTypes[2].rate must be a percentage from 0 to 99.9999',
        'accounts.goods must be a non-empty string',
        'accounts.shipping must be at most 10 characters',
        'tracking must have at most 2 entries (Xero allows two tracking categories a line)',
        'tracking[0].source must be one of collection_name, season, price_list_code',
        'lineAmountTypes must be one of Exclusive, Inclusive, NoTax',
        'status must be one of DRAFT, AUTHORISED',
        'dueDate.days must be a whole number from 0 to 365',
        'brandingThemeId must be a Xero BrandingThemeID (a UUID)',
        'rounding.toleranceCents must be a whole number from 0 to 1000',
        'acounts is not a known setting',
      ]),
    );
    expect(errors).toHaveLength(13);
  });

  it('says what is missing from an empty object, and refuses what is not an object', () => {
    expect(errorsOf(() => parseMappingConfig({}))).toEqual(['taxTypes must be a non-empty list', 'accounts must be an object']);
    expect(() => parseMappingConfig('taxTypes')).toThrow('Invalid mapping configuration: the configuration must be a JSON object');
  });
});

describe('applyMappingChange', () => {
  const config = aMappingConfig().build();

  it('maps a new rate, then a country exception, then removes the exception', () => {
    const a = applyMappingChange(config, { type: 'SetTaxType', rate: 5.5, taxType: 'TAX001' });
    const b = applyMappingChange(a, { type: 'SetTaxType', rate: 5.5, taxType: 'ECZROUTPUT', country: 'FR' });
    expect(b.taxTypes.find((t) => t.rate === 5.5)).toEqual({ rate: 5.5, taxType: 'TAX001', byCountry: { FR: 'ECZROUTPUT' } });
    const c = applyMappingChange(b, { type: 'RemoveTaxType', rate: 5.5, country: 'FR' });
    expect(c.taxTypes.find((t) => t.rate === 5.5)).toEqual({ rate: 5.5, taxType: 'TAX001' });
    expect(applyMappingChange(c, { type: 'RemoveTaxType', rate: 5.5 }).taxTypes.some((t) => t.rate === 5.5)).toBe(false);
    expect(config.taxTypes.some((t) => t.rate === 5.5)).toBe(false);
  });

  it('sets and clears accounts, tracking and options, leaving the original untouched', () => {
    const a = applyMappingChange(config, { type: 'SetAccount', lineKind: 'shipping', accountCode: null });
    expect(a.accounts.shipping).toBeUndefined();
    const b = applyMappingChange(a, { type: 'SetTracking', tracking: [{ category: 'Season', source: 'season' }] });
    const c = applyMappingChange(b, { type: 'SetOptions', options: { status: 'AUTHORISED', numbering: { invoicePrefix: 'LNB-' } } });
    expect(c).toMatchObject({ status: 'AUTHORISED', numbering: { invoicePrefix: 'LNB-', creditNotePrefix: '' }, tracking: [{ category: 'Season' }] });
    expect(config.accounts.shipping).toBe('260');
    expect(config.status).toBe('DRAFT');
  });

  it('refuses a change that would make the configuration invalid, naming the field', () => {
    expect(() => applyMappingChange(config, { type: 'SetOptions', options: { status: 'PAID' } })).toThrow('status must be one of DRAFT, AUTHORISED');
    expect(() => applyMappingChange(config, { type: 'SetOptions', options: { taxTypes: [] } })).toThrow('taxTypes cannot be changed with SetOptions');
    expect(() => applyMappingChange(config, { type: 'SetAccount', lineKind: 'goods', accountCode: null })).toThrow('accounts.goods must be a non-empty string');
    expect(() => applyMappingChange(config, { type: 'RemoveTaxType', rate: 7 })).toThrow('rate 7 is not mapped');
  });

  it('replaces the whole configuration through the same validation', () => {
    const next = applyMappingChange(config, { type: 'Replace', config: { ...example, status: 'AUTHORISED' } });
    expect(next.status).toBe('AUTHORISED');
    expect(() => applyMappingChange(config, { type: 'Replace', config: { accounts: {} } })).toThrow(MappingConfigError);
  });

  it('says by its code whether a configuration or a change was refused', () => {
    const codeOf = (fn: () => unknown): unknown => {
      try {
        fn();
      } catch (e) {
        return [e instanceof MappingConfigError, (e as MappingConfigError).code, (e as MappingConfigError).retriable];
      }
      throw new Error('expected a MappingConfigError');
    };
    expect(codeOf(() => parseMappingConfig({ accounts: {} }))).toEqual([true, 'MAP.INVALID_CONFIG', false]);
    expect(codeOf(() => applyMappingChange(config, { type: 'RemoveTaxType', rate: 7 }))).toEqual([true, 'MAP.INVALID_CHANGE', false]);
  });
});

describe('parseMappingChange', () => {
  it('accepts well-formed changes from an event and names what is wrong in others', () => {
    expect(parseMappingChange({ type: 'SetAccount', lineKind: 'discount', accountCode: '4000' })).toEqual({
      type: 'SetAccount',
      lineKind: 'discount',
      accountCode: '4000',
    });
    expect(errorsOf(() => parseMappingChange({ type: 'SetTaxType', rate: 'twenty' }))).toEqual([
      'change.rate must be a percentage from 0 to 99.9999',
      'change.taxType must be a non-empty string',
    ]);
    expect(errorsOf(() => parseMappingChange({ type: 'Drop' }))).toEqual([
      'change.type must be one of SetTaxType, RemoveTaxType, SetAccount, SetTracking, SetOptions, Replace',
    ]);
  });
});
