// Xero's app-wide limit, kept in Postgres (exporter.app_calls) so every exporter instance shares one count:
// each call asks first; the decision is domain/app-budget.ts's fair share, taken under one advisory lock so
// two instances never both take the last call of a window.
import type { Pool } from 'pg';
import { admitAppCall, type AppAdmission, type AppBudgetRule, type AppUsage } from '../domain/app-budget';
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
    const win = Math.floor(now / this.minuteMs);
    const elapsed = (now - win * this.minuteMs) / this.minuteMs;
    const client = await this.pool.connect();
    try {
      await client.query('begin');
      await client.query('select pg_advisory_xact_lock(hashtextextended($1, 0))', [`${SCHEMA}.app_calls`]);
      await client.query(
        `insert into ${SCHEMA}.app_calls (win, xero_tenant_id, asks) values ($1, $2, 1)
         on conflict (win, xero_tenant_id) do update set asks = app_calls.asks + 1`,
        [win, xeroTenantId],
      );
      const { rows } = await client.query<{ win: string; xero_tenant_id: string; asks: number; calls: number }>(
        `select win, xero_tenant_id, asks, calls from ${SCHEMA}.app_calls where win >= $1`,
        [win - 1],
      );
      const usage = new Map<string, AppUsage>();
      for (const r of rows) {
        const u = usage.get(r.xero_tenant_id) ?? { calls: 0, previousCalls: 0, active: false };
        if (Number(r.win) === win) u.calls = r.calls;
        else u.previousCalls = r.calls;
        u.active ||= r.asks > 0;
        usage.set(r.xero_tenant_id, u);
      }
      const decision = admitAppCall(this.rule, usage, xeroTenantId, elapsed, this.minuteMs);
      if (decision.ok) {
        await client.query(`update ${SCHEMA}.app_calls set calls = calls + 1 where win = $1 and xero_tenant_id = $2`, [win, xeroTenantId]);
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
