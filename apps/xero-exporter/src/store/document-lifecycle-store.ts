// A document's stream (document-<key>) read back through evolveDocument, its decisions appended, and its
// projections (exporter.documents, and the state of its exporter.allocations row) written from the evolved
// state in the same transaction: the same code serves the workers and the rebuild, so a rebuilt table is
// the one the workers wrote.
import { decode, type DocumentType, type EventEnvelope } from '@lnbx/contracts';
import type { EventStore, NewEvent, RecordedEvent, Transaction } from '@lnbx/event-store';
import {
  type AllocationState,
  decideDocument,
  type DocumentCommand,
  type DocumentEvent,
  type DocumentRefusal,
  type DocumentState,
  evolveDocument,
  INTERNAL_EVENT_TYPES,
  type InternalEvent,
  isInternal,
  type LegacyRows,
  NO_DOCUMENT,
  type PublishedEvent,
  withLegacyRows,
} from '../domain/document-lifecycle';
import { documentEnvelope, documentEventOf, documentStream } from '../domain/events';
import { SCHEMA } from './schema';

/** How a published event is stored: in the outbox for its topic (the Outbox's own conversion). */
export type ToOutbox = (envelope: EventEnvelope) => NewEvent;

/** Decisions taken but not appended yet, per document: the version they were taken on, and their events. */
export type PendingAppends = Map<string, { version: number; events: DocumentEvent[] }>;

const S = SCHEMA;
const STREAM_PREFIX = 'document-';

export class DocumentLifecycleStore {
  constructor(
    private readonly events: EventStore,
    private readonly toOutbox?: ToOutbox,
  ) {}

  /**
   * Holds the documents for the rest of the transaction, in one order whoever asks, so a decision is
   * taken on the stream as it is and no other writer appends between the read and the append.
   */
  async lock(tx: Transaction, keys: string[]): Promise<void> {
    const sorted = [...new Set(keys)].sort();
    if (sorted.length) {
      await tx.query(`select pg_advisory_xact_lock(hashtextextended('${S}.document:' || k, 0)) from unnest($1::text[]) with ordinality as t(k, n) order by n`, [
        sorted,
      ]);
    }
  }

  /** The documents' states from what `tx` sees of their streams (a previous release's rows complete a stream that predates the lifecycle). */
  async load(tx: Transaction, keys: string[]): Promise<Map<string, DocumentState>> {
    // One read for a whole batch: a sender's 50 documents are one query, not 50.
    const unique = [...new Set(keys)];
    const streams = await this.events.readStreams(unique.map(documentStream), { tx });
    const states = new Map<string, DocumentState>();
    for (const key of unique) states.set(key, streams.get(documentStream(key))!.map(documentEvent).reduce(evolveDocument, NO_DOCUMENT));
    const legacy = [...states].filter(([, s]) => !s.lifecycle).map(([k]) => k);
    if (legacy.length) {
      const rows = await legacyRows(tx, legacy);
      for (const key of legacy) states.set(key, withLegacyRows(states.get(key)!, rows.get(key)));
    }
    return states;
  }

  private async fold(tx: Transaction, key: string): Promise<DocumentState> {
    const recorded = await this.events.readStream(documentStream(key), { tx });
    return recorded.map(documentEvent).reduce(evolveDocument, NO_DOCUMENT);
  }

  /**
   * Decides `command` on `state` and appends what it decides, expecting the version it was decided on;
   * the state after it, or the refusal (nothing appended). The caller holds the document's lock and
   * projects the final state before its transaction commits.
   */
  async decide(tx: Transaction, key: string, state: DocumentState, command: DocumentCommand): Promise<{ state: DocumentState; refusal?: DocumentRefusal }> {
    const later: PendingAppends = new Map();
    const decided = this.decideLater(later, key, state, command);
    await this.appendAll(tx, later);
    return decided;
  }

  /**
   * As `decide`, its events kept in `later` instead of appended (`appendAll` appends a whole unit's in one
   * statement). Decisions on one document follow each other: each on the state the previous left.
   */
  decideLater(later: PendingAppends, key: string, state: DocumentState, command: DocumentCommand): { state: DocumentState; refusal?: DocumentRefusal } {
    const decision = decideDocument(command, state);
    if (!decision.ok) return { state, refusal: decision };
    const pending = later.get(key) ?? { version: state.version, events: [] };
    if (pending.version + pending.events.length !== state.version) {
      throw new Error(`${key}: decided on version ${state.version}, after decisions up to ${pending.version + pending.events.length}`);
    }
    pending.events.push(...decision.events);
    later.set(key, pending);
    return { state: decision.events.reduce(evolveDocument, state) };
  }

