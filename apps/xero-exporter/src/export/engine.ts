// The sender: one loop per process that drains waiting documents in batches per organisation and
// type, as fast as Xero's limits allow and no faster; plus the upkeep of connections (custom ones
// reconnect themselves) and the periodic reference data. Units of work run in their own transaction,
// holding their documents' rows and a rate slot, so several instances share the work safely.
import type { Outbox } from '@lnbx/messaging';
import type { JsonLogger } from '@lnbx/platform';
import type { ClientBase, Pool, PoolClient } from 'pg';
import { readyToSend } from '../domain/batching';
import type { ExporterMetrics } from '../metrics';
import type { ConnectionRow, ExporterStore, GrantType, Transact } from '../store/exporter-store';
import { ConnectionLostError } from '../xero/errors';
import type { XeroApi } from '../xero/xero-api';
import type { AllocationRunner } from './allocations';
import type { ActiveTenant, BatchExporter, UnitReport } from './batch-exporter';
import type { ConnectionService } from './connections';
import type { FollowupRunner } from './followups';
import { appendReferenceData, readReferenceData } from './reference-data';

export interface EngineOptions {
  /** The LNB connection this deployment serves (its Xero connection is set up by client credentials). */
  connectionId: string;
  grant: GrantType;
  batchSize: number;
  lingerMs: number;
  concurrent: number;
  intervalMs: number;
  reconnectMs: number;
  referenceRefreshMinutes: number;
  /** A limit-minute in real milliseconds: a pause longer than this is shared with other instances. */
  minuteMs: number;
  /** Allocations looked at per unit. */
  allocationBatch: number;
  /** Calls per limit-minute allocation checks may take from one organisation. */
  allocationCallsPerMinute: number;
}

class Waker {
  private resolve?: () => void;
  wake(): void {
    this.resolve?.();
  }
  wait(ms: number): Promise<void> {
    return new Promise((r) => {
      const t = setTimeout(() => done(), ms);
      const done = () => {
        clearTimeout(t);
        this.resolve = undefined;
        r();
      };
      this.resolve = done;
    });
  }
}

export class ExportEngine {
  private running = false;
  private loops: Promise<void>[] = [];
  private readonly units = new Set<Promise<void>>();
  private readonly active = new Map<string, number>();
  private readonly waker = new Waker();
  private readonly upkeepWaker = new Waker();
  /** Per organisation: an allocation unit running here, and when the next may start (its share of the minute spent). */
  private readonly allocating = new Set<string>();
  private readonly nextAllocationAt = new Map<string, number>();

  constructor(
    private readonly store: ExporterStore,
    private readonly pool: Pool,
    private readonly transact: Transact,
    /** Units hold a connection each for their whole duration: a pool of their own, so they never starve the rest. */
    private readonly senderPool: Pool,
    private readonly outbox: Outbox,
    private readonly xero: XeroApi,
    private readonly batches: BatchExporter,
    private readonly followups: FollowupRunner,
    private readonly allocations: AllocationRunner,
    private readonly connections: ConnectionService,
    private readonly metrics: ExporterMetrics,
    private readonly o: EngineOptions,
    private readonly logger: JsonLogger,
  ) {
    connections.onConnected = () => {
      this.upkeepWaker.wake();
      this.waker.wake();
    };
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loops = [
      this.loop('sender', () => this.fill(), this.waker, this.o.intervalMs),
      this.loop('connection upkeep', () => this.upkeep(), this.upkeepWaker, this.o.reconnectMs),
    ];
  }

  async stop(): Promise<void> {
    this.running = false;
    this.waker.wake();
    this.upkeepWaker.wake();
    await Promise.all(this.loops);
    await Promise.allSettled([...this.units]);
  }

  /** New work arrived (a document recorded): look now rather than at the next tick. */
  wake(): void {
    this.waker.wake();
  }

