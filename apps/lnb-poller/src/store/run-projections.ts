// The second half of npm run poller:rebuild: each connection's flows' progress (poller.flow_progress) from the run
// streams, and each document's published revision (poller.document_revisions: revision, run_id, emitted_at)
// from the document streams, through the same evolve and projection code the runs use, in one transaction.
import { CodedError, CreditNoteDetected, InvoiceDetected, DOCUMENT_TYPES, RUN_MODES } from '@lnbx/contracts';
import { comparePositions, type Position, type PostgresEventStore, toRecordedEvent, type Transaction } from '@lnbx/event-store';
import { DOCUMENT_STREAM_PREFIX, type DocumentDetected, evolvePublishedRevision, type PublishedRevision } from '../domain/published-revision';
import { evolveRun, newRun, progressOf, type ProgressMade, type RunState } from '../domain/run';
import type { RunStore } from './run-store';
import { RUN_STREAM_PREFIX, runEvent } from './run-streams';
import { SCHEMA } from './schema';

/** Events read per query, and revisions written per statement. */
const BATCH = 1_000;

export interface RunProjectionCounts {
  runs: number;
  runEvents: number;
  documents: number;
  documentEvents: number;
}

/**
 * Empties the progress and the revisions and writes them again from the streams. Runs and changes wait for
 * it (both tables are locked against writes; a page or a completion stored meanwhile lands on the rebuilt
 * rows once it commits), while runs go on reading the old rows until it commits. What the runs last read of
 * each document (update_time, fingerprints, references: a cache, not events) is kept for the documents
 * rebuilt.
 */
export async function rebuildRunProjections(events: PostgresEventStore, runs: RunStore, within?: Transaction): Promise<RunProjectionCounts> {
  const run = <T>(fn: (tx: Transaction) => Promise<T>): Promise<T> => (within ? fn(within) : events.withTransaction(fn));
  return run(async (tx) => {
    await tx.query(`lock table ${SCHEMA}.flow_progress, ${SCHEMA}.document_revisions in exclusive mode`);
    const counts: RunProjectionCounts = { runs: 0, runEvents: 0, documents: 0, documentEvents: 0 };

    await tx.query(`delete from ${SCHEMA}.flow_progress`);
    // In the order the runs completed, as the live path moved it (its updated_at is the last completion's).
    const made: { progress: ProgressMade; at: string; position: Position }[] = [];
    for await (const { streamId, rows } of streams<RunRow>(tx, RUN_STREAM_PREFIX, RUN_COLUMNS)) {
      let state: RunState = newRun(streamId.slice(RUN_STREAM_PREFIX.length));
      let completion: { at: string; position: Position } | undefined;
      for (const row of rows) {
        const ended = state.ended;
        const recorded = toRecordedEvent(row);
        state = evolveRun(state, runEvent(recorded));
        if (!ended && state.ended) completion = { at: row.recorded_text, position: recorded.position };
      }
      const progress = progressOf(state);
      if (progress && completion) made.push({ progress, ...completion });
      counts.runs++;
      counts.runEvents += rows.length;
    }
    made.sort((a, b) => comparePositions(a.position, b.position));
    for (const { progress, at } of made) await runs.projectProgress(tx, progress, at);

    await tx.query(`create temp table lnb_reads on commit drop as
      select document_key, update_time, fingerprint, order_reference, retailer_reference, recheck from ${SCHEMA}.document_revisions`);
    await tx.query(`delete from ${SCHEMA}.document_revisions`);
    let published: PublishedRevision[] = [];
    for await (const { rows } of streams<DocumentRow>(tx, DOCUMENT_STREAM_PREFIX, DOCUMENT_COLUMNS)) {
      const revision = rows.map(detectedOf).reduce(evolvePublishedRevision, null);
      if (revision) published.push(revision);
      if (published.length >= BATCH) {
        await runs.projectRevisions(tx, published);
        published = [];
      }
      counts.documents++;
      counts.documentEvents += rows.length;
    }
    await runs.projectRevisions(tx, published);
    await tx.query(`update ${SCHEMA}.document_revisions d
      set update_time = c.update_time, fingerprint = c.fingerprint, order_reference = c.order_reference, retailer_reference = c.retailer_reference, recheck = c.recheck
      from lnb_reads c where c.document_key = d.document_key`);
    return counts;
  });
}

