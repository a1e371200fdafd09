// The run queue (poller.runs), each connection's flows' progress (poller.flow_progress) and what the runs read of each
// document (poller.document_revisions). The queue's status and holder, the progress and the revisions are
// projections of the run and document streams, written from their state by the same code live and in the
// rebuild; the queue's heartbeats and order, and what LNB said of each document, are not domain state.
import type { Flow, RunMode, RunTrigger } from '@lnbx/contracts';
import type { Transaction } from '@lnbx/event-store';
import type { Pool } from 'pg';
import type { FlowProgress, KnownDocument } from '../domain/incremental';
import type { PublishedRevision } from '../domain/published-revision';
import { assertNever } from '../domain/flow-settings';
import type { ProgressMade, RunRequest, RunState, RunStatus } from '../domain/run';

/** A run a claim may take: its row, the holder's last heartbeat, and the database's clock. */
export interface ClaimableRun {
  request: RunRequest;
  worker: string | null;
  heartbeatAt: Date | null;
  now: Date;
}

/** What a run read of one document, beside its revision (what the next incremental run decides from). */
export interface DocumentRead {
  key: string;
  /** null: not computed (a full run hashes no more than it must); an unchanged update_time keeps the one stored. */
  fingerprint: string | null;
  updateTime: string | null;
  orderReference: string | null;
  retailerReference: string | null;
  recheck: boolean;
}

interface RunRow {
  run_id: string;
  connection_id: string;
  flow: Flow;
  mode: RunMode;
  trigger: RunTrigger;
  documents: string[] | null;
  requested_by: string;
  correlation_event_id: string | null;
  full_recheck: boolean;
  worker: string | null;
  heartbeat_at: Date | null;
  now: Date;
}

/** Claims looked at in one go: a run refused (ended, or held after all) lets the next be tried. */
const CLAIM_CANDIDATES = 5;

export class RunStore {
  constructor(private readonly pool: Pool) {}

  /**
   * Serialises claims (a transaction-scoped advisory lock), so two pollers never take the same run, nor two
   * runs of one connection's flow, at once: a flow's runs share its progress.
   */
  async lockClaims(tx: Transaction): Promise<void> {
    await tx.query(`select pg_advisory_xact_lock(hashtext('lnbx.poller.claim'))`);
  }

  /**
   * The runs a claim may take, locked for it: queued runs of (connection, flow)s no live worker is running, and
   * running ones whose worker went silent; none of a connection in `busy` (this instance runs as many of its runs
   * as it may). Fair across connections: the runs of the connection with the fewest runs in flight (live leases,
   * every instance's) first, then the oldest. Which run may go is the queue's to say (it spans runs); whether
   * this run may be taken is decided on its stream.
   */
  async claimable(tx: Transaction, leaseMs: number, busy: readonly string[] = []): Promise<ClaimableRun[]> {
    const { rows } = await tx.query<RunRow>(
      `with live as (
         select connection_id, flow from poller.runs
         where status = 'running' and heartbeat_at >= now() - make_interval(secs => $1::float / 1000)),
       in_flight as (select connection_id, count(*) as n from live group by connection_id)
       select r.run_id, r.connection_id, r.flow, r.mode, r.trigger, r.documents, r.requested_by, r.correlation_event_id, r.full_recheck,
         r.worker, r.heartbeat_at, now() as now
       from poller.runs r
       left join in_flight f on f.connection_id = r.connection_id
       where r.connection_id <> all($3::text[])
         and ((r.status = 'queued' and not exists (select 1 from live o where o.connection_id = r.connection_id and o.flow = r.flow))
           or (r.status = 'running' and r.heartbeat_at < now() - make_interval(secs => $1::float / 1000)))
       order by coalesce(f.n, 0), r.created_at
       for update of r skip locked
       limit $2`,
      [leaseMs, CLAIM_CANDIDATES, busy],
    );
    return rows.map((r) => ({
      request: {
        runId: r.run_id,
        connectionId: r.connection_id,
        flow: r.flow,
        mode: r.mode,
        trigger: r.trigger,
        documents: r.documents,
        requestedBy: r.requested_by,
        requestEventId: r.correlation_event_id,
        fullRecheck: r.full_recheck,
      },
      worker: r.worker,
      heartbeatAt: r.heartbeat_at,
      now: r.now,
    }));
  }

