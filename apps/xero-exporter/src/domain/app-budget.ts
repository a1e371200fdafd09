// Xero's app-wide limit (10,000 calls a minute by one app, across every organisation) shared fairly between
// the organisations that have work: max-min fair shares, so no organisation starves and a busy one cannot take
// another's share, while an idle organisation's share goes to the others. Pure: the counts come in, the
// decision goes out (xero/app-budget.ts keeps the counts in Postgres, for every exporter instance).

/** One organisation's use of the app's budget: the current limit-minute and the one before. */
export interface AppUsage {
  /** Calls admitted in the current window. */
  calls: number;
  /** Calls admitted in the previous window. */
  previousCalls: number;
  /** Whether it asked for a call in the current or the previous window: it has work. */
  active: boolean;
  /** When its next call is due at an even pace through its share (epoch ms; absent: none made yet). */
  paceAt?: number;
}

export interface AppBudgetRule {
  /** Calls per limit-minute for the whole app (XERO_APP_LIMIT_PER_MINUTE). */
  limit: number;
  /** What one organisation can use at most (its own per-minute limit): more is no use to it. */
  perTenant: number;
}

/**
 * Max-min fair shares of `limit` between organisations that each want `demand` calls (water filling): the
 * smallest demands are met whole, and what is left is split evenly between the rest; whole calls, never more
 * than `limit` in all (an odd call goes to the organisations served last: the largest demands, then by id).
 */
export function fairShares(limit: number, demands: ReadonlyMap<string, number>): Map<string, number> {
  const shares = new Map<string, number>();
  const byDemand = [...demands].sort(([a, x], [b, y]) => x - y || a.localeCompare(b));
  let left = limit;
  byDemand.forEach(([tenant, demand], i) => {
    const share = Math.max(0, Math.min(demand, Math.floor(left / (byDemand.length - i))));
    shares.set(tenant, share);
    left -= share;
  });
  return shares;
}

/**
 * Calls counted in the rolling minute ending now, estimated from two fixed windows: all of the current one
 * and the part of the previous one that still overlaps the last minute (`elapsed`: how far into the current
 * window now is, 0..1).
 */
export function rollingCount(calls: number, previousCalls: number, elapsed: number): number {
  return calls + previousCalls * (1 - Math.min(1, Math.max(0, elapsed)));
}

/** `tenant`'s max-min fair share of the app's calls a minute among the organisations with work, itself included as it asks. */
export function appShare(rule: AppBudgetRule, usage: ReadonlyMap<string, AppUsage>, tenant: string): number {
  const demands = new Map<string, number>();
  for (const [id, u] of usage) if (u.active) demands.set(id, rule.perTenant);
  demands.set(tenant, rule.perTenant);
  return fairShares(rule.limit, demands).get(tenant) ?? 0;
}

export type AppAdmission = { ok: true; paceAt: number } | { ok: false; share: number; waitMs: number };

/**
 * Whether `tenant` may make one more call at `now` (epoch ms): only while the app as a whole is under its limit
 * and, when the app's budget is what limits it (its max-min fair share among the organisations with work, itself
 * included as it asks, is below its own limit), the call keeps to an even pace through that share: one every
 * minute/share. Counting each organisation's calls per rolling minute instead let one spend its whole share at
 * once and then wait, and held one that had been alone (and used its own limit) back for a minute once others came:
 * over a few minutes some made a share more than others (bench:tenants; a burst allowance, simulated, brought the
 * same unevenness back whenever all began at once). Not limited by the app, an organisation calls as Xero's own
 * limits allow (export now stays immediate). `usage` holds every organisation seen in the last two windows;
 * `minuteMs` is a limit-minute in milliseconds. Admitted, `paceAt` is when its next call is due.
 */
export function admitAppCall(
  rule: AppBudgetRule,
  usage: ReadonlyMap<string, AppUsage>,
  tenant: string,
  elapsed: number,
  minuteMs: number,
  now: number,
): AppAdmission {
  const share = appShare(rule, usage, tenant);
  let total = 0;
  for (const u of usage.values()) total += rollingCount(u.calls, u.previousCalls, elapsed);
  const interval = minuteMs / Math.max(1, share);
  const paced = share < rule.perTenant;
  const early = paced ? (usage.get(tenant)?.paceAt ?? now) - now : 0;
  if (share > 0 && early <= 0 && total + 1 <= rule.limit) return { ok: true, paceAt: paced ? now + interval : now };
  // Until its turn at its pace; with the app's minute full, about one call's worth of its share.
  return { ok: false, share, waitMs: Math.max(1, Math.ceil(early > 0 ? early : interval)) };
}
