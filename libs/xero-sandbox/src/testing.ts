// Helpers for tests that drive the sandbox with xero-node, as the exporter does.
import { AccountingApi, CreditNote, CurrencyCode, Invoice, LineAmountTypes, type LineItem } from 'xero-node';
import type { TokenSet, XeroSandbox } from './sandbox';

/** xero-node's AccountingApi pointed at the sandbox, holding a token from the authorization-code flow. */
export async function xeroNodeFor(sandbox: XeroSandbox, opts: { tenantIds?: string[] } = {}): Promise<{ api: AccountingApi; tokens: TokenSet }> {
  const tokens = await sandbox.connect(opts);
  const api = new AccountingApi();
  api.basePath = sandbox.accountingBasePath;
  api.accessToken = tokens.access_token;
  return { api, tokens };
}

/** xero-node rejects non-2xx answers with a JSON string (or an object for some paths): this reads either. */
export interface XeroNodeFailure {
  statusCode: number;
  headers: Record<string, string>;
  body: unknown;
}

export function parseXeroNodeError(err: unknown): XeroNodeFailure {
  const raw: unknown = typeof err === 'string' ? JSON.parse(err) : err;
  const r = (raw as { response?: { statusCode?: number; status?: number; headers?: Record<string, string>; body?: unknown; data?: unknown } }).response ?? {};
  return { statusCode: r.statusCode ?? r.status ?? 0, headers: r.headers ?? {}, body: r.body ?? r.data };
}

/** Runs a xero-node call that must fail and returns how it failed. */
export async function expectXeroFailure(call: Promise<unknown>): Promise<XeroNodeFailure> {
  try {
    await call;
  } catch (err) {
    return parseXeroNodeError(err);
  }
  throw new Error('expected the Xero call to fail, it succeeded');
}

let counter = 0;
/** A unique invoice number per call, so tests never collide within one sandbox. */
export function uniqueNumber(prefix = 'LNB'): string {
  counter++;
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${counter}`;
}

export function aLine(overrides: Partial<LineItem> = {}): LineItem {
  return { description: 'Wool coat, navy, size 40', quantity: 2, unitAmount: 120, accountCode: '200', taxType: 'OUTPUT2', ...overrides };
}

export function anInvoice(overrides: Partial<Invoice> = {}): Invoice {
  return {
    type: Invoice.TypeEnum.ACCREC,
    contact: { name: 'Boutique Sample Ltd' },
    date: '2026-03-02',
    dueDate: '2026-04-01',
    invoiceNumber: uniqueNumber(),
    reference: 'LNB order 1001',
    currencyCode: CurrencyCode.GBP,
    status: Invoice.StatusEnum.AUTHORISED,
    lineAmountTypes: LineAmountTypes.Exclusive,
    lineItems: [aLine()],
    ...overrides,
  };
}

export function aCreditNote(overrides: Partial<CreditNote> = {}): CreditNote {
  return {
    type: CreditNote.TypeEnum.ACCRECCREDIT,
    contact: { name: 'Boutique Sample Ltd' },
    date: '2026-03-05',
    creditNoteNumber: uniqueNumber('CN'),
    reference: 'LNB return 77',
    currencyCode: CurrencyCode.GBP,
    status: CreditNote.StatusEnum.AUTHORISED,
    lineAmountTypes: LineAmountTypes.Exclusive,
    lineItems: [aLine({ quantity: 1 })],
    ...overrides,
  };
}
