// The read side: what the REST API returns, straight from the read models.
import { documentKey, documentTypeOfFlow, type Flow } from '@lnbx/contracts';
import type { Pool } from 'pg';
import {
  readStoredView,
  type AllocationState,
  type AllocationView,
  type DocumentFilterState,
  type DocumentView,
  type RunDocumentView,
} from '../domain/documents';
import type { LogLevel } from '../domain/log-lines';
import { readStoredRun, runDurationSeconds, type RunStatus, type RunView, type StoredRunView } from '../domain/runs';
import { emptySettings, type FlowSettings } from '../domain/settings';
import { waitingForXero, type XeroConnectionState, type XeroConnectionView } from '../domain/xero-status';

export interface RunSummary extends RunView {
  number: number;
  durationSeconds: number | null;
  documents: { total: number; detected: number; mapped: number; rejected: number; exported: number; failed: number };
  /** Where the allocations of the credit notes this run exported stand (none of them a failure). */
  allocations: { waiting: number; allocated: number; notPossible: number };
  deadLetters: number;
}

const RUN_SELECT = `
  select r.number, r.view,
    count(d.document_key) as total,
    count(*) filter (where d.state = 'detected') as detected,
    count(*) filter (where d.state = 'mapped') as mapped,
    count(*) filter (where d.state = 'rejected') as rejected,
    count(*) filter (where d.state = 'exported') as exported,
    count(*) filter (where d.state = 'failed') as failed,
    count(*) filter (where d.view->'allocation'->>'state' = 'waiting') as allocation_waiting,
    count(*) filter (where d.view->'allocation'->>'state' = 'allocated') as allocated,
    count(*) filter (where d.view->'allocation'->>'state' = 'not_possible') as allocation_not_possible,
    (select count(*) from monitor.log_lines l where l.connection_id = r.connection_id and l.run_id = r.run_id and l.event_type = 'DeadLetter') as dead_letters
  from monitor.runs r left join monitor.run_documents d on d.connection_id = r.connection_id and d.run_id = r.run_id`;

type RunRow = {
  number: string;
  view: StoredRunView;
  total: string;
  detected: string;
  mapped: string;
  rejected: string;
  exported: string;
  failed: string;
  allocation_waiting: string;
  allocated: string;
  allocation_not_possible: string;
  dead_letters: string;
};

function toSummary(r: RunRow): RunSummary {
  // A run stored before incremental runs says nothing of its scope or LNB requests: null, not absent.
  const view = readStoredRun(r.view);
  return {
    ...view,
    number: Number(r.number),
    durationSeconds: runDurationSeconds(view),
    documents: { total: +r.total, detected: +r.detected, mapped: +r.mapped, rejected: +r.rejected, exported: +r.exported, failed: +r.failed },
    allocations: { waiting: +r.allocation_waiting, allocated: +r.allocated, notPossible: +r.allocation_not_possible },
    deadLetters: +r.dead_letters,
  };
}

// Every read below takes the connection it reads: the REST API passes the one the request is scoped to, and
// nothing of another connection is read, listed or counted.

export async function listRuns(
  pool: Pool,
  connectionId: string,
  f: { flow?: Flow; status?: RunStatus; before?: number; limit: number },
): Promise<RunSummary[]> {
  const { rows } = await pool.query<RunRow>(
    `${RUN_SELECT}
     where r.connection_id = $5 and ($1::text is null or r.flow = $1) and ($2::text is null or r.status = $2) and ($3::bigint is null or r.number < $3)
     group by r.connection_id, r.run_id order by r.number desc limit $4`,
    [f.flow ?? null, f.status ?? null, f.before ?? null, f.limit, connectionId],
  );
  return rows.map(toSummary);
}

export async function getRun(pool: Pool, connectionId: string, runId: string): Promise<RunSummary | null> {
  const { rows } = await pool.query<RunRow>(`${RUN_SELECT} where r.connection_id = $1 and r.run_id = $2 group by r.connection_id, r.run_id`, [
    connectionId,
    runId,
  ]);
  return rows.length ? toSummary(rows[0]) : null;
}

export interface LogLineOut {
  at: string;
  level: LogLevel;
  code: string | null;
  reference: string | null;
  documentKey: string | null;
  message: string;
  eventType: string;
  revision: string | null;
  runId: string | null;
}

const LOG_COLUMNS = `at, level, code, reference, document_key as "documentKey", message, event_type as "eventType", revision, run_id as "runId"`;

/** The filters of a task log: level, code, and text found in the message, code or reference. */
export interface LogFilter {
  level?: string;
  code?: string;
  q?: string;
  limit: number;
}