  /** Appends what was decided, every document expecting the version its first decision was taken on; all or nothing. */
  async appendAll(tx: Transaction, later: PendingAppends): Promise<void> {
    const batch = [...later].filter(([, p]) => p.events.length);
    if (!batch.length) return;
    await this.events.appendToStreams(
      batch.map(([key, p]) => ({ streamId: documentStream(key), events: p.events.map((e) => this.stored(e)), expectedVersion: p.version })),
      tx,
    );
  }

  /** An unpublished event stored without a topic, a published one through the outbox. */
  private stored(e: DocumentEvent): NewEvent {
    if (isInternal(e)) return { type: e.type, data: e.data, metadata: { at: e.at } };
    if (!this.toOutbox) throw new Error('this document lifecycle store cannot publish');
    return this.toOutbox(documentEnvelope(e as PublishedEvent));
  }

  /** Writes the documents' rows from their states (a document not known yet to belong to a connection has none). */
  async project(tx: Transaction, states: Map<string, DocumentState>): Promise<void> {
    const docs = [...states].filter(([, s]) => s.connectionId && s.docType);
    if (docs.length) {
      const col = <T>(f: (s: DocumentState) => T) => docs.map(([, s]) => f(s));
      await tx.query(
        `insert into ${S}.documents as d (document_key, connection_id, doc_type, xero_tenant_id, xero_id, number, revision, status, sub_total, total_tax, total, url, needs_lookup, updated_at)
         select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::numeric[], $10::numeric[], $11::numeric[], $12::text[], $13::boolean[], $14::timestamptz[])
         on conflict (document_key) do update set connection_id = excluded.connection_id, doc_type = excluded.doc_type, xero_tenant_id = excluded.xero_tenant_id,
           xero_id = excluded.xero_id, number = excluded.number, revision = excluded.revision, status = excluded.status, sub_total = excluded.sub_total,
           total_tax = excluded.total_tax, total = excluded.total, url = excluded.url, needs_lookup = excluded.needs_lookup, updated_at = excluded.updated_at`,
        [
          docs.map(([k]) => k),
          col((s) => s.connectionId),
          col((s) => s.docType),
          col((s) => s.inXero?.xeroTenantId ?? null),
          col((s) => s.inXero?.xeroId ?? null),
          col((s) => s.inXero?.number ?? null),
          col((s) => s.inXero?.revision ?? null),
          col((s) => s.inXero?.status ?? null),
          col((s) => s.inXero?.subTotal ?? null),
          col((s) => s.inXero?.totalTax ?? null),
          col((s) => s.inXero?.total ?? null),
          col((s) => s.inXero?.url ?? null),
          col((s) => s.needsLookup),
          col((s) => s.updatedAt ?? new Date().toISOString()),
        ],
      );
    }
    for (const [key, s] of states) if (s.allocation) await projectAllocation(tx, key, s.allocation);
  }

  /**
   * Empties exporter.documents and writes it again from every document-<key> stream, and writes the state of
   * every allocation the streams know into exporter.allocations (its schedule, `checks` and `next_check_at`,
   * is a work queue: kept for a row that exists, due now for a row written afresh), in one transaction.
   * Workers wait for it (the tables are locked against writes); a stream from a previous release is
   * completed from the rows it left, read before they are emptied.
   */
  async rebuild(tx: Transaction): Promise<{ streams: number; events: number }> {
    await tx.query(`lock table ${S}.documents, ${S}.allocations in exclusive mode`);
    const { rows } = await tx.query<{ stream_id: string }>(`select stream_id from ${S}.streams where stream_id like '${STREAM_PREFIX}%' order by stream_id`);
    const streamKeys = rows.map((r) => r.stream_id.slice(STREAM_PREFIX.length));
    const legacy = await legacyRows(tx);
    await tx.query(`delete from ${S}.documents`);
    const counts = { streams: 0, events: 0 };
    const keys = [...new Set([...streamKeys, ...legacy.keys()])].sort();
    for (let i = 0; i < keys.length; i += 500) {
      const states = new Map<string, DocumentState>();
      for (const key of keys.slice(i, i + 500)) {
        const folded = await this.fold(tx, key);
        if (folded.version) counts.streams++;
        counts.events += folded.version;
        states.set(key, withLegacyRows(folded, legacy.get(key)));
      }
      await this.project(tx, states);
    }
    return counts;
  }
}