  /**
   * "Check allocations now": the connection's waiting allocations (or the credit notes named, by document
   * key) are due at once, and its organisation's allocation pacing starts afresh.
   */
  async checkAllocations(connectionId: string, documentKeys?: string[]): Promise<number> {
    const due = await this.store.allocationsDueNow(this.pool, connectionId, documentKeys);
    const c = await this.store.connection(this.pool, connectionId);
    if (c?.xeroTenantId) this.nextAllocationAt.delete(c.xeroTenantId);
    this.waker.wake();
    return due;
  }

  /** Runs until the queue is empty and no unit is running (the benchmark and tests use it). */
  async idle(): Promise<void> {
    while (this.units.size) await Promise.allSettled([...this.units]);
  }

  private async loop(what: string, step: () => Promise<void>, waker: Waker, everyMs: number): Promise<void> {
    while (this.running) {
      try {
        await step();
      } catch (err) {
        this.logger.error(`${what} failed; continuing`, { err });
      }
      await waker.wait(everyMs);
    }
  }

  /** Starts units until each connected organisation has no room left or no due work. */
  private async fill(): Promise<void> {
    const now = Date.now();
    for (const c of await this.store.connections(this.pool)) {
      if (c.status !== 'connected' || !c.xeroTenantId) continue;
      if (c.pausedUntil && c.pausedUntil.getTime() > now) continue;
      const limiter = this.xero.limiters.for(c.xeroTenantId);
      while (this.running && (this.active.get(c.xeroTenantId) ?? 0) < this.o.concurrent && limiter.hasRoom(Date.now())) {
        if (!(await this.startUnit(c))) break;
      }
    }
  }

  private async startUnit(c: ConnectionRow): Promise<boolean> {
    const client = await this.senderPool.connect();
    let launched = false;
    try {
      await client.query('begin');
      const slot = await this.store.lockSlot(client, c.xeroTenantId!, this.o.concurrent);
      if (slot === undefined) return false;
      const tenant: ActiveTenant = { connectionId: c.connectionId, xeroTenantId: c.xeroTenantId!, shortCode: c.shortCode ?? undefined };
      await client.query('savepoint claim');
      const rows = await this.store.claimBatch(client, c.connectionId, this.o.batchSize);
      const oldest = rows.length ? Math.min(...rows.map((r) => r.enqueuedAt.getTime())) : 0;
      if (rows.length && readyToSend(rows.length, oldest, Date.now(), { batchSize: this.o.batchSize, lingerMs: this.o.lingerMs })) {
        launched = true;
        this.launch(client, tenant, () => this.batches.run(client, tenant, rows));
        return true;
      }
      // Not full yet and not old enough: let go of them so more can join.
      await client.query('rollback to savepoint claim');
      const f = await this.store.claimFollowup(client, c.connectionId);
      if (f) {
        launched = true;
        this.launch(client, tenant, async () => ({ exported: [], failed: [], ...(await this.followups.run(client, tenant, f)) }));
        return true;
      }
      // Allocations last, one unit at a time per organisation, within their share of its minute.
      const id = tenant.xeroTenantId;
      if (this.allocating.has(id) || (this.nextAllocationAt.get(id) ?? 0) > Date.now()) return false;
      const due = await this.store.claimAllocations(client, c.connectionId, this.o.allocationBatch);
      if (!due.length) return false;
      launched = true;
      this.allocating.add(id);
      this.launch(client, tenant, async () => {
        let calls = due.length + 2;
        try {
          const r = await this.allocations.run(client, tenant, due);
          calls = r.calls;
          return { exported: [], failed: [], ...(r.lost ? { lost: r.lost } : {}) };
        } finally {
          this.allocating.delete(id);
          this.nextAllocationAt.set(id, Date.now() + (calls * this.o.minuteMs) / this.o.allocationCallsPerMinute);
        }
      });
      return true;
    } finally {
      if (!launched) {
        await client.query('rollback').catch(() => undefined);
        client.release();
      }
    }
  }