  /** The lease is kept alive here, not in the stream: one heartbeat every lease/3 would swamp it. */
  async heartbeat(runId: string, worker: string): Promise<void> {
    await this.pool.query(`update poller.runs set heartbeat_at = now() where run_id = $1 and worker = $2`, [runId, worker]);
  }

  /**
   * Writes the run's row from its state: the request, the status and the holder. The heartbeat moves with a
   * claim (`claimed`: even the same instance's again) and when the status or the holder moves (an end), as a
   * claim's and an end's always did. `ifMissing`: only a row not there yet (from a state read earlier in a
   * transaction that appended nothing).
   */
  async project(tx: Transaction, state: RunState, { ifMissing = false, claimed = false } = {}): Promise<void> {
    const status = queueStatus(state.status);
    if (!status) return;
    const worker = state.lease?.worker ?? null;
    const request = state.request;
    if (!request) {
      if (ifMissing) return;
      // A run an older poller queued and started, with no request in its stream: its row has the request.
      await tx.query(
        `update poller.runs set status = $2, worker = $3,
           heartbeat_at = case when $4 or status is distinct from $2 or worker is distinct from $3 then now() else heartbeat_at end
         where run_id = $1`,
        [state.runId, status, worker, claimed],
      );
      return;
    }
    await tx.query(
      `insert into poller.runs as r (run_id, flow, mode, trigger, documents, requested_by, status, worker, correlation_event_id, full_recheck, heartbeat_at, connection_id)
       values ($1,$2,$3,$4,$5,$6,$7::text,$8,$9,$10, case when $7::text = 'queued' and not $11::boolean then null else now() end, $12)
       on conflict (run_id) ${
         ifMissing
           ? 'do nothing'
           : `do update set status = excluded.status, worker = excluded.worker,
         heartbeat_at = case when $11 or r.status is distinct from excluded.status or r.worker is distinct from excluded.worker then now() else r.heartbeat_at end`
       }`,
      [
        state.runId,
        request.flow,
        request.mode,
        request.trigger,
        request.documents ? JSON.stringify(request.documents) : null,
        request.requestedBy,
        status,
        worker,
        request.requestEventId,
        request.fullRecheck,
        claimed,
        request.connectionId,
      ],
    );
  }

  /** The revisions already emitted for these documents. */
  async revisions(tx: Transaction, keys: string[]): Promise<Map<string, string>> {
    if (!keys.length) return new Map();
    const { rows } = await tx.query<{ document_key: string; revision: string }>(
      'select document_key, revision from poller.document_revisions where document_key = any($1)',
      [keys],
    );
    return new Map(rows.map((r) => [r.document_key, r.revision]));
  }

  /** What was last read of these documents (only documents whose revision was published have a record). */
  async knownDocuments(keys: string[]): Promise<Map<string, KnownDocument>> {
    if (!keys.length) return new Map();
    const { rows } = await this.pool.query<{ document_key: string; update_time: string | null; fingerprint: string | null; recheck: boolean }>(
      'select document_key, update_time, fingerprint, recheck from poller.document_revisions where document_key = any($1)',
      [keys],
    );
    return new Map(rows.map((r) => [r.document_key, { updateTime: r.update_time, fingerprint: r.fingerprint, recheck: r.recheck }]));
  }

  /**
   * Writes documents' published revisions (the projection of their document-<key> streams), live and in the
   * rebuild. A revision published in this transaction has no recorded time yet: it is the transaction's clock.
   */
  async projectRevisions(tx: Transaction, published: PublishedRevision[]): Promise<void> {
    if (!published.length) return;
    await tx.query(
      `insert into poller.document_revisions as d (document_key, revision, run_id, emitted_at)
       select u.key, u.revision, u.run_id, coalesce(u.published_at, now())
       from jsonb_to_recordset($1::jsonb) as u(key text, revision text, run_id text, published_at timestamptz)
       on conflict (document_key) do update set revision = excluded.revision, run_id = excluded.run_id, emitted_at = excluded.emitted_at`,
      [JSON.stringify(published.map((p) => ({ key: p.documentKey, revision: p.revision, run_id: p.runId, published_at: p.publishedAt })))],
    );
  }