/** The filters as SQL from parameter $<first> on (level, code, text), then the limit. */
const logFilter = (first: number): string => `($${first}::text is null or level = $${first}) and ($${first + 1}::text is null or code = $${first + 1})
  and ($${first + 2}::text is null or position(lower($${first + 2}) in lower(message || ' ' || coalesce(code, '') || ' ' || coalesce(reference, ''))) > 0)`;
const logFilterValues = (f: LogFilter) => [f.level ?? null, f.code ?? null, f.q ?? null, f.limit];

export async function runLog(pool: Pool, connectionId: string, runId: string, f: LogFilter): Promise<LogLineOut[]> {
  const { rows } = await pool.query(
    `select ${LOG_COLUMNS} from monitor.log_lines where run_id = $1 and ${logFilter(2)} and connection_id = $6 order by at, seq limit $5`,
    [runId, ...logFilterValues(f), connectionId],
  );
  return rows.map((r) => ({ ...r, at: new Date(r.at).toISOString() }));
}

/**
 * The connection's lines that belong to no run of it: dead letters that could not be read, configuration
 * changes. With `unattributed` (a deployment key), also the dead letters that name no connection at all.
 */
export async function runlessLog(pool: Pool, connectionId: string, f: LogFilter & { unattributed?: boolean }): Promise<LogLineOut[]> {
  const { rows } = await pool.query(
    `select ${LOG_COLUMNS} from monitor.log_lines l
     where (l.connection_id = $5 or (l.connection_id is null and $6))
       and (l.run_id is null or not exists (select 1 from monitor.runs r where r.connection_id = $5 and r.run_id = l.run_id)) and ${logFilter(1)}
     order by at desc, seq desc limit $4`,
    [...logFilterValues(f), connectionId, f.unattributed ?? false],
  );
  return rows.map((r) => ({ ...r, at: new Date(r.at).toISOString() }));
}

export async function runDocuments(pool: Pool, connectionId: string, runId: string): Promise<RunDocumentView[]> {
  const { rows } = await pool.query<{ view: RunDocumentView }>(
    'select view from monitor.run_documents where connection_id = $1 and run_id = $2 order by document_key',
    [connectionId, runId],
  );
  return rows.map((r) => readStoredView<RunDocumentView>(r.view));
}

export interface DocumentOut {
  documentKey: string;
  flow: Flow;
  type: string;
  reference: string;
  /** The lifecycle state; null for a held-back document the poller never published. */
  state: DocumentView['state'] | null;
  heldBack: boolean;
  revision: string | null;
  runId: string | null;
  retailer: { reference: string | null; name: string | null };
  documentDate: string | null;
  currency: string | null;
  total: number | null;
  xero: { id: string; number: string | null; url: string | null } | null;
  problems: DocumentView['problems'];
  /** Set while the document waits for something outside it (the Xero connection, lost): not a failure. */
  waiting: ReturnType<typeof waitingForXero>;
  /** A credit note's allocation to its invoice (waiting, allocated, not possible): never a failure. */
  allocation: AllocationView | null;
  lastEventAt: string | null;
  detectedAt: string | null;
  exportedAt: string | null;
}

/** The connection's Xero connection as projected (its losses and restorations), keyed by the connection. */
export async function xeroConnections(pool: Pool, connectionId: string): Promise<Map<string, XeroConnectionView>> {
  const { rows } = await pool.query<{ view: XeroConnectionView }>('select view from monitor.xero_connections where connection_id = $1', [connectionId]);
  return new Map(rows.map((r) => [r.view.connectionId, r.view]));
}

function toDocument(view: DocumentView | null, flow: Flow, reference: string, key: string, held: boolean, xero: Map<string, XeroConnectionView>): DocumentOut {
  return {
    documentKey: key,
    flow,
    type: documentTypeOfFlow(flow),
    reference,
    state: view?.state ?? null,
    heldBack: held,
    revision: view?.revision ?? null,
    runId: view?.runId ?? null,
    retailer: { reference: view?.retailerReference ?? null, name: view?.retailerName ?? null },
    documentDate: view?.documentDate ?? null,
    currency: view?.currency ?? null,
    total: view?.total ?? null,
    xero: view?.xeroId ? { id: view.xeroId, number: view.xeroNumber, url: view.xeroUrl } : null,
    problems: view?.problems ?? [],
    waiting: waitingForXero(view?.state ?? null, view ? xero.get(view.connectionId) : undefined),
    allocation: view?.allocation ?? null,
    lastEventAt: view?.lastEventAt ?? null,
    detectedAt: view?.detectedAt ?? null,
    exportedAt: view?.exportedAt ?? null,
  };
}

export interface DocumentFilter {
  state?: DocumentFilterState;
  code?: string;
  retailer?: string;
  flow?: Flow;
  from?: string;
  to?: string;
  allocation?: AllocationState;
  limit: number;
  offset: number;
}