async function projectAllocation(tx: Transaction, key: string, a: AllocationState): Promise<void> {
  await tx.query(
    `insert into ${S}.allocations as a (document_key, connection_id, revision, run_id, correlation_id, causation_id, credit_note_xero_id, credit_note_number,
       invoice_number, credit_note_date, state, message, updated_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
     on conflict (document_key) do update set connection_id = excluded.connection_id, revision = excluded.revision, run_id = excluded.run_id,
       correlation_id = excluded.correlation_id, causation_id = excluded.causation_id, credit_note_xero_id = excluded.credit_note_xero_id,
       credit_note_number = excluded.credit_note_number, invoice_number = excluded.invoice_number, credit_note_date = excluded.credit_note_date,
       state = excluded.state, message = excluded.message, updated_at = excluded.updated_at`,
    [
      key,
      a.ref.connectionId,
      a.ref.revision,
      a.ref.runId,
      a.ref.correlationId,
      a.ref.causationId,
      a.creditNoteXeroId,
      a.creditNoteNumber,
      a.invoiceNumber,
      a.creditNoteDate,
      a.state,
      a.message,
      a.updatedAt,
    ],
  );
}

/** The rows a previous release wrote for these documents (all when none named). */
async function legacyRows(tx: Transaction, keys?: string[]): Promise<Map<string, LegacyRows>> {
  const { rows } = await tx.query(
    `select d.document_key, d.connection_id, d.doc_type, d.xero_tenant_id, d.xero_id, d.number, d.revision as doc_revision, d.status, d.sub_total, d.total_tax,
       d.total, d.url, d.needs_lookup, d.updated_at as doc_updated_at, a.document_key as allocation_key, a.revision, a.run_id, a.correlation_id, a.causation_id,
       a.credit_note_xero_id, a.credit_note_number, a.invoice_number, a.credit_note_date, a.state, a.message, a.updated_at
     from ${S}.documents d left join ${S}.allocations a using (document_key)
     ${keys ? 'where d.document_key = any($1)' : ''}`,
    keys ? [keys] : [],
  );
  const num = (v: unknown): number => (v === null ? 0 : Number(v));
  return new Map(
    rows.map((r) => {
      const docType = r.doc_type as DocumentType;
      const allocation: AllocationState | null = r.allocation_key
        ? {
            state: r.state,
            message: r.message,
            creditNoteXeroId: r.credit_note_xero_id,
            creditNoteNumber: r.credit_note_number,
            invoiceNumber: r.invoice_number,
            creditNoteDate: r.credit_note_date,
            updatedAt: (r.updated_at as Date).toISOString(),
            ref: {
              documentKey: r.document_key,
              connectionId: r.connection_id,
              docType,
              revision: r.revision,
              runId: r.run_id,
              correlationId: r.correlation_id,
              causationId: r.causation_id,
            },
          }
        : null;
      return [
        r.document_key as string,
        {
          connectionId: r.connection_id,
          docType,
          needsLookup: r.needs_lookup,
          allocation,
          updatedAt: (r.doc_updated_at as Date).toISOString(),
          inXero: r.xero_id
            ? {
                xeroTenantId: r.xero_tenant_id ?? '',
                xeroId: r.xero_id,
                number: r.number ?? '',
                revision: r.doc_revision ?? '',
                status: r.status,
                subTotal: num(r.sub_total),
                totalTax: num(r.total_tax),
                total: num(r.total),
                url: r.url ?? '',
              }
            : null,
        },
      ];
    }),
  );
}

/** A stored event, read back: a published one validated again as any consumer would (its schema may have moved since). */
function documentEvent(recorded: RecordedEvent): DocumentEvent {
  const where = `${recorded.streamId} v${recorded.streamVersion} (event ${recorded.eventId})`;
  if (recorded.topic === null) {
    const at = recorded.metadata.at;
    if (
      !(INTERNAL_EVENT_TYPES as readonly string[]).includes(recorded.type) ||
      typeof at !== 'string' ||
      typeof recorded.data !== 'object' ||
      recorded.data === null
    ) {
      throw new Error(`${where} holds a ${recorded.type}, not a document's lifecycle event`);
    }
    return { type: recorded.type, data: recorded.data, at } as InternalEvent;
  }
  const decoded = decode(recorded.topic, JSON.stringify(recorded.data));
  if (!decoded.ok) throw new Error(`${where} cannot be read: ${decoded.code}: ${decoded.reasons.join('; ')}`);
  const event = documentEventOf(decoded.envelope);
  if (!event) throw new Error(`${where} holds a ${decoded.envelope.type}, not a document's lifecycle event`);
  return event;
}
