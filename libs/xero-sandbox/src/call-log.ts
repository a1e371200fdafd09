// Every Accounting API call the sandbox answered (or refused), counted and kept for GET /__admin/calls.
import type { CallRecord, CallStats, TenantCallTimes } from './types';

const RECENT_CALLS = 2000;
/** Per organisation: twice a limit-day of Xero's calls (5,000), so a day's pace can be read back whole. */
const TIMED_CALLS_PER_TENANT = 10_000;

const emptyStats = (): CallStats => ({ total: 0, byStatus: {}, rejectedByReason: {}, byTenant: {} });

export class CallLog {
  private recent: CallRecord[] = [];
  private stats: CallStats = emptyStats();
  /** Per organisation, every call's start, duration and answer, kept apart from `recent` (which all tenants share). */
  private times = new Map<string, TenantCallTimes>();

  record(rec: CallRecord): void {
    if (rec.tenantId) {
      const t = this.times.get(rec.tenantId) ?? { dropped: 0, calls: [] };
      this.times.set(rec.tenantId, t);
      t.calls.push({
        at: Date.parse(rec.at),
        ms: rec.durationMs,
        status: rec.status,
        method: rec.method,
        path: rec.path,
        ...(rec.reason ? { reason: rec.reason } : {}),
      });
      if (t.calls.length > TIMED_CALLS_PER_TENANT * 1.5) {
        t.dropped += t.calls.length - TIMED_CALLS_PER_TENANT;
        t.calls = t.calls.slice(-TIMED_CALLS_PER_TENANT);
      }
    }
    const stats = this.stats;
    stats.total++;
    stats.byStatus[rec.status] = (stats.byStatus[rec.status] ?? 0) + 1;
    const t = rec.tenantId ? (stats.byTenant[rec.tenantId] ??= { total: 0, rejectedByReason: {} }) : undefined;
    if (t) t.total++;
    if (rec.reason) {
      stats.rejectedByReason[rec.reason] = (stats.rejectedByReason[rec.reason] ?? 0) + 1;
      if (t) t.rejectedByReason[rec.reason] = (t.rejectedByReason[rec.reason] ?? 0) + 1;
    }
    this.recent.push(rec);
    // Trimmed in steps, not on every call, so a busy run does not copy the array each time.
    if (this.recent.length > RECENT_CALLS * 1.5) this.recent = this.recent.slice(-RECENT_CALLS);
  }

  query(filter: { tenantId?: string; limit?: number } = {}): { stats: CallStats; recent: CallRecord[] } {
    const { tenantId } = filter;
    let list = tenantId ? this.recent.filter((r) => r.tenantId === tenantId) : this.recent;
    list = list.slice(-(filter.limit ?? 200));
    const stats = tenantId ? this.tenantStats(tenantId) : structuredClone(this.stats);
    return { stats, recent: list };
  }

  /** When each organisation's calls started and how long they took: how fast and how many at once, read back from outside. */
  callTimes(tenantId?: string): Record<string, TenantCallTimes> {
    const out: Record<string, TenantCallTimes> = {};
    for (const [id, t] of this.times) if (!tenantId || id === tenantId) out[id] = { dropped: t.dropped, calls: [...t.calls] };
    return out;
  }

  clear(): void {
    this.times.clear();
    this.recent = [];
    this.stats = emptyStats();
  }

  /** A tenant's totals are kept since the start; its statuses are counted over the recent calls only. */
  private tenantStats(tenantId: string): CallStats {
    const t = this.stats.byTenant[tenantId] ?? { total: 0, rejectedByReason: {} };
    const byStatus: Record<string, number> = {};
    for (const r of this.recent) if (r.tenantId === tenantId) byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
    return { total: t.total, byStatus, rejectedByReason: { ...t.rejectedByReason }, byTenant: { [tenantId]: t } };
  }
}
