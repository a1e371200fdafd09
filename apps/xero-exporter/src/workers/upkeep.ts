// The connections' upkeep: one loop per process, for every connection, that tells a connection's state the
// first time it is seen, ends the choices of organisation left unpicked past their consent's life, connects a
// custom connection (client credentials) and reconnects it after a loss,
// keeps each organisation's rate slots, and publishes each connection's reference data on connect and every
// XERO_REFERENCE_REFRESH_MINUTES (by one instance). Woken at once by a (re)connection.
import { Outbox } from '@lnbx/messaging';
import { WorkLoop } from '@lnbx/event-store';
import { JsonLogger, PG_POOL } from '@lnbx/platform';
import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import type { ClientBase, Pool } from 'pg';
import { ExporterMetrics } from '../metrics';
import { type ConnectionRow, ExporterStore, type GrantType, type Transact, TRANSACT } from '../store/exporter-store';
import { ConnectionService } from '../xero/connections';
import { ConnectionLostError } from '../xero/errors';
import { XeroApi } from '../xero/xero-api';
import { appendReferenceData, readReferenceData } from './reference-data';
import { SENDER_POOL } from './sender-pool';
import { Wakeups } from './wakeups';

export const UPKEEP_OPTIONS = Symbol('UpkeepOptions');

export interface UpkeepOptions {
  grant: GrantType;
  /** Rate slots per organisation: Xero's concurrent-call limit. */
  concurrent: number;
  /** Between looks when nothing wakes the loop. */
  reconnectMs: number;
  referenceRefreshMinutes: number;
  /** Start with the application (false: whoever started the module calls start(); the benchmark fills its queue first). */
  startOnBoot: boolean;
}

@Injectable()
export class UpkeepWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private loop?: WorkLoop;
  private readonly logger: JsonLogger;

  constructor(
    private readonly store: ExporterStore,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(TRANSACT) private readonly transact: Transact,
    /** Reference data is read holding a rate slot, on a connection of the sender's pool like any unit of work. */
    @Inject(SENDER_POOL) private readonly senderPool: Pool,
    private readonly outbox: Outbox,
    private readonly xero: XeroApi,
    private readonly connections: ConnectionService,
    private readonly metrics: ExporterMetrics,
    private readonly wakeups: Wakeups,
    @Inject(UPKEEP_OPTIONS) private readonly o: UpkeepOptions,
    logger: JsonLogger,
  ) {
    this.logger = logger.child({ component: 'exporter' });
  }

  onApplicationBootstrap(): void {
    if (this.o.startOnBoot) this.start();
  }

  // Before the platform closes the database pool: the loop's work finishes (or rolls back) first.
  async beforeApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  start(): void {
    this.loop ??= new WorkLoop({
      name: 'connection upkeep',
      step: () => this.upkeep(),
      everyMs: () => this.o.reconnectMs,
      waker: this.wakeups.upkeep,
      onError: (err) => this.logger.error('connection upkeep failed; continuing', { err }),
    });
    this.loop.start();
  }

  async stop(): Promise<void> {
    await this.loop?.stop();
  }

  private async upkeep(): Promise<void> {
    await this.connections.announceKnown();
    await this.connections.endLapsedChoices();
    // A custom connection reaches one organisation: every connection (none removed) is connected to it.
    if (this.o.grant === 'client_credentials') {
      for (const connectionId of await this.store.knownConnections(this.pool)) await this.connections.ensureClientCredentials(connectionId);
    }
    for (const c of await this.store.connections(this.pool)) {
      // One disconnected on purpose has no series: the "connection lost" alert is for outages.
      if (c.xeroTenantId && !(c.status === 'disconnected' && c.disconnectedBy)) {
        this.metrics.connectionUp.set({ connection: c.connectionId, tenant: c.xeroTenantId }, c.status === 'connected' ? 1 : 0);
      }
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
          connectionId: c.connectionId,
          xeroTenantId: tenant.xeroTenantId,
          taxRates: value.taxRates.length,
          accounts: value.accounts.length,
        });
      });
      // The short code read with it belongs to the state the monitor shows: told when it is new or changed.
      await this.connections
        .announceIfUntold(c.connectionId)
        .catch((err: Error) => this.logger.warn('xero short code not told; the next refresh tells it', { connectionId: c.connectionId, reason: err.message }));
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
