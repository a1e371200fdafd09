// The envelopes the monitor projects, as one discriminated union on `type`, so every projection can
// switch over them exhaustively (a new event added here fails the build until every switch handles it).
import type {
  AllocationCheckRequested,
  ConnectionChanged,
  CreditNoteAllocated,
  CreditNoteLeftUnallocated,
  CreditNoteAllocationDeferred,
  CreditNoteDetected,
  DocumentExported,
  DocumentExportFailed,
  DocumentMapped,
  DocumentRejected,
  EventEnvelope,
  InvoiceDetected,
  MappingChanged,
  MappingChangeRequested,
  OrgReferenceDataPublished,
  RunCompleted,
  RunFailed,
  RunRequested,
  RunStarted,
  ScheduleChanged,
  ScheduleChangeRequested,
  SelectionChanged,
  SelectionChangeRequested,
  XeroConnectionChanged,
  XeroConnectionLost,
  XeroConnectionRestored,
} from '@lnbx/contracts';

export interface Payloads {
  RunRequested: RunRequested.Value;
  RunStarted: RunStarted.Value;
  RunCompleted: RunCompleted.Value;
  RunFailed: RunFailed.Value;
  ScheduleChangeRequested: ScheduleChangeRequested.Value;
  ScheduleChanged: ScheduleChanged.Value;
  SelectionChangeRequested: SelectionChangeRequested.Value;
  SelectionChanged: SelectionChanged.Value;
  MappingChangeRequested: MappingChangeRequested.Value;
  MappingChanged: MappingChanged.Value;
  InvoiceDetected: InvoiceDetected.Value;
  CreditNoteDetected: CreditNoteDetected.Value;
  DocumentMapped: DocumentMapped.Value;
  DocumentRejected: DocumentRejected.Value;
  DocumentExported: DocumentExported.Value;
  DocumentExportFailed: DocumentExportFailed.Value;
  OrgReferenceDataPublished: OrgReferenceDataPublished.Value;
  XeroConnectionLost: XeroConnectionLost.Value;
  XeroConnectionRestored: XeroConnectionRestored.Value;
  XeroConnectionChanged: XeroConnectionChanged.Value;
  CreditNoteAllocationDeferred: CreditNoteAllocationDeferred.Value;
  CreditNoteAllocated: CreditNoteAllocated.Value;
  CreditNoteLeftUnallocated: CreditNoteLeftUnallocated.Value;
  AllocationCheckRequested: AllocationCheckRequested.Value;
  ConnectionChanged: ConnectionChanged.Value;
}

/** The types the projections know; a unit test holds this equal to the registry's (its types are plain strings). */
export const PROJECTED_TYPES: readonly (keyof Payloads)[] = [
  'RunRequested',
  'RunStarted',
  'RunCompleted',
  'RunFailed',
  'ScheduleChangeRequested',
  'ScheduleChanged',
  'SelectionChangeRequested',
  'SelectionChanged',
  'MappingChangeRequested',
  'MappingChanged',
  'InvoiceDetected',
  'CreditNoteDetected',
  'DocumentMapped',
  'DocumentRejected',
  'DocumentExported',
  'DocumentExportFailed',
  'OrgReferenceDataPublished',
  'XeroConnectionLost',
  'XeroConnectionRestored',
  'XeroConnectionChanged',
  'CreditNoteAllocationDeferred',
  'CreditNoteAllocated',
  'CreditNoteLeftUnallocated',
  'AllocationCheckRequested',
  'ConnectionChanged',
];

export type Known = { [K in keyof Payloads]: EventEnvelope<Payloads[K]> & { type: K } }[keyof Payloads];

/** The envelope as the union; the decoder already checked that its payload matches its type. */
export const known = (env: EventEnvelope): Known => env as Known;

export type DocumentEvent = Extract<
  Known,
  { type: 'InvoiceDetected' | 'CreditNoteDetected' | 'DocumentMapped' | 'DocumentRejected' | 'DocumentExported' | 'DocumentExportFailed' }
>;
export type RunEvent = Extract<Known, { type: 'RunRequested' | 'RunStarted' | 'RunCompleted' | 'RunFailed' }>;
export type XeroConnectionEvent = Extract<Known, { type: 'XeroConnectionLost' | 'XeroConnectionRestored' }>;
/** The Xero connection told whole by the exporter (what the panel shows). */
export type XeroConnectionStateEvent = Extract<Known, { type: 'XeroConnectionChanged' }>;
/** What became of a credit note's allocation to its invoice, once it is in Xero: never its lifecycle state. */
export type AllocationEvent = Extract<Known, { type: 'CreditNoteAllocationDeferred' | 'CreditNoteAllocated' | 'CreditNoteLeftUnallocated' }>;
export type SettingsEvent = Extract<Known, { type: 'ScheduleChangeRequested' | 'ScheduleChanged' | 'SelectionChangeRequested' | 'SelectionChanged' }>;

const DOCUMENT_TYPES = new Set(['InvoiceDetected', 'CreditNoteDetected', 'DocumentMapped', 'DocumentRejected', 'DocumentExported', 'DocumentExportFailed']);
const RUN_TYPES = new Set(['RunRequested', 'RunStarted', 'RunCompleted', 'RunFailed']);
const ALLOCATION_TYPES = new Set(['CreditNoteAllocationDeferred', 'CreditNoteAllocated', 'CreditNoteLeftUnallocated']);
const SETTINGS_TYPES = new Set(['ScheduleChangeRequested', 'ScheduleChanged', 'SelectionChangeRequested', 'SelectionChanged']);

export const isDocumentEvent = (e: Known): e is DocumentEvent => DOCUMENT_TYPES.has(e.type);
export const isRunEvent = (e: Known): e is RunEvent => RUN_TYPES.has(e.type);
export const isXeroConnectionEvent = (e: Known): e is XeroConnectionEvent => e.type === 'XeroConnectionLost' || e.type === 'XeroConnectionRestored';
export const isAllocationEvent = (e: Known): e is AllocationEvent => ALLOCATION_TYPES.has(e.type);
export const isSettingsEvent = (e: Known): e is SettingsEvent => SETTINGS_TYPES.has(e.type);
