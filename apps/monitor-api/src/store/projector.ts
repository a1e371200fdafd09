// Writes what the pure projections compute (domain/) into the read models. The same code serves the
// live consumers and the rebuild, so a rebuilt read model is the one the consumers would have made.
import type { EventEnvelope } from '@lnbx/contracts';
import type { ClientBase, Pool } from 'pg';
import { deadLetterConnection, deadLetterLine, logLinesFor, type DeadLetterRecord, type LogLine } from '../domain/log-lines';
import {
  allocationOf,
  evolveDocument,
  evolveRunDocument,
  laterAllocation,
  readStoredView,
  withAllocations,
  type AllocationView,
  type DocumentView,
  type RunDocumentView,
} from '../domain/documents';
import { effectsOf, type Effects } from '../domain/effects';
import {
  isAllocationEvent,
  isDocumentEvent,
  isRunEvent,
  isSettingsEvent,
  isXeroConnectionEvent,
  known,
  type AllocationEvent,
  type Known,
  type XeroConnectionEvent,
  type XeroConnectionStateEvent,
} from '../domain/events';
import { evolveRun, type RunView } from '../domain/runs';
import { evolveSettings, type FlowSettings } from '../domain/settings';
import { evolveXeroConnection, evolveXeroConnectionState, type XeroConnectionState, type XeroConnectionView } from '../domain/xero-status';
import { PostgresEventStore } from '@lnbx/event-store';
import { rebuildConnections } from './connection-store';
import { READ_MODEL_TABLES, SCHEMA } from './schema';

/** The consumer name under which the monitor marks the eventIds it projected. */
export const PROJECTION_CONSUMER = 'monitor-api.projection';

/** Serialises the projections of one entity (run, document, flow) across concurrent partitions. */
const lock = (tx: ClientBase, key: string) => tx.query('select pg_advisory_xact_lock(hashtextextended($1, 0))', [key]);

async function one<T>(tx: ClientBase, sql: string, params: unknown[]): Promise<T | null> {
  const { rows } = await tx.query(sql, params);
  return rows.length ? (rows[0].view as T) : null;
}

/** Each line belongs to the connection of the envelope it came from (null: a dead letter that does not say). */
async function insertLines(tx: ClientBase, connectionId: string | null, lines: LogLine[]): Promise<void> {
  for (const l of lines) {
    await tx.query(
      `insert into monitor.log_lines (connection_id, run_id, at, level, document_key, reference, code, message, event_type, source_id, revision)
       values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)`,
      [connectionId, l.runId, l.at, l.level, l.documentKey, l.reference, l.code, l.message, l.eventType, l.sourceId, l.revision],
    );
  }
}

/**
 * A run first seen takes the next number of its connection's runs (under that connection's lock, so two new
 * runs never share one): a brand's run numbers count its own runs only.
 */
async function saveRun(tx: ClientBase, connectionId: string, r: RunView, isNew: boolean): Promise<void> {
  if (isNew) {
    await lock(tx, `run-number:${connectionId}`);
    await tx.query(
      `insert into monitor.runs (connection_id, run_id, number, flow, mode, status, requested_at, started_at, ended_at, view)
       values ($1,$2,(select coalesce(max(number), 0) + 1 from monitor.runs where connection_id = $1),$3,$4,$5,$6,$7,$8,$9)`,
      [connectionId, r.runId, r.flow, r.mode, r.status, r.requestedAt, r.startedAt, r.endedAt, JSON.stringify(r)],
    );
    return;
  }
  await tx.query(
    `update monitor.runs set flow = $3, mode = $4, status = $5, requested_at = $6, started_at = $7, ended_at = $8, view = $9, updated_at = now()
     where connection_id = $1 and run_id = $2`,
    [connectionId, r.runId, r.flow, r.mode, r.status, r.requestedAt, r.startedAt, r.endedAt, JSON.stringify(r)],
  );
}

