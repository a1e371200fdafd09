// What a sandbox organisation holds: reference data (seeded) and the documents an integration creates.
import { TenantIndex } from './indexes';
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
  /** Never persisted: rebuilt from the maps (indexTenant). Every write goes through the store* functions below. */
  index: TenantIndex;
}

/** The tenant's fields without its entities and indexes: what the state file's tenant record holds. */
export type TenantMeta = Omit<TenantState, 'contacts' | 'invoices' | 'creditNotes' | 'invoiceNumbers' | 'index'>;

export function tenantMeta(t: TenantState): TenantMeta {
  const { contacts: _c, invoices: _i, creditNotes: _n, invoiceNumbers: _u, index: _x, ...meta } = t;
  return meta;
}

/** Stores a document, new or changed in place, so the indexes and the state file see it. */
export function storeDocument(t: TenantState, doc: DocumentRec): void {
  docMap(t, doc.kind).set(doc.id, doc);
  t.index.documents(doc.kind).put(doc);
  t.index.unsaved.documents.set(doc.id, doc);
}

/** Stores a contact, new or changed, so the indexes and the state file see it. */
export function storeContact(t: TenantState, c: ContactRec): void {
  t.contacts.set(c.ContactID, c);
  t.index.contacts.put(c);
  t.index.unsaved.contacts.set(c.ContactID, c);
}

/** The tenant's own fields changed (lock dates, number counters): the state file writes them. */
export function tenantChanged(t: TenantState): void {
  t.index.unsaved.tenant = true;
}

/** A fresh index over what the maps hold, with nothing unsaved. */
export function indexTenant(t: TenantState): TenantState {
  t.index = new TenantIndex();
  for (const c of t.contacts.values()) t.index.contacts.put(c);
  for (const d of t.invoices.values()) t.index.invoices.put(d);
  for (const d of t.creditNotes.values()) t.index.creditNotes.put(d);
  return t;
}

export function docMap(t: TenantState, kind: DocKind): Map<string, DocumentRec> {
  return kind === 'invoice' ? t.invoices : t.creditNotes;
}

export function amountDue(d: DocumentRec): number {
  return Math.round((d.Total - d.AmountPaid - d.AmountAllocated) * 100) / 100;
}
