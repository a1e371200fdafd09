export { startLnbSandbox, sandboxConfig, type LnbSandbox, type LnbSandboxAccountOptions, type LnbSandboxAdmin, type LnbSandboxOptions } from './sandbox';
export { AdminAccess, isLoopbackHost, type AdminAccessSettings, type AdminRefusal } from './admin-access';
export { FAULT_KINDS, type ActiveFault, type FaultKind, type FaultSpec } from './faults';
export {
  DEFECT_KINDS,
  type DefectKind,
  type GeneratedAddress,
  type GeneratedCreditNote,
  type GeneratedInvoice,
  type GeneratedOrder,
  type GeneratedRetailer,
  type GeneratorConfig,
} from './generator';
export type { Defect } from './inspect';
export type { DocumentDefects, DocumentType } from './store';
export type { CallCounts } from './account';
export type { RateLimitStats } from './rate-limit';
export { isValidEan13 } from './ean13';
export { BRAND_KEYS, BRANDS, KNOWN_TAX_RATES, type Brand, type BrandKey } from './catalogue';