async function saveDocument(tx: ClientBase, connectionId: string, d: DocumentView): Promise<void> {
  await tx.query(
    `insert into monitor.documents (connection_id, document_key, flow, type, reference, state, retailer_reference, retailer_name, document_date, codes, last_event_at, allocation, view)
     values ($13,$1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)
     on conflict (connection_id, document_key) do update set state = excluded.state, retailer_reference = excluded.retailer_reference, retailer_name = excluded.retailer_name,
       document_date = excluded.document_date, codes = excluded.codes, last_event_at = excluded.last_event_at, allocation = excluded.allocation, view = excluded.view`,
    [
      d.documentKey,
      d.flow,
      d.type,
      d.reference,
      d.state,
      d.retailerReference,
      d.retailerName,
      d.documentDate,
      d.problems.map((p) => p.code),
      d.lastEventAt,
      d.allocation?.state ?? null,
      JSON.stringify(d),
      connectionId,
    ],
  );
}

const loadDocument = async (tx: ClientBase, connectionId: string, key: string): Promise<DocumentView | null> => {
  const stored = await one<DocumentView>(tx, 'select view from monitor.documents where connection_id = $1 and document_key = $2', [connectionId, key]);
  return stored && readStoredView<DocumentView>(stored);
};

const loadRunDocument = async (tx: ClientBase, connectionId: string, runId: string, key: string): Promise<RunDocumentView | null> => {
  const stored = await one<RunDocumentView>(tx, 'select view from monitor.run_documents where connection_id = $1 and run_id = $2 and document_key = $3', [
    connectionId,
    runId,
    key,
  ]);
  return stored && readStoredView<RunDocumentView>(stored);
};

/** What the exporter said of a document's allocation, per run (only of `runId` when given). */
async function allocationsOf(tx: ClientBase, connectionId: string, key: string, runId?: string): Promise<AllocationView[]> {
  const { rows } = await tx.query<{ view: AllocationView }>(
    'select view from monitor.allocations where connection_id = $1 and document_key = $2 and ($3::text is null or run_id = $3) order by run_id',
    [connectionId, key, runId ?? null],
  );
  return rows.map((r) => r.view);
}

/**
 * An allocation event: kept per run, and applied to the document's rows that exist; a row written later
 * (its events come on other topics, maybe after this one) takes it from monitor.allocations then.
 */
async function saveAllocation(tx: ClientBase, e: AllocationEvent): Promise<DocumentView | null> {
  const c = e.connectionId;
  const key = e.payload.documentKey;
  const runId = e.payload.runId || e.correlationId;
  const said = allocationOf(e);
  const [kept] = await allocationsOf(tx, c, key, runId);
  await tx.query(
    `insert into monitor.allocations (connection_id, document_key, run_id, view) values ($1, $2, $3, $4)
     on conflict (connection_id, document_key, run_id) do update set view = excluded.view`,
    [c, key, runId, JSON.stringify(laterAllocation(kept ?? null, said))],
  );
  const doc = await loadDocument(tx, c, key);
  if (doc) await saveDocument(tx, c, withAllocations(doc, [said]));
  const rd = await loadRunDocument(tx, c, runId, key);
  if (rd) await saveRunDocument(tx, c, withAllocations(rd, [said]));
  return doc;
}

async function saveRunDocument(tx: ClientBase, connectionId: string, rd: RunDocumentView): Promise<void> {
  await tx.query(
    `insert into monitor.run_documents (connection_id, run_id, document_key, state, mode, updated_at, view) values ($7,$1,$2,$3,$4,$5,$6)
     on conflict (connection_id, run_id, document_key) do update set state = excluded.state, mode = excluded.mode, updated_at = excluded.updated_at, view = excluded.view`,
    [rd.runId, rd.documentKey, rd.state, rd.mode, rd.lastEventAt, JSON.stringify(rd), connectionId],
  );
}

