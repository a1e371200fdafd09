// Every Accounting API call the sandbox answered (or refused), counted and kept for GET /__admin/calls.
import type { CallRecord, CallStats } from './types';

const RECENT_CALLS = 2000;

const emptyStats = (): CallStats => ({ total: 0, byStatus: {}, rejectedByReason: {}, byTenant: {} });

export class CallLog {
  private recent: CallRecord[] = [];
  private stats: CallStats = emptyStats();

  record(rec: CallRecord): void {
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

  clear(): void {
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
