// Each document's published revision, from its stream (document-<key>): what the next run compares a
// document's revision with to decide whether it changed. poller.document_revisions.revision is its projection.
import type { DocumentType, RunMode } from '@lnbx/contracts';
import { assertNever } from './flow-settings';

/** An InvoiceDetected or CreditNoteDetected, as far as the revision goes. */
export const DOCUMENT_STREAM_PREFIX = 'document-';
export const documentStream = (documentKey: string): string => `${DOCUMENT_STREAM_PREFIX}${documentKey}`;

export interface DocumentDetected {
  documentKey: string;
  documentType: DocumentType;
  revision: string;
  runId: string;
  mode: RunMode;
  /**
   * When it was stored, as the database wrote it (text: to the microsecond, as the projection's emitted_at,
   * which the same transaction's clock wrote). Unknown (null) while that transaction runs.
   */
  recordedAt: string | null;
}

export interface PublishedRevision {
  documentKey: string;
  revision: string;
  /** The run that published it. */
  runId: string;
  publishedAt: string | null;
}

/**
 * The revision after one more detected event. A preview's events show a document as it is without
 * recording it (the next export must still find it new or changed), so they leave the revision as it was.
 */
export function evolvePublishedRevision(state: PublishedRevision | null, event: DocumentDetected): PublishedRevision | null {
  switch (event.mode) {
    case 'export':
      return { documentKey: event.documentKey, revision: event.revision, runId: event.runId, publishedAt: event.recordedAt };
    case 'preview':
      return state;
    default:
      return assertNever(event.mode);
  }
}
