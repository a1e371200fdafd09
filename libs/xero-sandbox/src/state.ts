// What a sandbox organisation holds: reference data (seeded) and the documents an integration creates.
import type { LineAmountType } from './money';

export interface TaxRateDef {
  TaxType: string;
  Name: string;
  Rate: number;
  Status: 'ACTIVE' | 'ARCHIVED' | 'DELETED';
  ReportTaxType?: string;
  CanApplyToRevenue: boolean;
  CanApplyToExpenses: boolean;
}

export interface AccountDef {
  AccountID: string;
  Code: string;
  Name: string;
  Type: string;
  Class: string;
  Status: 'ACTIVE' | 'ARCHIVED';
  TaxType?: string;
  SystemAccount?: string;
  ReportingCode?: string;
}

export interface TrackingCategoryDef {
  TrackingCategoryID: string;
  Name: string;
  Status: 'ACTIVE' | 'ARCHIVED';
  Options: { TrackingOptionID: string; Name: string; Status: 'ACTIVE' | 'ARCHIVED' }[];
}

export interface TenantSeed {
  tenantId?: string;
  name: string;
  legalName?: string;
  countryCode: string;
  version: string;
  baseCurrency: string;
  /** Enabled currencies with the day rate (units of that currency per unit of base). */
  currencies: { Code: string; Description: string; rate: number }[];
  taxRates: TaxRateDef[];
  accounts: Omit<AccountDef, 'AccountID'>[];
  trackingCategories: { Name: string; Options: string[] }[];
  endOfYearLockDate?: string;
  periodLockDate?: string;
  financialYearEndDay?: number;
  financialYearEndMonth?: number;
  defaultSalesTax?: string;
  contacts?: { Name: string; ContactNumber?: string; EmailAddress?: string }[];
}

export interface ContactRec {
  ContactID: string;
  ContactNumber?: string;
  AccountNumber?: string;
  ContactStatus: 'ACTIVE' | 'ARCHIVED' | 'GDPRREQUEST';
  Name: string;
  FirstName?: string;
  LastName?: string;
  EmailAddress?: string;
  CompanyNumber?: string;
  TaxNumber?: string;
  DefaultCurrency?: string;
  IsCustomer: boolean;
  IsSupplier: boolean;
  Addresses?: unknown[];
  Phones?: unknown[];
  AccountsReceivableTaxType?: string;
  SalesDefaultAccountCode?: string;
  UpdatedDateUTC: number;
}

export interface TrackingRef {
  TrackingCategoryID: string;
  TrackingOptionID: string;
  Name: string;
  Option: string;
}

export interface LineRec {
  LineItemID: string;
  Description?: string;
  Quantity: number;
  UnitAmount: number;
  ItemCode?: string;
  AccountCode?: string;
  AccountID?: string;
  TaxType?: string;
  TaxAmount: number;
  LineAmount: number;
  DiscountRate?: number;
  DiscountAmount?: number;
  Tracking: TrackingRef[];
}

export interface AllocationRec {
  AllocationID: string;
  InvoiceID: string;
  CreditNoteID: string;
  Amount: number;
  Date: string;
}

export interface PaymentRec {
  PaymentID: string;
  Amount: number;
  Date: string;
}

export interface AttachmentRec {
  AttachmentID: string;
  FileName: string;
  MimeType: string;
  ContentLength: number;
  IncludeOnline: boolean;
  /** base64, so a persisted state file is plain JSON. */
  content: string;
}

export type DocKind = 'invoice' | 'creditNote';

export interface DocumentRec {
  kind: DocKind;
  id: string;
  Type: string;
  Number: string;
  Reference?: string;
  ContactID: string;
  Date: string;
  DueDate?: string;
  Status: string;
  LineAmountTypes: LineAmountType;
  CurrencyCode: string;
  CurrencyRate: number;
  LineItems: LineRec[];
  SubTotal: number;
  TotalTax: number;
  Total: number;
  TotalDiscount: number;
  AmountPaid: number;
  /** Invoices: credit allocated to them. Credit notes: credit allocated away. */
  AmountAllocated: number;
  Allocations: AllocationRec[];
  Payments: PaymentRec[];
  Attachments: AttachmentRec[];
  Url?: string;
  SentToContact?: boolean;
  BrandingThemeID?: string;
  ExpectedPaymentDate?: string;
  FullyPaidOnDate?: string;
  /** The unitdp in force when stored: unit prices keep 4 decimals only if the writer asked for them. */
  CreatedDateUTC: number;
  UpdatedDateUTC: number;
}

export interface TenantState {
  tenantId: string;
  name: string;
  legalName: string;
  countryCode: string;
  version: string;
  baseCurrency: string;
  currencies: { Code: string; Description: string; rate: number }[];
  taxRates: TaxRateDef[];
  accounts: AccountDef[];
  trackingCategories: TrackingCategoryDef[];
  endOfYearLockDate?: string;
  periodLockDate?: string;
  financialYearEndDay: number;
  financialYearEndMonth: number;
  defaultSalesTax?: string;
  createdDateUTC: number;
  contacts: Map<string, ContactRec>;
  invoices: Map<string, DocumentRec>;
  creditNotes: Map<string, DocumentRec>;
  /** Upper-cased ACCREC invoice numbers to invoice ids: the uniqueness index. */
  invoiceNumbers: Map<string, string>;
  nextInvoiceNumber: number;
  nextCreditNoteNumber: number;
}

export function docMap(t: TenantState, kind: DocKind): Map<string, DocumentRec> {
  return kind === 'invoice' ? t.invoices : t.creditNotes;
}

export function amountDue(d: DocumentRec): number {
  return Math.round((d.Total - d.AmountPaid - d.AmountAllocated) * 100) / 100;
}