  /**
   * Records what the run read of documents whose revision is recorded (a document whose revision was never
   * published has no row: the next run finds it new whatever it read).
   */
  async saveReads(tx: Transaction, reads: DocumentRead[]): Promise<void> {
    if (!reads.length) return;
    const row = (r: DocumentRead) => ({
      key: r.key,
      update_time: r.updateTime,
      fingerprint: r.fingerprint,
      order_reference: r.orderReference,
      retailer_reference: r.retailerReference,
      recheck: r.recheck,
    });
    // A fingerprint not computed this time is kept while the listed document's update_time has not moved.
    await tx.query(
      `update poller.document_revisions d
       set fingerprint = coalesce(u.fingerprint, case when d.update_time is not distinct from u.update_time then d.fingerprint end),
         update_time = u.update_time, order_reference = u.order_reference, retailer_reference = u.retailer_reference, recheck = u.recheck
       from jsonb_to_recordset($1::jsonb) as u(key text, update_time text, fingerprint text, order_reference text, retailer_reference text, recheck boolean)
       where d.document_key = u.key`,
      [JSON.stringify(reads.map(row))],
    );
  }

  /** Documents found unchanged although LNB moved their update_time (e.g. a payment recorded): the new time, so the next run need not hash them. */
  async saveUpdateTimes(tx: Transaction, moved: { key: string; updateTime: string | null }[]): Promise<void> {
    if (!moved.length) return;
    await tx.query(
      `update poller.document_revisions d set update_time = u.update_time
       from unnest($1::text[], $2::text[]) as u(key, update_time) where d.document_key = u.key`,
      [moved.map((m) => m.key), moved.map((m) => m.updateTime)],
    );
  }

  async progress(connectionId: string, flow: Flow): Promise<FlowProgress | undefined> {
    const { rows } = await this.pool.query<{ checked_until: Date; last_full_at: Date | null }>(
      'select checked_until, last_full_at from poller.flow_progress where connection_id = $1 and flow = $2',
      [connectionId, flow],
    );
    return rows[0] && { checkedUntil: rows[0].checked_until, lastFullAt: rows[0].last_full_at };
  }

  /**
   * Moves a connection's flow's progress by what a completed run made (the projection of the run streams), live (`at`
   * null: this transaction's clock, the completion's) and in the rebuild (the completion's recorded time, as
   * the database wrote it: to the microsecond).
   * Never moves back: runs of a flow may end out of order after a takeover.
   */
  async projectProgress(tx: Transaction, made: ProgressMade, at: string | null): Promise<void> {
    await tx.query(
      `insert into poller.flow_progress as p (connection_id, flow, checked_until, last_full_at, updated_at)
       values ($5, $1, $2, case when $3 then $2::timestamptz end, coalesce($4::timestamptz, now()))
       on conflict (connection_id, flow) do update set
         checked_until = greatest(p.checked_until, excluded.checked_until),
         last_full_at = case when $3 then greatest(p.last_full_at, excluded.last_full_at) else p.last_full_at end,
         updated_at = excluded.updated_at`,
      [made.flow, made.checkedUntil, made.full, at, made.connectionId],
    );
  }

  async retailerFingerprints(connectionId: string, flow: Flow): Promise<Map<string, string>> {
    const { rows } = await this.pool.query<{ reference: string; fingerprint: string }>(
      'select reference, fingerprint from poller.retailer_fingerprints where connection_id = $1 and flow = $2',
      [connectionId, flow],
    );
    return new Map(rows.map((r) => [r.reference, r.fingerprint]));
  }

  async saveRetailerFingerprints(tx: Transaction, connectionId: string, flow: Flow, changed: { reference: string; fingerprint: string }[]): Promise<void> {
    if (!changed.length) return;
    await tx.query(
      `insert into poller.retailer_fingerprints (connection_id, flow, reference, fingerprint)
       select $1, $2, * from unnest($3::text[], $4::text[])
       on conflict (connection_id, flow, reference) do update set fingerprint = excluded.fingerprint`,
      [connectionId, flow, changed.map((c) => c.reference), changed.map((c) => c.fingerprint)],
    );
  }
}

/** The queue's word for a run's status; a run not requested in its stream has no row of its own making. */
function queueStatus(status: RunStatus): 'queued' | 'running' | 'completed' | 'failed' | null {
  switch (status) {
    case 'new':
      return null;
    case 'requested':
      return 'queued';
    case 'claimed':
    case 'started':
      return 'running';
    case 'completed':
    case 'failed':
      return status;
    default:
      return assertNever(status);
  }
}
