export const FLOWS = ['invoices', 'credit_notes'] as const;
export type Flow = (typeof FLOWS)[number];

export const DOCUMENT_TYPES = ['invoice', 'credit_note'] as const;
export type DocumentType = (typeof DOCUMENT_TYPES)[number];

export const RUN_MODES = ['export', 'preview'] as const;
export type RunMode = (typeof RUN_MODES)[number];

export const RUN_TRIGGERS = ['schedule', 'manual', 'retry'] as const;
export type RunTrigger = (typeof RUN_TRIGGERS)[number];

/**
 * What a run reads from LNB: `full`, every document and its order (the first run, a preview, the
 * periodic or requested full re-check); `incremental`, only what changed since the last run (new or
 * changed documents, the documents of orders and retailers changed in LNB); `named`, the documents
 * the run names.
 */
export const RUN_SCOPES = ['full', 'incremental', 'named'] as const;
export type RunScope = (typeof RUN_SCOPES)[number];

export const flowOfDocumentType = (t: DocumentType): Flow => (t === 'invoice' ? 'invoices' : 'credit_notes');
export const documentTypeOfFlow = (f: Flow): DocumentType => (f === 'invoices' ? 'invoice' : 'credit_note');

/** `<connection>:<invoice|credit_note>:<LNB reference_number>`: the Kafka key of every event about a document. */
export const documentKey = (connectionId: string, type: DocumentType, reference: string): string => `${connectionId}:${type}:${reference}`;

export function parseDocumentKey(key: string): { connectionId: string; type: DocumentType; reference: string } | null {
  const m = /^([^:]+):(invoice|credit_note):(.+)$/.exec(key);
  return m ? { connectionId: m[1], type: m[2] as DocumentType, reference: m[3] } : null;
}

/** The Kafka key of run and configuration events of one flow. */
export const flowKey = (connectionId: string, flow: Flow): string => `${connectionId}:${flow}`;
