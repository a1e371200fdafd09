import type { Flow, RunMode, RunTrigger } from '@lnbx/contracts';
import type { Transaction } from '@lnbx/event-store';
import type { Pool } from 'pg';

export interface QueuedRun {
  run_id: string;
  flow: Flow;
  mode: RunMode;
  trigger: RunTrigger;
  documents: string[] | null;
  requested_by: string;
  correlation_event_id: string | null;
}

/** The poller's run queue: requested runs wait here until one poller instance claims each. */
export class RunStore {
  constructor(private readonly pool: Pool) {}

  async enqueue(tx: Transaction, run: QueuedRun): Promise<void> {
    await tx.query(
      `insert into poller.runs (run_id, flow, mode, trigger, documents, requested_by, status, correlation_event_id)
       values ($1,$2,$3,$4,$5,$6,'queued',$7) on conflict (run_id) do nothing`,
      [run.run_id, run.flow, run.mode, run.trigger, run.documents ? JSON.stringify(run.documents) : null, run.requested_by, run.correlation_event_id],
    );
  }

  /**
   * Claims the oldest queued run, or a running one whose worker went silent: SKIP LOCKED and the
   * lease make two pollers never run the same run at once.
   */
  async claim(worker: string, leaseMs: number): Promise<QueuedRun | undefined> {
    const { rows } = await this.pool.query<QueuedRun>(
      `update poller.runs set status = 'running', worker = $1, heartbeat_at = now()
       where run_id = (
         select run_id from poller.runs
         where status = 'queued' or (status = 'running' and heartbeat_at < now() - make_interval(secs => $2::float / 1000))
         order by created_at
         for update skip locked
         limit 1)
       returning run_id, flow, mode, trigger, documents, requested_by, correlation_event_id`,
      [worker, leaseMs],
    );
    return rows[0];
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

  async saveRevisions(tx: Transaction, runId: string, revisions: { key: string; revision: string }[]): Promise<void> {
    if (!revisions.length) return;
    await tx.query(
      `insert into poller.document_revisions (document_key, revision, run_id)
       select * from unnest($1::text[], $2::text[], array_fill($3::text, array[$4::int]))
       on conflict (document_key) do update set revision = excluded.revision, run_id = excluded.run_id, emitted_at = now()`,
      [revisions.map((r) => r.key), revisions.map((r) => r.revision), runId, revisions.length],
    );
  }
}