interface StreamRow {
  stream_id: string;
  stream_version: number;
  event_id: string;
  type: string;
  topic: string | null;
  recorded_at: Date;
  /** recorded_at as the database writes it, to the microsecond (a Date keeps milliseconds). */
  recorded_text: string;
  transaction_id: string;
  global_position: string;
}
interface RunRow extends StreamRow {
  data: unknown;
  metadata: Record<string, unknown>;
  kafka_key: string | null;
}
interface DocumentRow extends StreamRow {
  /** Only what the revision needs: a document's events carry the whole document, read here by the thousand. */
  document_key: string | null;
  document_type: string | null;
  revision: string | null;
  run_id: string | null;
  mode: string | null;
}

const STREAM_COLUMNS = 'stream_id, stream_version, event_id, type, topic, recorded_at, recorded_at::text as recorded_text, transaction_id, global_position';
const RUN_COLUMNS = `${STREAM_COLUMNS}, data, metadata, kafka_key`;
const DOCUMENT_COLUMNS = `${STREAM_COLUMNS}, data->'payload'->>'documentKey' as document_key, data->'payload'->>'documentType' as document_type,
  data->'payload'->>'revision' as revision, data->'payload'->>'runId' as run_id, data->'payload'->>'mode' as mode`;

/**
 * Every stream whose id starts with `prefix`, one at a time with its events in order, as `tx` sees them. The
 * event store's port reads a stream by its id; a rebuild reads every stream of a kind (thousands), so it
 * pages through the poller's own events table in the order of its (stream_id, stream_version) key.
 */
async function* streams<R extends StreamRow>(tx: Transaction, prefix: string, columns: string): AsyncGenerator<{ streamId: string; rows: R[] }> {
  let after: [string, number] = ['', 0];
  let current: { streamId: string; rows: R[] } | undefined;
  for (;;) {
    const { rows } = await tx.query<R>(
      `select ${columns} from ${SCHEMA}.events
       where starts_with(stream_id, $1) and (stream_id, stream_version) > ($2, $3)
       order by stream_id, stream_version limit $4`,
      [prefix, ...after, BATCH],
    );
    for (const row of rows) {
      if (current && current.streamId !== row.stream_id) yield current;
      if (!current || current.streamId !== row.stream_id) current = { streamId: row.stream_id, rows: [] };
      current.rows.push(row);
    }
    if (rows.length < BATCH) break;
    const last = rows[rows.length - 1];
    after = [last.stream_id, last.stream_version];
  }
  if (current) yield current;
}

/** A detected event's revision fields, checked as the contract would (the rest of it is not read). */
function detectedOf(row: DocumentRow): DocumentDetected {
  const where = `${row.stream_id} v${row.stream_version} (event ${row.event_id})`;
  if (row.type !== InvoiceDetected.definition.type && row.type !== CreditNoteDetected.definition.type) {
    throw new CodedError('STORE.UNREADABLE_EVENT', `${where} holds a ${row.type}, not a detected document`);
  }
  const { document_key: documentKey, document_type: documentType, revision, run_id: runId, mode } = row;
  if (!documentKey || !revision || runId === null || !DOCUMENT_TYPES.includes(documentType as never) || !RUN_MODES.includes(mode as never)) {
    throw new CodedError('STORE.UNREADABLE_EVENT', `${where}: its documentKey, documentType, revision, runId or mode is missing or not valid`);
  }
  return {
    documentKey,
    documentType: documentType as DocumentDetected['documentType'],
    revision,
    runId,
    mode: mode as DocumentDetected['mode'],
    recordedAt: row.recorded_text,
  };
}
