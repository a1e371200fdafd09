export { mapDocument, type MapInput, type MapResult } from './map-document';
export {
  applyMappingChange,
  parseMappingChange,
  parseMappingConfig,
  MappingConfigError,
  type MappingChange,
  type MappingConfig,
  type TaxMapping,
  type TrackingMapping,
  type DueDateRule,
  type LineKind,
} from './mapping-config';
export type { OrgReferenceData } from './reference-checks';
export { CODES, type ProblemCode } from './problems';
export {
  decideMapping,
  evolveMapping,
  storedMappingEvent,
  type MappingCommand,
  type MappingDecision,
  type MappingEvent,
  type MappingState,
} from './mapping-decider';
