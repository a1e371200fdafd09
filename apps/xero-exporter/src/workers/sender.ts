// The sender: one loop per process that drains waiting documents in batches per organisation and
// type, as fast as Xero's limits allow and no faster; then follow-ups, then allocation checks. Units of
// work run in their own transaction, holding their documents' rows and a rate slot, so several
// instances share the work safely. (The connections' upkeep and the reference data: upkeep.ts.)
import { WorkLoop } from '@lnbx/event-store';
import { JsonLogger, PG_POOL } from '@lnbx/platform';
import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import type { ClientBase, Pool, PoolClient } from 'pg';
import { type BudgetNow, decideSend } from '../domain/batching';
import { ExporterMetrics } from '../metrics';
import { DocumentLifecycleStore } from '../store/document-lifecycle-store';
import { type ConnectionRow, ExporterStore, type Transact, TRANSACT } from '../store/exporter-store';
import { AppBudget } from '../xero/app-budget';
import { ConnectionService } from '../xero/connections';
import { XERO_API_OPTIONS, XeroApi, type XeroApiOptions } from '../xero/xero-api';
import { AllocationRunner } from './allocations';
import { type ActiveTenant, BatchExporter, type UnitReport } from './batch-exporter';
import { FollowupRunner } from './followups';
import { SENDER_POOL } from './sender-pool';
import { Wakeups } from './wakeups';

export const SENDER_OPTIONS = Symbol('SenderOptions');

export interface SenderOptions {
  batchSize: number;
  lingerMs: number;
  /** Units at once per organisation: Xero's concurrent-call limit. */
  concurrent: number;
  intervalMs: number;
  /** A limit-minute in real milliseconds: a pause longer than this is shared with other instances. */
  minuteMs: number;
  /** Allocations looked at per unit. */
  allocationBatch: number;
  /** Calls per limit-minute allocation checks may take from one organisation. */
  allocationCallsPerMinute: number;
  /** Start with the application (false: whoever started the module calls start(); the benchmark fills its queue first). */
  startOnBoot: boolean;
}