  private launch(client: PoolClient, tenant: ActiveTenant, work: () => Promise<UnitReport>): void {
    this.active.set(tenant.xeroTenantId, (this.active.get(tenant.xeroTenantId) ?? 0) + 1);
    const unit = (async () => {
      let report: UnitReport | undefined;
      try {
        report = await work();
        await client.query('commit');
      } catch (err) {
        report = undefined;
        this.logger.error('unit of work failed; its documents stay waiting', { err });
        await client.query('rollback').catch(() => undefined);
      } finally {
        client.release();
        this.active.set(tenant.xeroTenantId, (this.active.get(tenant.xeroTenantId) ?? 1) - 1);
      }
      if (report) {
        for (const e of report.exported) this.metrics.exported.inc({ type: e.type, outcome: e.outcome });
        for (const f of report.failed) this.metrics.recordFailed(f.type, f.codes);
        if (report.lost) await this.connections.lost(tenant.connectionId, report.lost).catch((err) => this.logger.error('could not record the lost connection', { err }));
      }
      await this.sharePause(tenant);
      this.waker.wake();
    })();
    this.units.add(unit);
    void unit.finally(() => this.units.delete(unit));
  }

  /** A long pause (the day limit) is stored, so every instance (and a restart) respects it. */
  private async sharePause(tenant: ActiveTenant): Promise<void> {
    const s = this.xero.limiters.for(tenant.xeroTenantId).state(Date.now());
    if (s.pausedUntil && s.pausedUntil - Date.now() > this.o.minuteMs) {
      await this.store.setPause(this.pool, tenant.connectionId, new Date(s.pausedUntil), s.pauseReason ?? 'rate limited').catch(() => undefined);
      this.logger.warn('xero organisation paused', { xeroTenantId: tenant.xeroTenantId, until: new Date(s.pausedUntil).toISOString(), reason: s.pauseReason });
    }
  }

  private async upkeep(): Promise<void> {
    if (this.o.grant === 'client_credentials') await this.connections.ensureClientCredentials(this.o.connectionId);
    for (const c of await this.store.connections(this.pool)) {
      if (c.xeroTenantId) this.metrics.connectionUp.set({ tenant: c.xeroTenantId }, c.status === 'connected' ? 1 : 0);
      if (c.status === 'connected' && c.xeroTenantId) {
        await this.store.ensureSlots(this.pool, c.xeroTenantId, this.o.concurrent);
        await this.refreshReference(c);
      }
    }
  }

  /** Reference data on connect and every XERO_REFERENCE_REFRESH_MINUTES, by one instance. */
  private async refreshReference(c: ConnectionRow): Promise<void> {
    const before = await this.transact((tx) => this.store.claimReferenceRefresh(tx, c.connectionId, this.o.referenceRefreshMinutes));
    if (before === false) return;
    const tenant = { connectionId: c.connectionId, xeroTenantId: c.xeroTenantId! };
    try {
      await this.withSlot(tenant.xeroTenantId, async () => {
        const { value, shortCode } = await readReferenceData(this.xero, tenant);
        await this.transact(async (tx: ClientBase) => {
          await appendReferenceData(this.outbox, tx, c.connectionId, value);
          await this.store.saveShortCode(tx, c.connectionId, shortCode ?? null);
        });
        this.logger.info('xero reference data published', {
          connectionId: c.connectionId, xeroTenantId: tenant.xeroTenantId, taxRates: value.taxRates.length, accounts: value.accounts.length,
        });
      });
    } catch (err) {
      await this.store.restoreReferenceClaim(this.pool, c.connectionId, before);
      if (err instanceof ConnectionLostError) await this.connections.lost(c.connectionId, { reason: err.reason, code: err.code });
      else this.logger.warn('xero reference data not published; will try again', { connectionId: c.connectionId, reason: (err as Error).message });
    }
  }

  private async withSlot(xeroTenantId: string, fn: () => Promise<void>): Promise<void> {
    const client = await this.senderPool.connect();
    try {
      await client.query('begin');
      if ((await this.store.lockSlot(client, xeroTenantId, this.o.concurrent)) === undefined) throw new Error('every rate slot is busy');
      await fn();
    } finally {
      await client.query('rollback').catch(() => undefined);
      client.release();
    }
  }
}
