// The mapping configuration lives in libs/contracts (mapping-config.ts): monitor-api checks a change with the same
// rules before it sends it, and the mapper checks it again when it applies it.
export {
  applyMappingChange,
  CREATE_STATUSES,
  LINE_AMOUNT_TYPES,
  LINE_KINDS,
  MappingConfigError,
  parseMappingChange,
  parseMappingConfig,
  REFERENCE_SOURCES,
  TRACKING_SOURCES,
  type DueDateRule,
  type LineAmountType,
  type LineKind,
  type MappingChange,
  type MappingConfig,
  type TaxMapping,
  type TrackingMapping,
  type TrackingSource,
} from '@lnbx/contracts';