@Injectable()
export class SenderWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private loop?: WorkLoop;
  private readonly units = new Set<Promise<void>>();
  private readonly active = new Map<string, number>();
  /** Per organisation: when its last unit here ended; documents enqueued before it came while it was busy. */
  private readonly idleSince = new Map<string, number>();
  /** Per organisation: an allocation unit running here, and when the next may start (its share of the minute spent). */
  private readonly allocating = new Set<string>();
  private readonly nextAllocationAt = new Map<string, number>();
  /** Connections held here (paused or removed), as last seen: their gauge goes back to 0 when resumed. */
  private readonly heldAs = new Map<string, 'paused' | 'removed'>();
  /** Which connection goes first in the next pass (see fill). */
  private turn = 0;
  private readonly logger: JsonLogger;

  constructor(
    private readonly store: ExporterStore,
    private readonly lifecycle: DocumentLifecycleStore,
    @Inject(TRANSACT) private readonly transact: Transact,
    @Inject(PG_POOL) private readonly pool: Pool,
    /** Units hold a connection each for their whole duration: a pool of their own, so they never starve the rest. */
    @Inject(SENDER_POOL) private readonly senderPool: Pool,
    private readonly xero: XeroApi,
    /** Xero's app-wide limit: who has work, and who has room in its share (see fill). */
    private readonly appBudget: AppBudget,
    private readonly batches: BatchExporter,
    private readonly followups: FollowupRunner,
    private readonly allocations: AllocationRunner,
    private readonly connections: ConnectionService,
    private readonly metrics: ExporterMetrics,
    private readonly wakeups: Wakeups,
    @Inject(SENDER_OPTIONS) private readonly o: SenderOptions,
    /** Xero's limits as configured: how much of a minute is "plenty of room" (domain/batching.ts). */
    @Inject(XERO_API_OPTIONS) private readonly api: XeroApiOptions,
    logger: JsonLogger,
  ) {
    this.logger = logger.child({ component: 'exporter' });
  }

  onApplicationBootstrap(): void {
    if (this.o.startOnBoot) this.start();
  }

  // Before the platform closes the database pool: units of work finish (or roll back) first.
  async beforeApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  start(): void {
    this.loop ??= new WorkLoop({
      name: 'sender',
      step: () => this.fill(),
      everyMs: () => this.o.intervalMs,
      waker: this.wakeups.sender,
      onError: (err) => this.logger.error('sender failed; continuing', { err }),
    });
    this.loop.start();
  }

  private get running(): boolean {
    return this.loop?.running ?? false;
  }

  async stop(): Promise<void> {
    await this.loop?.stop();
    await Promise.allSettled([...this.units]);
  }

  /**
   * "Check allocations now": the connection's waiting allocations (or the credit notes named, by document
   * key) are due at once, and its organisation's allocation pacing starts afresh.
   */
  async checkAllocations(connectionId: string, documentKeys?: string[]): Promise<number> {
    const due = await this.transact(async (tx) => {
      if (documentKeys?.length) await this.reopen(tx, connectionId, documentKeys);
      return this.store.allocationsDueNow(tx, connectionId, documentKeys);
    });
    const c = await this.store.connection(this.pool, connectionId);
    if (c?.xeroTenantId) this.nextAllocationAt.delete(c.xeroTenantId);
    this.wakeups.workArrived();
    return due;
  }

  /** Credit notes named that were found not possible are looked at again: re-opened on their streams. */
  private async reopen(tx: ClientBase, connectionId: string, documentKeys: string[]): Promise<void> {
    const keys = await this.store.allocationsNotPossible(tx, connectionId, documentKeys);
    if (!keys.length) return;
    await this.lifecycle.lock(tx, keys);
    const states = await this.lifecycle.load(tx, keys);
    const at = new Date().toISOString();
    for (const key of keys) {
      // Refused (no allocation) or nothing to re-open (allocated or waiting meanwhile): left as it is.
      const { state } = await this.lifecycle.decide(tx, key, states.get(key)!, { type: 'ReopenAllocation', at });
      states.set(key, state);
    }
    await this.lifecycle.project(tx, states);
  }

  /**
   * Starts units until each connected organisation has no room left or no due work. Connections that share
   * an organisation take its room in turn, one unit each, starting with a different one each pass: a busy
   * connection cannot keep another of the same organisation waiting.
   */
  private async fill(): Promise<void> {
    const now = Date.now();
    const ready: ConnectionRow[] = [];
    for (const c of await this.store.connections(this.pool)) {
      if (c.status !== 'connected' || !c.xeroTenantId) continue;
      if (c.pausedUntil && c.pausedUntil.getTime() > now) continue;
      // Paused (or removed) in the Integration Center: its documents, follow-ups and allocations wait.
      if (await this.held(c)) continue;
      ready.push(c);
    }
    // Every organisation with documents due takes part in the app budget's split now, not once a unit of its own
    // gets to ask; and no unit starts for an organisation at its share, as it would only wait holding one of the
    // sender pool's few connections while other organisations' units could not start.
    const due = await this.store.connectionsWithDueWork(
      this.pool,
      ready.map((c) => c.connectionId),
    );
    await this.appBudget.noteWork(
      ready.filter((c) => due.has(c.connectionId)).map((c) => c.xeroTenantId!),
      now,
    );
    const { hasShare, paced, used } = await this.appBudget.room(now);
    const turn = this.turn++ % Math.max(1, ready.length);
    // The sender pool's connections go first to the organisations that made the fewest calls in the last minute
    // (in turn among equals): taken in a fixed turn, whoever followed a run of organisations at their share got
    // every connection that freed up (bench:tenants: some waited 100 s for their first call, others never did).
    let open = [...ready.slice(turn), ...ready.slice(0, turn)].sort((a, b) => used(a.xeroTenantId!) - used(b.xeroTenantId!));
    while (this.running && open.length) {
      const next: ConnectionRow[] = [];
      for (const c of open) {
        // Each unit holds one of the sender pool's few connections while it runs. With none free, starting one
        // would block this pass until a unit ends: meanwhile no organisation that got work would be counted in
        // the split (bench:tenants: the first two of 20 took their own limit for a minute). The next pass starts it.
        if (this.senderPool.idleCount === 0 && this.senderPool.totalCount >= (this.senderPool.options.max ?? 10)) break;
        const limiter = this.xero.limiters.for(c.xeroTenantId!);
        const active = this.active.get(c.xeroTenantId!) ?? 0;
        if (active >= this.o.concurrent || !limiter.hasRoom(Date.now()) || !hasShare(c.xeroTenantId!)) continue;
        // Paced, one unit at a time: a second would only wait for the turn the first has not yet taken (its first
        // call comes after its token and its reads), holding a connection meanwhile.
        if (active > 0 && paced(c.xeroTenantId!)) continue;
        // Paced by the app's budget, its next call is a turn away: a second unit now would only wait for it.
        if ((await this.startUnit(c)) && !paced(c.xeroTenantId!)) next.push(c);
      }
      open = next;
    }
  }

  /** Whether the connection is paused or removed; says how many of its documents wait meanwhile (0 again once resumed). */
  private async held(c: ConnectionRow): Promise<boolean> {
    const status = c.activity ?? 'active';
    if (status === 'active') {
      const was = this.heldAs.get(c.connectionId);
      if (was) this.metrics.held.set({ connection: c.connectionId, status: was }, 0);
      this.heldAs.delete(c.connectionId);
      return false;
    }
    this.heldAs.set(c.connectionId, status);
    this.metrics.held.set({ connection: c.connectionId, status }, await this.store.pendingCount(this.pool, c.connectionId));
    return true;
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
      const now = Date.now();
      const since = rows.map((r) => r.enqueuedAt.getTime());
      const waiting = { count: rows.length, oldestSince: Math.min(now, ...since), newestSince: Math.max(0, ...since) };
      if (decideSend(waiting, this.budget(tenant.xeroTenantId, now), now, { batchSize: this.o.batchSize, lingerMs: this.o.lingerMs }).send) {
        launched = true;
        this.launch(client, tenant, () => this.batches.run(client, tenant, rows));
        return true;
      }
      // Not full yet, not old enough, and the budget busy: let go of them so more can join.
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
        const left = (this.active.get(tenant.xeroTenantId) ?? 1) - 1;
        this.active.set(tenant.xeroTenantId, left);
        if (left === 0) this.idleSince.set(tenant.xeroTenantId, Date.now());
      }
      if (report) {
        // A unit is one connection's: its documents count under it.
        for (const e of report.exported) this.metrics.recordExported(tenant.connectionId, e.type, e.outcome);
        for (const f of report.failed) this.metrics.recordFailed(tenant.connectionId, f.type, f.codes);
        if (report.lost)
          await this.connections.lost(tenant.connectionId, report.lost).catch((err) => this.logger.error('could not record the lost connection', { err }));
      }
      await this.sharePause(tenant);
      this.wakeups.workArrived();
    })();
    this.units.add(unit);
    void unit.finally(() => this.units.delete(unit));
  }

  /** The organisation's budget as the batching decision weighs it. */
  private budget(xeroTenantId: string, now: number): BudgetNow {
    const s = this.xero.limiters.for(xeroTenantId).state(now);
    return {
      unitsInFlight: this.active.get(xeroTenantId) ?? 0,
      usedThisMinute: s.usedThisMinute,
      perMinute: this.api.limits.perMinute,
      paused: s.pausedUntil !== undefined,
      idleSince: this.idleSince.get(xeroTenantId) ?? 0,
    };
  }

  /** A long pause (the day limit) is stored, so every instance (and a restart) respects it. */
  private async sharePause(tenant: ActiveTenant): Promise<void> {
    const s = this.xero.limiters.for(tenant.xeroTenantId).state(Date.now());
    if (s.pausedUntil && s.pausedUntil - Date.now() > this.o.minuteMs) {
      await this.store.setPause(this.pool, tenant.xeroTenantId, new Date(s.pausedUntil), s.pauseReason ?? 'rate limited').catch(() => undefined);
      this.logger.warn('xero organisation paused', { xeroTenantId: tenant.xeroTenantId, until: new Date(s.pausedUntil).toISOString(), reason: s.pauseReason });
    }
  }
}
