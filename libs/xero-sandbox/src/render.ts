// Stored records rendered the way Xero's JSON answers look: PascalCase, /Date(ms+0000)/ dates with their
// ...String twins, money at 2 decimals and unit prices at the unitdp the reader asked for.
import { roundMoney } from './money';
import { amountDue, type AccountDef, type ContactRec, type DocumentRec, type TaxRateDef, type TenantState, type TrackingCategoryDef } from './state';

export const ZERO_GUID = '00000000-0000-0000-0000-000000000000';

export const msDate = (ms: number): string => `/Date(${ms}+0000)/`;
const dayMs = (isoDate: string): number => Date.parse(`${isoDate}T00:00:00Z`);
const dateTimeString = (isoDate: string): string => `${isoDate}T00:00:00`;

export function renderContactSummary(c: ContactRec | undefined, id: string): Record<string, unknown> {
  if (!c) return { ContactID: id };
  return {
    ContactID: c.ContactID,
    ...(c.ContactNumber !== undefined ? { ContactNumber: c.ContactNumber } : {}),
    ContactStatus: c.ContactStatus,
    Name: c.Name,
    ...(c.EmailAddress ? { EmailAddress: c.EmailAddress } : {}),
    HasValidationErrors: false,
  };
}

export function renderContact(c: ContactRec): Record<string, unknown> {
  return {
    ContactID: c.ContactID,
    ...(c.ContactNumber !== undefined ? { ContactNumber: c.ContactNumber } : {}),
    ...(c.AccountNumber !== undefined ? { AccountNumber: c.AccountNumber } : {}),
    ContactStatus: c.ContactStatus,
    Name: c.Name,
    ...(c.FirstName ? { FirstName: c.FirstName } : {}),
    ...(c.LastName ? { LastName: c.LastName } : {}),
    ...(c.EmailAddress ? { EmailAddress: c.EmailAddress } : {}),
    ...(c.CompanyNumber ? { CompanyNumber: c.CompanyNumber } : {}),
    ...(c.TaxNumber ? { TaxNumber: c.TaxNumber } : {}),
    ...(c.DefaultCurrency ? { DefaultCurrency: c.DefaultCurrency } : {}),
    ...(c.AccountsReceivableTaxType ? { AccountsReceivableTaxType: c.AccountsReceivableTaxType } : {}),
    ...(c.SalesDefaultAccountCode ? { SalesDefaultAccountCode: c.SalesDefaultAccountCode } : {}),
    Addresses: c.Addresses ?? [],
    Phones: c.Phones ?? [],
    UpdatedDateUTC: msDate(c.UpdatedDateUTC),
    ContactGroups: [],
    IsSupplier: c.IsSupplier,
    IsCustomer: c.IsCustomer,
    ContactPersons: [],
    HasAttachments: false,
    HasValidationErrors: false,
  };
}

