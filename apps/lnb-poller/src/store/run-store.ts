import type { Flow, RunMode, RunTrigger } from '@lnbx/contracts';
import type { Transaction } from '@lnbx/event-store';
import type { Pool } from 'pg';
import type { FlowProgress, KnownDocument } from '../domain/incremental';

export interface QueuedRun {
  run_id: string;
  flow: Flow;
  mode: RunMode;
  trigger: RunTrigger;
  documents: string[] | null;
  requested_by: string;
  correlation_event_id: string | null;
  full_recheck: boolean;
}

/** What a run read of one document, recorded with its revision. */
export interface DocumentRead {
  key: string;
  revision: string;
  /** Published by this run (new or changed revision, or forced). */
  emitted: boolean;
  updateTime: string | null;
  /** null: not computed (a full run hashes no more than it must); an unchanged update_time keeps the one stored. */
  fingerprint: string | null;
  orderReference: string | null;
  retailerReference: string | null;
  recheck: boolean;
}

/** The poller's run queue: requested runs wait here until one poller instance claims each. */
export class RunStore {
  constructor(private readonly pool: Pool) {}

  async enqueue(tx: Transaction, run: QueuedRun): Promise<void> {
    await tx.query(
      `insert into poller.runs (run_id, flow, mode, trigger, documents, requested_by, status, correlation_event_id, full_recheck)
       values ($1,$2,$3,$4,$5,$6,'queued',$7,$8) on conflict (run_id) do nothing`,
      [run.run_id, run.flow, run.mode, run.trigger, run.documents ? JSON.stringify(run.documents) : null, run.requested_by, run.correlation_event_id, run.full_recheck],
    );
  }

  /**
   * Claims the oldest queued run of a flow no live worker is running, or a running one whose worker
   * went silent. Claims are taken one at a time (a transaction-scoped advisory lock), so two pollers
   * never run the same run, nor two runs of one flow, at once: a flow's runs share its progress.
   */
  async claim(worker: string, leaseMs: number): Promise<QueuedRun | undefined> {
    const client = await this.pool.connect();
    try {
      await client.query('begin');
      await client.query(`select pg_advisory_xact_lock(hashtext('lnbx.poller.claim'))`);
      const { rows } = await client.query<QueuedRun>(
        `update poller.runs set status = 'running', worker = $1, heartbeat_at = now()
         where run_id = (
           select r.run_id from poller.runs r
           where (r.status = 'queued' and not exists (
                   select 1 from poller.runs o
                   where o.flow = r.flow and o.status = 'running' and o.heartbeat_at >= now() - make_interval(secs => $2::float / 1000)))
              or (r.status = 'running' and r.heartbeat_at < now() - make_interval(secs => $2::float / 1000))
           order by r.created_at
           for update skip locked
           limit 1)
         returning run_id, flow, mode, trigger, documents, requested_by, correlation_event_id, full_recheck`,
        [worker, leaseMs],
      );
      await client.query('commit');
      return rows[0];
    } catch (err) {
      await client.query('rollback').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  async heartbeat(runId: string, worker: string): Promise<void> {
    await this.pool.query(`update poller.runs set heartbeat_at = now() where run_id = $1 and worker = $2`, [runId, worker]);
  }

  async finish(tx: Transaction, runId: string, status: 'completed' | 'failed'): Promise<void> {
    await tx.query(`update poller.runs set status = $2, heartbeat_at = now() where run_id = $1`, [runId, status]);
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
   * Records what the run read: the revision (a published one moves run_id and emitted_at), and what
   * the next incremental run decides from. A document read but not published has a record already.
   */
  async saveReads(tx: Transaction, runId: string, reads: DocumentRead[]): Promise<void> {
    const row = (r: DocumentRead) => ({
      key: r.key, revision: r.revision, update_time: r.updateTime, fingerprint: r.fingerprint,
      order_reference: r.orderReference, retailer_reference: r.retailerReference, recheck: r.recheck,
    });
    const columns = `u(key text, revision text, update_time text, fingerprint text, order_reference text, retailer_reference text, recheck boolean)`;
    // A fingerprint not computed this time is kept while the listed document's update_time has not moved.
    const fingerprint = 'coalesce(u.fingerprint, case when d.update_time is not distinct from u.update_time then d.fingerprint end)';
    const emitted = reads.filter((r) => r.emitted);
    if (emitted.length) {
      await tx.query(
        `insert into poller.document_revisions as d (document_key, revision, run_id, update_time, fingerprint, order_reference, retailer_reference, recheck)
         select u.key, u.revision, $1, u.update_time, u.fingerprint, u.order_reference, u.retailer_reference, u.recheck
         from jsonb_to_recordset($2::jsonb) as ${columns}
         on conflict (document_key) do update set
           revision = excluded.revision, run_id = excluded.run_id, emitted_at = now(),
           fingerprint = coalesce(excluded.fingerprint, case when d.update_time is not distinct from excluded.update_time then d.fingerprint end),
           update_time = excluded.update_time, order_reference = excluded.order_reference,
           retailer_reference = excluded.retailer_reference, recheck = excluded.recheck`,
        [runId, JSON.stringify(emitted.map(row))],
      );
    }
    const unchanged = reads.filter((r) => !r.emitted);
    if (unchanged.length) {
      await tx.query(
        `update poller.document_revisions d set fingerprint = ${fingerprint}, update_time = u.update_time,
           order_reference = u.order_reference, retailer_reference = u.retailer_reference, recheck = u.recheck
         from jsonb_to_recordset($1::jsonb) as ${columns}
         where d.document_key = u.key`,
        [JSON.stringify(unchanged.map(row))],
      );
    }
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

  async progress(flow: Flow): Promise<FlowProgress | undefined> {
    const { rows } = await this.pool.query<{ checked_until: Date; last_full_at: Date | null }>(
      'select checked_until, last_full_at from poller.flow_progress where flow = $1',
      [flow],
    );
    return rows[0] && { checkedUntil: rows[0].checked_until, lastFullAt: rows[0].last_full_at };
  }

  /** A completed run saw every change made before it started; never moves back (runs of a flow may end out of order after a takeover). */
  async saveProgress(tx: Transaction, flow: Flow, startedAt: Date, full: boolean): Promise<void> {
    await tx.query(
      `insert into poller.flow_progress as p (flow, checked_until, last_full_at) values ($1, $2, case when $3 then $2::timestamptz end)
       on conflict (flow) do update set
         checked_until = greatest(p.checked_until, excluded.checked_until),
         last_full_at = case when $3 then greatest(p.last_full_at, excluded.last_full_at) else p.last_full_at end,
         updated_at = now()`,
      [flow, startedAt, full],
    );
  }

  async retailerFingerprints(flow: Flow): Promise<Map<string, string>> {
    const { rows } = await this.pool.query<{ reference: string; fingerprint: string }>(
      'select reference, fingerprint from poller.retailer_fingerprints where flow = $1',
      [flow],
    );
    return new Map(rows.map((r) => [r.reference, r.fingerprint]));
  }

  async saveRetailerFingerprints(tx: Transaction, flow: Flow, changed: { reference: string; fingerprint: string }[]): Promise<void> {
    if (!changed.length) return;
    await tx.query(
      `insert into poller.retailer_fingerprints (flow, reference, fingerprint)
       select $1, * from unnest($2::text[], $3::text[])
       on conflict (flow, reference) do update set fingerprint = excluded.fingerprint`,
      [flow, changed.map((c) => c.reference), changed.map((c) => c.fingerprint)],
    );
  }
}
