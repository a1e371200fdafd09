// Every reason the mapper gives, with its stable code. Messages are for a finance person: plain
// words naming the document's line, SKU or field.
import type { Problem } from '@lnbx/contracts';

export const CODES = {
  EMPTY_DOCUMENT: 'LNB.EMPTY_DOCUMENT',
  MISSING_SKU: 'LNB.MISSING_SKU',
  MISSING_EAN13: 'LNB.MISSING_EAN13',
  ZERO_QUANTITY_LINE: 'LNB.ZERO_QUANTITY_LINE',
  MISSING_RETAILER_REFERENCE: 'LNB.MISSING_RETAILER_REFERENCE',
  RETAILER_REFERENCE_TOO_LONG: 'LNB.RETAILER_REFERENCE_TOO_LONG',
  MISSING_RETAILER_NAME: 'LNB.MISSING_RETAILER_NAME',
  UNKNOWN_TAX_RATE: 'LNB.UNKNOWN_TAX_RATE',
  CURRENCY_MISSING: 'LNB.CURRENCY_MISSING',
  MISSING_DATE: 'LNB.MISSING_DATE',
  TOTALS_MISMATCH: 'LNB.TOTALS_MISMATCH',
  TOTAL_MISSING: 'LNB.TOTAL_MISSING',
  CREDIT_NOTE_WITHOUT_INVOICE: 'LNB.CREDIT_NOTE_WITHOUT_INVOICE',
  DEPOSIT_NOT_EXPORTED: 'LNB.DEPOSIT_NOT_EXPORTED',
  NO_ACCOUNT_FOR_LINE: 'MAP.NO_ACCOUNT_FOR_LINE',
  NUMBER_TOO_LONG: 'MAP.NUMBER_TOO_LONG',
  SKU_TOO_LONG_FOR_ITEM_CODE: 'MAP.SKU_TOO_LONG_FOR_ITEM_CODE',
  UNKNOWN_TAX_TYPE: 'XERO.UNKNOWN_TAX_TYPE',
  TAX_TYPE_NOT_FOR_SALES: 'XERO.TAX_TYPE_NOT_FOR_SALES',
  TAX_RATE_MISMATCH: 'XERO.TAX_RATE_MISMATCH',
  UNKNOWN_ACCOUNT: 'XERO.UNKNOWN_ACCOUNT',
  ARCHIVED_ACCOUNT: 'XERO.ARCHIVED_ACCOUNT',
  CURRENCY_NOT_ENABLED: 'XERO.CURRENCY_NOT_ENABLED',
  UNKNOWN_TRACKING_CATEGORY: 'XERO.UNKNOWN_TRACKING_CATEGORY',
  UNKNOWN_TRACKING_OPTION: 'XERO.UNKNOWN_TRACKING_OPTION',
} as const;

export type ProblemCode = (typeof CODES)[keyof typeof CODES];

export const error = (code: ProblemCode, message: string, field?: string): Problem =>
  field === undefined ? { code, message, severity: 'error' } : { code, message, severity: 'error', field };

export const warning = (code: ProblemCode, message: string, field?: string): Problem =>
  field === undefined ? { code, message, severity: 'warning' } : { code, message, severity: 'warning', field };