async function saveSettings(tx: ClientBase, connectionId: string, s: FlowSettings, holdBackChanged: boolean): Promise<void> {
  await tx.query(
    `insert into monitor.flow_settings (connection_id, flow, view) values ($1,$2,$3) on conflict (connection_id, flow) do update set view = excluded.view`,
    [connectionId, s.flow, JSON.stringify(s)],
  );
  if (!holdBackChanged) return;
  await tx.query('delete from monitor.held where connection_id = $1 and flow = $2', [connectionId, s.flow]);
  await tx.query('insert into monitor.held (connection_id, flow, reference) select $1, $2, unnest($3::text[]) on conflict do nothing', [
    connectionId,
    s.flow,
    s.selection?.value.holdBack ?? [],
  ]);
}

/**
 * The runs whose documents wait for the exporter (mapped, no outcome yet) on this connection: a loss or a
 * restoration belongs to no run, so its line is copied into theirs, where someone looking for those
 * documents reads it.
 */
async function runsWaitingForXero(tx: ClientBase, connectionId: string): Promise<string[]> {
  const { rows } = await tx.query<{ run_id: string }>(
    `select distinct view->>'runId' as run_id from monitor.documents where connection_id = $1 and state = 'mapped' order by 1`,
    [connectionId],
  );
  return rows.map((r) => r.run_id);
}

async function saveXeroConnection(tx: ClientBase, e: XeroConnectionEvent): Promise<LogLine[]> {
  await lock(tx, `xero-connection:${e.connectionId}`);
  const before = await one<XeroConnectionView>(tx, 'select view from monitor.xero_connections where connection_id = $1', [e.connectionId]);
  const after = evolveXeroConnection(before, e);
  await tx.query('insert into monitor.xero_connections (connection_id, view) values ($1, $2) on conflict (connection_id) do update set view = excluded.view', [
    e.connectionId,
    JSON.stringify(after),
  ]);
  const lines = logLinesFor(e);
  const runs = await runsWaitingForXero(tx, e.connectionId);
  return [...lines, ...runs.flatMap((runId) => lines.map((l) => ({ ...l, runId })))];
}

/** The connection as the exporter told it whole, under the same lock as its losses and restorations. */
async function saveXeroConnectionState(tx: ClientBase, e: XeroConnectionStateEvent): Promise<void> {
  await lock(tx, `xero-connection:${e.connectionId}`);
  const before = await one<XeroConnectionState>(tx, 'select view from monitor.xero_connection_state where connection_id = $1', [e.connectionId]);
  const after = evolveXeroConnectionState(before, e);
  await tx.query(
    `insert into monitor.xero_connection_state (connection_id, status, view) values ($1, $2, $3)
     on conflict (connection_id) do update set status = excluded.status, view = excluded.view`,
    [e.connectionId, after.status, JSON.stringify(after)],
  );
}

/** Projects one event into every read model it touches; returns its metric samples and notices. */
/**
 * Projects one event into every read model it touches, under the envelope's connection (every row says it,
 * every key starts with it): one brand's events never change another's rows. Returns its metric samples and notices.
 */
export async function project(tx: ClientBase, e: Known): Promise<Effects> {
  const c = e.connectionId;
  await insertLines(tx, c, isXeroConnectionEvent(e) ? await saveXeroConnection(tx, e) : logLinesFor(e));
  let runAfter: RunView | null = null;
  let docBefore: DocumentView | null = null;
  if (isRunEvent(e)) {
    await lock(tx, `run:${c}:${e.payload.runId}`);
    const before = await one<RunView>(tx, 'select view from monitor.runs where connection_id = $1 and run_id = $2', [c, e.payload.runId]);
    runAfter = evolveRun(before, e);
    await saveRun(tx, c, runAfter, !before);
  } else if (isDocumentEvent(e)) {
    const key = e.payload.documentKey;
    await lock(tx, `document:${c}:${key}`);
    docBefore = await loadDocument(tx, c, key);
    const doc = evolveDocument(docBefore, e);
    // A row written for the first time takes what the exporter may already have said of its allocation.
    if (doc) await saveDocument(tx, c, docBefore ? doc : withAllocations(doc, await allocationsOf(tx, c, key)));
    const runId = e.payload.runId || e.correlationId;
    const rd = await loadRunDocument(tx, c, runId, key);
    const rdAfter = evolveRunDocument(rd, e);
    await saveRunDocument(tx, c, rd ? rdAfter : withAllocations(rdAfter, await allocationsOf(tx, c, key, runId)));
  } else if (isAllocationEvent(e)) {
    // Under the document's lock, like its lifecycle events: both write its rows.
    await lock(tx, `document:${c}:${e.payload.documentKey}`);
    docBefore = await saveAllocation(tx, e);
  } else if (isSettingsEvent(e)) {
    await lock(tx, `flow:${c}:${e.payload.flow}`);
    const before = await one<FlowSettings>(tx, 'select view from monitor.flow_settings where connection_id = $1 and flow = $2', [c, e.payload.flow]);
    const after = evolveSettings(before, e);
    await saveSettings(tx, c, after, before?.selection?.at !== after.selection?.at);
  } else if (e.type === 'XeroConnectionChanged') {
    await saveXeroConnectionState(tx, e);
  }
  return effectsOf(e, docBefore, runAfter);
}