/**
 * Documents with their current state, newest news first. A held-back reference the poller never
 * published still shows (state null, heldBack true), so the hold-back list is never invisible.
 */
export async function listDocuments(pool: Pool, connectionId: string, f: DocumentFilter): Promise<DocumentOut[]> {
  const xero = await xeroConnections(pool, connectionId);
  const { rows } = await pool.query<{ document_key: string | null; flow: Flow; reference: string; view: DocumentView | null; held: boolean }>(
    `with docs as (
       select d.document_key, d.flow, d.reference, d.state, d.codes, d.retailer_reference, d.retailer_name, d.document_date, d.last_event_at, d.allocation, d.view,
              (h.reference is not null) as held
       from monitor.documents d
         left join monitor.held h on h.connection_id = d.connection_id and h.flow = d.flow and h.reference = d.reference
       where d.connection_id = $10
       union all
       select null, h.flow, h.reference, null, '{}'::text[], null, null, null, null, null, null, true
       from monitor.held h
       where h.connection_id = $10
         and not exists (select 1 from monitor.documents d where d.connection_id = h.connection_id and d.flow = h.flow and d.reference = h.reference)
     )
     select document_key, flow, reference, view, held from docs
     where ($1::text is null or ($1 = 'held' and held) or state = $1)
       and ($2::text is null or $2 = any(codes))
       and ($3::text is null or position(lower($3) in lower(coalesce(retailer_reference, '') || ' ' || coalesce(retailer_name, ''))) > 0)
       and ($4::text is null or flow = $4)
       and ($5::date is null or document_date >= $5) and ($6::date is null or document_date <= $6)
       and ($9::text is null or allocation = $9)
     order by last_event_at desc nulls first, reference limit $7 offset $8`,
    [f.state ?? null, f.code ?? null, f.retailer ?? null, f.flow ?? null, f.from ?? null, f.to ?? null, f.limit, f.offset, f.allocation ?? null, connectionId],
  );
  return rows.map((r) =>
    toDocument(
      r.view && readStoredView<DocumentView>(r.view),
      r.flow,
      r.reference,
      r.document_key ?? documentKey(connectionId, documentTypeOfFlow(r.flow), r.reference),
      r.held,
      xero,
    ),
  );
}

export async function getDocument(
  pool: Pool,
  connectionId: string,
  key: string,
  flow: Flow,
  reference: string,
): Promise<(DocumentOut & { history: LogLineOut[]; runs: Pick<RunDocumentView, 'runId' | 'state' | 'mode' | 'revision' | 'lastEventAt'>[] }) | null> {
  const [doc, held, history, runs, xero] = await Promise.all([
    pool.query<{ view: DocumentView }>('select view from monitor.documents where connection_id = $1 and document_key = $2', [connectionId, key]),
    pool.query('select 1 from monitor.held where connection_id = $1 and flow = $2 and reference = $3', [connectionId, flow, reference]),
    pool.query(`select ${LOG_COLUMNS} from monitor.log_lines where connection_id = $1 and document_key = $2 order by at, seq`, [connectionId, key]),
    pool.query<{ view: RunDocumentView }>('select view from monitor.run_documents where connection_id = $1 and document_key = $2 order by updated_at', [
      connectionId,
      key,
    ]),
    xeroConnections(pool, connectionId),
  ]);
  if (!doc.rows.length && !held.rowCount) return null;
  const view = doc.rows[0]?.view;
  return {
    ...toDocument(view ? readStoredView<DocumentView>(view) : null, flow, reference, key, Boolean(held.rowCount), xero),
    history: history.rows.map((r) => ({ ...r, at: new Date(r.at).toISOString() })),
    runs: runs.rows.map(({ view: v }) => ({ runId: v.runId, state: v.state, mode: v.mode, revision: v.revision, lastEventAt: v.lastEventAt })),
  };
}

export async function flowSettings(pool: Pool, connectionId: string, flow: Flow): Promise<FlowSettings> {
  const { rows } = await pool.query<{ view: FlowSettings }>('select view from monitor.flow_settings where connection_id = $1 and flow = $2', [
    connectionId,
    flow,
  ]);
  return rows[0]?.view ?? emptySettings(flow);
}

/** One LNB connection's Xero connection: as the exporter last told it whole, and its last loss and restoration. */
export async function xeroConnectionOf(pool: Pool, connectionId: string): Promise<{ state: XeroConnectionState | null; history: XeroConnectionView | null }> {
  const [state, history] = await Promise.all([
    pool.query<{ view: XeroConnectionState }>('select view from monitor.xero_connection_state where connection_id = $1', [connectionId]),
    pool.query<{ view: XeroConnectionView }>('select view from monitor.xero_connections where connection_id = $1', [connectionId]),
  ]);
  return { state: state.rows[0]?.view ?? null, history: history.rows[0]?.view ?? null };
}
