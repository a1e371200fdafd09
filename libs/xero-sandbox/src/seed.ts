// The organisations a fresh sandbox holds. Ids are derived from names so a demo config can name them.
import { createHash } from 'node:crypto';
import { TenantIndex } from './indexes';
import { indexTenant, type ContactRec, type TenantSeed, type TenantState } from './state';

/** A UUID-shaped id that is the same on every run for the same parts. */
export function stableId(...parts: string[]): string {
  const h = createHash('sha1').update(parts.join('|')).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

type TaxRateRow = TenantSeed['taxRates'][number];
const sales = (TaxType: string, Name: string, Rate: number, ReportTaxType: string, Status: TaxRateRow['Status'] = 'ACTIVE'): TaxRateRow => ({
  TaxType,
  Name,
  Rate,
  Status,
  ReportTaxType,
  CanApplyToRevenue: true,
  CanApplyToExpenses: false,
});
const purchases = (TaxType: string, Name: string, Rate: number, ReportTaxType: string): TaxRateRow => ({
  TaxType,
  Name,
  Rate,
  Status: 'ACTIVE',
  ReportTaxType,
  CanApplyToRevenue: false,
  CanApplyToExpenses: true,
});
const noTax = (Name: string): TaxRateRow => ({
  TaxType: 'NONE',
  Name,
  Rate: 0,
  Status: 'ACTIVE',
  ReportTaxType: 'NONE',
  CanApplyToRevenue: true,
  CanApplyToExpenses: true,
});

export const DEMO_FASHION_UK: TenantSeed = {
  name: 'Demo Fashion Ltd',
  legalName: 'Demo Fashion Limited',
  countryCode: 'GB',
  version: 'UK',
  baseCurrency: 'GBP',
  currencies: [
    { Code: 'GBP', Description: 'British Pound', rate: 1 },
    { Code: 'EUR', Description: 'Euro', rate: 1.17 },
    { Code: 'USD', Description: 'United States Dollar', rate: 1.27 },
  ],
  taxRates: [
    sales('OUTPUT2', '20% (VAT on Income)', 20, 'OUTPUT'),
    sales('RROUTPUT', '5% (VAT on Income)', 5, 'OUTPUT'),
    sales('ZERORATEDOUTPUT', 'Zero Rated Income', 0, 'OUTPUT'),
    sales('EXEMPTOUTPUT', 'Exempt Income', 0, 'EXEMPTOUTPUT'),
    sales('ECZROUTPUT', 'Zero Rated EC Goods Income', 0, 'ECOUTPUT'),
    sales('ECZROUTPUTSERVICES', 'Zero Rated EC Services', 0, 'ECOUTPUTSERVICES'),
    noTax('No VAT'),
    purchases('INPUT2', '20% (VAT on Expenses)', 20, 'INPUT'),
    purchases('ZERORATEDINPUT', 'Zero Rated Expenses', 0, 'INPUT'),
    purchases('EXEMPTINPUT', 'Exempt Expenses', 0, 'EXEMPTINPUT'),
    sales('OUTPUT', '17.5% (VAT on Income)', 17.5, 'OUTPUT', 'ARCHIVED'),
  ],
  accounts: [
    { Code: '090', Name: 'Business Bank Account', Type: 'BANK', Class: 'ASSET', Status: 'ACTIVE', TaxType: 'NONE' },
    { Code: '200', Name: 'Sales', Type: 'REVENUE', Class: 'REVENUE', Status: 'ACTIVE', TaxType: 'OUTPUT2', ReportingCode: 'REV.TRA.GOO' },
    { Code: '205', Name: 'Sales - Discontinued Line', Type: 'REVENUE', Class: 'REVENUE', Status: 'ARCHIVED', TaxType: 'OUTPUT2' },
    { Code: '210', Name: 'Wholesale Sales (EU)', Type: 'REVENUE', Class: 'REVENUE', Status: 'ACTIVE', TaxType: 'ECZROUTPUT' },
    { Code: '260', Name: 'Other Revenue', Type: 'REVENUE', Class: 'REVENUE', Status: 'ACTIVE', TaxType: 'OUTPUT2' },
    { Code: '270', Name: 'Interest Income', Type: 'REVENUE', Class: 'REVENUE', Status: 'ACTIVE', TaxType: 'EXEMPTOUTPUT' },
    { Code: '310', Name: 'Cost of Goods Sold', Type: 'DIRECTCOSTS', Class: 'EXPENSE', Status: 'ACTIVE', TaxType: 'INPUT2' },
    { Code: '400', Name: 'Advertising', Type: 'OVERHEADS', Class: 'EXPENSE', Status: 'ACTIVE', TaxType: 'INPUT2' },
    { Code: '404', Name: 'Bank Fees', Type: 'OVERHEADS', Class: 'EXPENSE', Status: 'ACTIVE', TaxType: 'EXEMPTINPUT' },
    { Code: '425', Name: 'Freight & Courier', Type: 'OVERHEADS', Class: 'EXPENSE', Status: 'ACTIVE', TaxType: 'INPUT2' },
    { Code: '429', Name: 'General Expenses', Type: 'OVERHEADS', Class: 'EXPENSE', Status: 'ACTIVE', TaxType: 'INPUT2' },
    { Code: '610', Name: 'Accounts Receivable', Type: 'CURRENT', Class: 'ASSET', Status: 'ACTIVE', TaxType: 'NONE', SystemAccount: 'DEBTORS' },
    { Code: '800', Name: 'Accounts Payable', Type: 'CURRLIAB', Class: 'LIABILITY', Status: 'ACTIVE', TaxType: 'NONE', SystemAccount: 'CREDITORS' },
    { Code: '820', Name: 'VAT', Type: 'CURRLIAB', Class: 'LIABILITY', Status: 'ACTIVE', TaxType: 'NONE', SystemAccount: 'GST' },
    { Code: '860', Name: 'Rounding', Type: 'CURRLIAB', Class: 'LIABILITY', Status: 'ACTIVE', TaxType: 'NONE', SystemAccount: 'ROUNDING' },
  ],
  trackingCategories: [
    { Name: 'Season', Options: ['SS25', 'AW25', 'SS26', 'AW26', 'Core', 'SS27', 'FW26', 'Resort', 'Permanent'] },
    { Name: 'Collection', Options: ['Mainline', 'Capsule', 'Outlet'] },
  ],
  endOfYearLockDate: '2024-03-31',
  financialYearEndDay: 31,
  financialYearEndMonth: 3,
  defaultSalesTax: 'OUTPUT2',
  contacts: [{ Name: 'Boutique Sample Ltd', ContactNumber: 'SEED-0001', EmailAddress: 'accounts@boutique.example' }],
};

export const DEMO_FASHION_EU: TenantSeed = {
  name: 'Demo Fashion BV',
  legalName: 'Demo Fashion B.V.',
  countryCode: 'NL',
  version: 'GLOBAL',
  baseCurrency: 'EUR',
  currencies: [
    { Code: 'EUR', Description: 'Euro', rate: 1 },
    { Code: 'GBP', Description: 'British Pound', rate: 0.85 },
  ],
  taxRates: [
    sales('OUTPUT', 'BTW hoog 21%', 21, 'OUTPUT'),
    sales('TAX001', 'BTW laag 9%', 9, 'OUTPUT'),
    sales('ZERORATEDOUTPUT', 'Intracommunautaire levering 0%', 0, 'OUTPUT'),
    sales('EXEMPTOUTPUT', 'Vrijgesteld', 0, 'EXEMPTOUTPUT'),
    purchases('INPUT', 'Voorbelasting 21%', 21, 'INPUT'),
    noTax('Geen btw'),
  ],
  accounts: [
    { Code: '090', Name: 'Bankrekening', Type: 'BANK', Class: 'ASSET', Status: 'ACTIVE', TaxType: 'NONE' },
    { Code: '200', Name: 'Omzet', Type: 'REVENUE', Class: 'REVENUE', Status: 'ACTIVE', TaxType: 'OUTPUT' },
    { Code: '260', Name: 'Overige opbrengsten', Type: 'REVENUE', Class: 'REVENUE', Status: 'ACTIVE', TaxType: 'OUTPUT' },
    { Code: '400', Name: 'Reclame', Type: 'OVERHEADS', Class: 'EXPENSE', Status: 'ACTIVE', TaxType: 'INPUT' },
    { Code: '610', Name: 'Debiteuren', Type: 'CURRENT', Class: 'ASSET', Status: 'ACTIVE', TaxType: 'NONE', SystemAccount: 'DEBTORS' },
    { Code: '820', Name: 'Te betalen btw', Type: 'CURRLIAB', Class: 'LIABILITY', Status: 'ACTIVE', TaxType: 'NONE', SystemAccount: 'GST' },
    { Code: '860', Name: 'Afronding', Type: 'CURRLIAB', Class: 'LIABILITY', Status: 'ACTIVE', TaxType: 'NONE', SystemAccount: 'ROUNDING' },
  ],
  trackingCategories: [
    { Name: 'Season', Options: ['SS25', 'AW25', 'SS26', 'AW26', 'SS27', 'FW26', 'Resort', 'Permanent'] },
    { Name: 'Channel', Options: ['Showroom', 'Online', 'Agent'] },
  ],
  financialYearEndDay: 31,
  financialYearEndMonth: 12,
  defaultSalesTax: 'OUTPUT',
};

export const DEFAULT_TENANTS: TenantSeed[] = [DEMO_FASHION_UK, DEMO_FASHION_EU];

export function buildTenant(seed: TenantSeed, now: number): TenantState {
  const tenantId = seed.tenantId ?? stableId('tenant', seed.name);
  const contacts = new Map<string, ContactRec>();
  for (const c of seed.contacts ?? []) {
    const ContactID = stableId(tenantId, 'contact', c.Name);
    contacts.set(ContactID, { ContactID, ...c, ContactStatus: 'ACTIVE', IsCustomer: true, IsSupplier: false, UpdatedDateUTC: now });
  }
  return indexTenant({
    tenantId,
    name: seed.name,
    legalName: seed.legalName ?? seed.name,
    countryCode: seed.countryCode,
    version: seed.version,
    baseCurrency: seed.baseCurrency,
    currencies: seed.currencies.map((c) => ({ ...c })),
    taxRates: seed.taxRates.map((t) => ({ ...t })),
    accounts: seed.accounts.map((a) => ({ ...a, AccountID: stableId(tenantId, 'account', a.Code) })),
    trackingCategories: seed.trackingCategories.map((tc) => {
      const TrackingCategoryID = stableId(tenantId, 'tracking', tc.Name);
      return {
        TrackingCategoryID,
        Name: tc.Name,
        Status: 'ACTIVE' as const,
        Options: tc.Options.map((o) => ({ TrackingOptionID: stableId(TrackingCategoryID, o), Name: o, Status: 'ACTIVE' as const })),
      };
    }),
    endOfYearLockDate: seed.endOfYearLockDate,
    periodLockDate: seed.periodLockDate,
    financialYearEndDay: seed.financialYearEndDay ?? 31,
    financialYearEndMonth: seed.financialYearEndMonth ?? 12,
    defaultSalesTax: seed.defaultSalesTax,
    createdDateUTC: now,
    contacts,
    invoices: new Map(),
    creditNotes: new Map(),
    invoiceNumbers: new Map(),
    nextInvoiceNumber: 1,
    nextCreditNoteNumber: 1,
    index: new TenantIndex(),
  });
}