export function renderDocument(d: DocumentRec, tenant: TenantState, unitdp: 2 | 4, withLines = true): Record<string, unknown> {
  const isInvoice = d.kind === 'invoice';
  const out: Record<string, unknown> = { Type: d.Type };
  if (isInvoice) {
    out.InvoiceID = d.id;
    out.InvoiceNumber = d.Number;
  } else {
    out.CreditNoteID = d.id;
    out.CreditNoteNumber = d.Number;
  }
  if (d.Reference !== undefined) out.Reference = d.Reference;
  out.Payments = d.Payments.map((p) => ({
    PaymentID: p.PaymentID,
    Date: msDate(dayMs(p.Date)),
    Amount: p.Amount,
    CurrencyRate: d.CurrencyRate,
    HasAccount: false,
    HasValidationErrors: false,
  }));
  if (isInvoice) {
    out.CreditNotes = d.Allocations.map((a) => {
      const cn = tenant.creditNotes.get(a.CreditNoteID);
      return {
        CreditNoteID: a.CreditNoteID,
        CreditNoteNumber: cn?.Number,
        ID: a.AllocationID,
        AppliedAmount: a.Amount,
        DateString: dateTimeString(a.Date),
        Date: msDate(dayMs(a.Date)),
        LineItems: [],
        Total: cn?.Total,
        HasAttachments: false,
        HasErrors: false,
      };
    });
    out.Prepayments = [];
    out.Overpayments = [];
    out.AmountDue = amountDue(d);
    out.AmountPaid = d.AmountPaid;
    out.AmountCredited = d.AmountAllocated;
    out.IsDiscounted = d.LineItems.some((l) => !!l.DiscountRate || !!l.DiscountAmount);
  } else {
    out.RemainingCredit = amountDue(d);
    out.Allocations = d.Allocations.map((a) => {
      const inv = tenant.invoices.get(a.InvoiceID);
      return {
        AllocationID: a.AllocationID,
        Amount: a.Amount,
        Date: msDate(dayMs(a.Date)),
        Invoice: {
          InvoiceID: a.InvoiceID,
          InvoiceNumber: inv?.Number,
          Payments: [],
          CreditNotes: [],
          Prepayments: [],
          Overpayments: [],
          HasErrors: false,
          IsDiscounted: false,
          LineItems: [],
        },
      };
    });
  }
  out.CurrencyRate = d.CurrencyRate;
  if (d.FullyPaidOnDate) out.FullyPaidOnDate = msDate(dayMs(d.FullyPaidOnDate));
  if (d.Url !== undefined) out.Url = d.Url;
  if (d.SentToContact !== undefined) out.SentToContact = d.SentToContact;
  if (d.BrandingThemeID !== undefined) out.BrandingThemeID = d.BrandingThemeID;
  out.HasAttachments = d.Attachments.length > 0;
  out.HasErrors = false;
  out.Attachments = d.Attachments.map(renderAttachmentMeta(d));
  out.Contact = renderContactSummary(tenant.contacts.get(d.ContactID), d.ContactID);
  out.DateString = dateTimeString(d.Date);
  out.Date = msDate(dayMs(d.Date));
  if (d.DueDate) {
    out.DueDateString = dateTimeString(d.DueDate);
    out.DueDate = msDate(dayMs(d.DueDate));
  }
  if (d.ExpectedPaymentDate) out.ExpectedPaymentDate = msDate(dayMs(d.ExpectedPaymentDate));
  out.Status = d.Status;
  out.LineAmountTypes = d.LineAmountTypes;
  if (withLines) {
    out.LineItems = d.LineItems.map((l) => ({
      ...(l.ItemCode !== undefined ? { ItemCode: l.ItemCode } : {}),
      ...(l.Description !== undefined ? { Description: l.Description } : {}),
      UnitAmount: roundMoney(l.UnitAmount, unitdp),
      ...(l.TaxType !== undefined ? { TaxType: l.TaxType } : {}),
      TaxAmount: l.TaxAmount,
      LineAmount: l.LineAmount,
      ...(l.AccountCode !== undefined ? { AccountCode: l.AccountCode } : {}),
      ...(l.AccountID !== undefined ? { AccountID: l.AccountID } : {}),
      Tracking: l.Tracking.map((t) => ({ Name: t.Name, Option: t.Option, TrackingCategoryID: t.TrackingCategoryID, TrackingOptionID: t.TrackingOptionID })),
      Quantity: l.Quantity,
      ...(l.DiscountRate !== undefined ? { DiscountRate: l.DiscountRate } : {}),
      ...(l.DiscountAmount !== undefined ? { DiscountAmount: l.DiscountAmount } : {}),
      LineItemID: l.LineItemID,
      ValidationErrors: [],
    }));
  }
  out.SubTotal = d.SubTotal;
  out.TotalTax = d.TotalTax;
  out.Total = d.Total;
  if (d.TotalDiscount) out.TotalDiscount = d.TotalDiscount;
  out.UpdatedDateUTC = msDate(d.UpdatedDateUTC);
  out.CurrencyCode = d.CurrencyCode;
  return out;
}

export function renderAttachmentMeta(d: { kind: string; id: string }) {
  return (a: DocumentRec['Attachments'][number]): Record<string, unknown> => ({
    AttachmentID: a.AttachmentID,
    FileName: a.FileName,
    Url: `https://api.xero.com/api.xro/2.0/${d.kind === 'invoice' ? 'Invoices' : 'CreditNotes'}/${d.id}/Attachments/${encodeURIComponent(a.FileName)}`,
    MimeType: a.MimeType,
    ContentLength: a.ContentLength,
    IncludeOnline: a.IncludeOnline,
  });
}

