// The LNB request budget's bucket: one Postgres row per connection (poller.lnb_budget), read and written
// under a row lock, so every poller instance of the connection draws from it. A rate slot, not domain state:
// nothing is decided from its history, and losing it costs one full bucket.
import type { Pool } from 'pg';
import { type BucketState, type BudgetPolicy, pauseBucket, takeTokens } from '../domain/budget';

/** Where the shared bucket lives: Postgres in a service, a fake in the budget's unit tests. */
export interface BudgetStore {
  take(want: number): Promise<{ granted: number; waitMs: number }>;
  pause(forMs: number): Promise<void>;
}

/** The bucket's row, read and written under a row lock; the database's clock is the one all instances share. */
export class PostgresBudgetStore implements BudgetStore {
  private created = false;

  constructor(
    private readonly pool: Pool,
    private readonly connectionId: string,
    private readonly policy: BudgetPolicy,
  ) {}

  take(want: number): Promise<{ granted: number; waitMs: number }> {
    return this.update((state, nowMs) => {
      const grant = takeTokens(state, nowMs, want, this.policy);
      return { state: grant.state, result: { granted: grant.granted, waitMs: grant.waitMs } };
    });
  }

  async pause(forMs: number): Promise<void> {
    await this.update((state, nowMs) => ({ state: pauseBucket(state, nowMs, forMs), result: undefined }));
  }

  private async update<T>(change: (state: BucketState, nowMs: number) => { state: BucketState; result: T }): Promise<T> {
    if (!this.created) {
      // A full bucket the first time the connection spends anything; never reset afterwards.
      await this.pool.query(
        `insert into poller.lnb_budget (connection_id, tokens, refilled_at, paused_until) values ($1, $2, clock_timestamp(), to_timestamp(0))
         on conflict (connection_id) do nothing`,
        [this.connectionId, this.policy.burst],
      );
      this.created = true;
    }
    const client = await this.pool.connect();
    try {
      await client.query('begin');
      const { rows } = await client.query<{ tokens: number; at_ms: number; paused_until_ms: number; now_ms: number }>(
        `select tokens, (extract(epoch from refilled_at) * 1000)::float8 as at_ms,
                (extract(epoch from paused_until) * 1000)::float8 as paused_until_ms,
                (extract(epoch from clock_timestamp()) * 1000)::float8 as now_ms
         from poller.lnb_budget where connection_id = $1 for update`,
        [this.connectionId],
      );
      const row = rows[0];
      if (!row) throw new Error(`no LNB budget row for connection ${this.connectionId}`);
      const nowMs = Number(row.now_ms);
      const next = change({ tokens: Number(row.tokens), atMs: Number(row.at_ms), pausedUntilMs: Number(row.paused_until_ms) }, nowMs);
      await client.query(
        `update poller.lnb_budget set tokens = $2, refilled_at = to_timestamp($3 / 1000.0), paused_until = to_timestamp($4 / 1000.0)
         where connection_id = $1`,
        [this.connectionId, next.state.tokens, next.state.atMs, next.state.pausedUntilMs],
      );
      await client.query('commit');
      return next.result;
    } catch (err) {
      await client.query('rollback').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }
}
