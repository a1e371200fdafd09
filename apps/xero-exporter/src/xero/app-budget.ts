// Xero's app-wide limit, kept in Postgres (exporter.app_calls) so every exporter instance shares one count:
// each call asks first; the decision is domain/app-budget.ts's fair share, taken under one advisory lock so
// two instances never both take the last call of a window.
import type { Pool } from 'pg';
import { admitAppCall, type AppAdmission, type AppBudgetRule, appShare, type AppUsage, rollingCount } from '../domain/app-budget';
import { SCHEMA } from '../store/schema';
import { XeroCallError } from './errors';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

export class AppBudget {
  constructor(
    private readonly pool: Pool,
    private readonly rule: AppBudgetRule,
    /** A limit-minute in real milliseconds. */
    private readonly minuteMs: number,
  ) {}

  /** One call for `xeroTenantId` now, if its fair share and the app's limit allow it (counted when allowed). */
  async tryTake(xeroTenantId: string, now: number = Date.now()): Promise<AppAdmission> {
    const { win, elapsed } = this.window(now);
    const client = await this.pool.connect();
    try {
      await client.query('begin');
      await client.query('select pg_advisory_xact_lock(hashtextextended($1, 0))', [`${SCHEMA}.app_calls`]);
      await client.query(
        `insert into ${SCHEMA}.app_calls (win, xero_tenant_id, asks) values ($1, $2, 1)
         on conflict (win, xero_tenant_id) do update set asks = app_calls.asks + 1`,
        [win, xeroTenantId],
      );
      const usage = await this.usage(client, win);
      const decision = admitAppCall(this.rule, usage, xeroTenantId, elapsed, this.minuteMs, now);
      if (decision.ok) {
        await client.query(`update ${SCHEMA}.app_calls set calls = calls + 1 where win = $1 and xero_tenant_id = $2`, [win, xeroTenantId]);
        await client.query(
          `insert into ${SCHEMA}.app_pace (xero_tenant_id, pace_at) values ($1, $2)
           on conflict (xero_tenant_id) do update set pace_at = excluded.pace_at`,
          [xeroTenantId, Math.round(decision.paceAt)],
        );
      }
      await client.query(`delete from ${SCHEMA}.app_calls where win < $1`, [win - 1]);
      await client.query('commit');
      return decision;
    } catch (err) {
      await client.query('rollback').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  /**
   * The organisations with documents due have work, whether or not a unit of theirs can start now: counted as
   * asking, so the fair split includes them from the first moment. Counting only those whose units already
   * asked let the first few organisations of a busy start take up to their own limit each while the others'
   * units still waited for a place (bench:tenants: 2 of 20 made 37 calls in 9 s, 16 of them none).
   */
  async noteWork(xeroTenantIds: readonly string[], now: number = Date.now()): Promise<void> {
    if (!xeroTenantIds.length) return;
    await this.pool.query(
      `insert into ${SCHEMA}.app_calls (win, xero_tenant_id, asks) select $1, t, 1 from unnest($2::text[]) t
       on conflict (win, xero_tenant_id) do update set asks = app_calls.asks + 1`,
      [this.window(now).win, [...new Set(xeroTenantIds)]],
    );
  }

  /**
   * Which organisations could make a call now within their share, which are paced by the app's budget (their
   * share below their own limit), and how many calls each made in the rolling minute (nothing taken): the sender
   * starts no unit of work that would only wait for its turn while holding one of its database connections, starts
   * one at a time for a paced organisation, and gives a free connection to the organisation that has used least.
   */
  async room(now: number = Date.now()): Promise<{
    hasShare: (xeroTenantId: string) => boolean;
    paced: (xeroTenantId: string) => boolean;
    used: (xeroTenantId: string) => number;
  }> {
    const { win, elapsed } = this.window(now);
    const usage = await this.usage(this.pool, win);
    return {
      hasShare: (xeroTenantId) => admitAppCall(this.rule, usage, xeroTenantId, elapsed, this.minuteMs, now).ok,
      paced: (xeroTenantId) => appShare(this.rule, usage, xeroTenantId) < this.rule.perTenant,
      used: (xeroTenantId) => {
        const u = usage.get(xeroTenantId);
        return u ? rollingCount(u.calls, u.previousCalls, elapsed) : 0;
      },
    };
  }

  private window(now: number): { win: number; elapsed: number } {
    const win = Math.floor(now / this.minuteMs);
    return { win, elapsed: (now - win * this.minuteMs) / this.minuteMs };
  }

  /** Every organisation's calls and asks in the current window and the one before, and its pace. */
  private async usage(db: Pick<Pool, 'query'>, win: number): Promise<Map<string, AppUsage>> {
    const { rows } = await db.query<{ win: string; xero_tenant_id: string; asks: number; calls: number; pace_at: string | null }>(
      `select c.win, c.xero_tenant_id, c.asks, c.calls, p.pace_at
         from ${SCHEMA}.app_calls c left join ${SCHEMA}.app_pace p using (xero_tenant_id)
        where c.win >= $1`,
      [win - 1],
    );
    const usage = new Map<string, AppUsage>();
    for (const r of rows) {
      const u = usage.get(r.xero_tenant_id) ?? { calls: 0, previousCalls: 0, active: false };
      if (Number(r.win) === win) u.calls = r.calls;
      else u.previousCalls = r.calls;
      u.active ||= r.asks > 0;
      if (r.pace_at !== null) u.paceAt = Number(r.pace_at);
      usage.set(r.xero_tenant_id, u);
    }
    return usage;
  }

  /**
   * Waits for a call within the app's budget; refuses (as rate limited) a wait beyond `maxWaitMs`. `waited`
   * is told each time the organisation has to wait for its share.
   */
  async acquire(xeroTenantId: string, maxWaitMs: number, waited: () => void = () => undefined, now: () => number = Date.now): Promise<void> {
    const deadline = now() + maxWaitMs;
    for (;;) {
      const a = await this.tryTake(xeroTenantId, now());
      if (a.ok) return;
      waited();
      if (now() + a.waitMs > deadline) {
        throw new XeroCallError('rate_limited', 429, `waiting for this organisation's share of Xero's app limit would take ${a.waitMs} ms`, a.waitMs);
      }
      await sleep(a.waitMs);
    }
  }
}