export function renderOrganisation(t: TenantState): Record<string, unknown> {
  return {
    OrganisationID: t.tenantId,
    APIKey: '',
    Name: t.name,
    LegalName: t.legalName,
    PaysTax: true,
    Version: t.version,
    OrganisationType: 'COMPANY',
    BaseCurrency: t.baseCurrency,
    CountryCode: t.countryCode,
    IsDemoCompany: false,
    OrganisationStatus: 'ACTIVE',
    FinancialYearEndDay: t.financialYearEndDay,
    FinancialYearEndMonth: t.financialYearEndMonth,
    SalesTaxBasis: 'ACCRUALS',
    SalesTaxPeriod: 'QUARTERLY',
    ...(t.defaultSalesTax ? { DefaultSalesTax: 'Tax Exclusive' } : {}),
    ...(t.periodLockDate ? { PeriodLockDate: msDate(dayMs(t.periodLockDate)) } : {}),
    ...(t.endOfYearLockDate ? { EndOfYearLockDate: msDate(dayMs(t.endOfYearLockDate)) } : {}),
    CreatedDateUTC: msDate(t.createdDateUTC),
    OrganisationEntityType: 'COMPANY',
    Timezone: t.countryCode === 'GB' ? 'GMTSTANDARDTIME' : 'WEUROPESTANDARDTIME',
    ShortCode: `!${t.tenantId.slice(0, 5)}`,
    Edition: 'BUSINESS',
    Class: 'STANDARD',
    LineOfBusiness: 'Wholesale fashion',
    Addresses: [],
    Phones: [],
    ExternalLinks: [],
    PaymentTerms: {},
  };
}

export function renderTaxRate(t: TaxRateDef): Record<string, unknown> {
  return {
    Name: t.Name,
    TaxType: t.TaxType,
    ReportTaxType: t.ReportTaxType,
    CanApplyToAssets: t.CanApplyToExpenses,
    CanApplyToEquity: t.CanApplyToExpenses,
    CanApplyToExpenses: t.CanApplyToExpenses,
    CanApplyToLiabilities: t.CanApplyToExpenses,
    CanApplyToRevenue: t.CanApplyToRevenue,
    DisplayTaxRate: t.Rate,
    EffectiveRate: t.Rate,
    Status: t.Status,
    TaxComponents: [{ Name: 'VAT', Rate: t.Rate, IsCompound: false, IsNonRecoverable: false }],
  };
}

export function renderAccount(a: AccountDef, created: number): Record<string, unknown> {
  return {
    AccountID: a.AccountID,
    Code: a.Code,
    Name: a.Name,
    Status: a.Status,
    Type: a.Type,
    TaxType: a.TaxType,
    Class: a.Class,
    ...(a.SystemAccount ? { SystemAccount: a.SystemAccount } : {}),
    EnablePaymentsToAccount: false,
    ShowInExpenseClaims: false,
    BankAccountType: '',
    ReportingCode: a.ReportingCode ?? '',
    HasAttachments: false,
    UpdatedDateUTC: msDate(created),
    AddToWatchlist: false,
  };
}

export function renderTrackingCategory(c: TrackingCategoryDef): Record<string, unknown> {
  return {
    TrackingCategoryID: c.TrackingCategoryID,
    Name: c.Name,
    Status: c.Status,
    Options: c.Options.map((o) => ({
      TrackingOptionID: o.TrackingOptionID,
      Name: o.Name,
      Status: o.Status,
      HasValidationErrors: false,
      IsDeleted: false,
      IsArchived: o.Status === 'ARCHIVED',
      IsActive: o.Status === 'ACTIVE',
    })),
  };
}

/** The record a where clause sees: dates as epoch ms, the contact nested as Xero nests it. */
export function whereView(d: DocumentRec, tenant: TenantState): Record<string, unknown> {
  const c = tenant.contacts.get(d.ContactID);
  return {
    Type: d.Type,
    [d.kind === 'invoice' ? 'InvoiceID' : 'CreditNoteID']: d.id,
    [d.kind === 'invoice' ? 'InvoiceNumber' : 'CreditNoteNumber']: d.Number,
    Reference: d.Reference,
    Status: d.Status,
    Date: dayMs(d.Date),
    DueDate: d.DueDate ? dayMs(d.DueDate) : null,
    CurrencyCode: d.CurrencyCode,
    Total: d.Total,
    SubTotal: d.SubTotal,
    AmountDue: amountDue(d),
    RemainingCredit: amountDue(d),
    UpdatedDateUTC: d.UpdatedDateUTC,
    Contact: { ContactID: d.ContactID, Name: c?.Name, ContactNumber: c?.ContactNumber },
  };
}

export function contactWhereView(c: ContactRec): Record<string, unknown> {
  return { ...c };
}
