import type { EventDefinition } from './define-event';
import { CreditNoteDetected, InvoiceDetected } from './events/document-detected';
import { AllocationCheckRequested, CreditNoteAllocated, CreditNoteLeftUnallocated, CreditNoteAllocationDeferred } from './events/credit-note-allocation';
import { DocumentExportFailed } from './events/document-export-failed';
import { DocumentExported } from './events/document-exported';
import { DocumentMapped } from './events/document-mapped';
import { DocumentRejected } from './events/document-rejected';
import { MappingChanged, MappingChangeRequested } from './events/mapping';
import { OrgReferenceDataPublished } from './events/org-reference-data';
import { RunCompleted } from './events/run-completed';
import { RunFailed } from './events/run-failed';
import { RunRequested } from './events/run-requested';
import { RunStarted } from './events/run-started';
import { ScheduleChanged, ScheduleChangeRequested } from './events/schedule';
import { SelectionChanged, SelectionChangeRequested } from './events/selection';
import { XeroConnectionLost, XeroConnectionRestored } from './events/xero-connection';
import { XeroConnectionChanged } from './events/xero-connection-changed';
import { ConnectionChanged } from './events/connection-changed';

/** Every event of the flow, in the order the data flows: poller, mapper, exporter. One topic each. */
export const EVENTS = [
  RunRequested.definition,
  RunStarted.definition,
  RunCompleted.definition,
  RunFailed.definition,
  ScheduleChangeRequested.definition,
  ScheduleChanged.definition,
  SelectionChangeRequested.definition,
  SelectionChanged.definition,
  MappingChangeRequested.definition,
  MappingChanged.definition,
  InvoiceDetected.definition,
  CreditNoteDetected.definition,
  DocumentMapped.definition,
  DocumentRejected.definition,
  DocumentExported.definition,
  DocumentExportFailed.definition,
  OrgReferenceDataPublished.definition,
  XeroConnectionLost.definition,
  XeroConnectionRestored.definition,
  XeroConnectionChanged.definition,
  CreditNoteAllocationDeferred.definition,
  CreditNoteAllocated.definition,
  CreditNoteLeftUnallocated.definition,
  AllocationCheckRequested.definition,
  ConnectionChanged.definition,
] as const satisfies readonly EventDefinition[];

export type EventType = (typeof EVENTS)[number]['type'];

const byTopic = new Map<string, EventDefinition>(EVENTS.map((d) => [d.topic, d]));
const byType = new Map<string, EventDefinition>(EVENTS.map((d) => [d.type, d]));

export const definitionForTopic = (topic: string): EventDefinition | undefined => byTopic.get(topic);
export const definitionForType = (type: string): EventDefinition | undefined => byType.get(type);

/** The dead-letter topic of a topic: malformed messages go there with the reason and the original bytes. */
export const deadLetterTopic = (topic: string): string => `${topic}.dlq`;

/**
 * Topic names as deployed: an optional prefix (per environment, or per test run so runs never see
 * each other's messages) before the registry's name.
 */
export const topicName = (prefix: string, topic: string): string => `${prefix}${topic}`;
export const baseTopic = (prefix: string, deployed: string): string => (prefix && deployed.startsWith(prefix) ? deployed.slice(prefix.length) : deployed);