export async function projectDeadLetter(tx: ClientBase, d: DeadLetterRecord): Promise<void> {
  await insertLines(tx, deadLetterConnection(d), [deadLetterLine(d)]);
}

/**
 * Keeps the envelope in the journal and projects it, once: a second call with the same eventId
 * changes nothing and returns null. Run it in the transaction that marks the eventId processed.
 */
export async function take(tx: ClientBase, env: EventEnvelope, topic: string): Promise<Effects | null> {
  const { rowCount } = await tx.query(
    `insert into monitor.journal (id, kind, topic, type, correlation_id, body) values ($1, 'event', $2, $3, $4, $5) on conflict (id) do nothing`,
    [env.eventId, topic, env.type, env.correlationId, JSON.stringify(env)],
  );
  return rowCount === 1 ? project(tx, known(env)) : null;
}

/** The same for a dead letter, keyed by where it came from and who refused it. */
export async function takeDeadLetter(tx: ClientBase, d: DeadLetterRecord, dlqTopic: string): Promise<boolean> {
  const { rowCount } = await tx.query(
    `insert into monitor.journal (id, kind, topic, type, correlation_id, body) values ($1, 'dead_letter', $2, $3, $4, $5) on conflict (id) do nothing`,
    [`dlq:${d.id}`, dlqTopic, d.eventType, d.correlationId, JSON.stringify(d)],
  );
  if (rowCount !== 1) return false;
  await projectDeadLetter(tx, d);
  return true;
}

/**
 * Empties the read models and replays the journal through the same projections, in one transaction
 * (the journal is locked meanwhile, so live consumers wait rather than write into a half-built model).
 */
export async function rebuild(pool: Pool, { batchSize = 500 } = {}): Promise<{ events: number; deadLetters: number; connections: number }> {
  const client = await pool.connect();
  const counts = { events: 0, deadLetters: 0, connections: 0 };
  try {
    await client.query('begin');
    await client.query('lock table monitor.journal in exclusive mode');
    await client.query(`truncate ${READ_MODEL_TABLES.map((t) => `monitor.${t}`).join(', ')} restart identity`);
    let after = 0;
    for (;;) {
      const { rows } = await client.query<{ seq: string; kind: string; body: unknown }>(
        'select seq, kind, body from monitor.journal where seq > $1 order by seq limit $2',
        [after, batchSize],
      );
      if (!rows.length) break;
      for (const row of rows) {
        if (row.kind === 'event') {
          await project(client, known(row.body as EventEnvelope));
          counts.events++;
        } else {
          await projectDeadLetter(client, row.body as DeadLetterRecord);
          counts.deadLetters++;
        }
      }
      after = Number(rows[rows.length - 1].seq);
    }
    // The connections are decided from their own streams, not from the journal: replayed from those.
    const store = new PostgresEventStore(pool, SCHEMA);
    counts.connections = (await rebuildConnections({ readStream: (streamId, tx) => store.readStream(streamId, { tx }) }, client)).streams;
    await client.query('commit');
    return counts;
  } catch (err) {
    await client.query('rollback').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
