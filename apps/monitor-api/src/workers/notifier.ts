// Failure notifications: problems are collected for MONITOR_WEBHOOK_DIGEST_SECONDS from the first
// one, then sent as one message per connection, so a run with forty rejections pings once, not forty times,
// and one brand's news never shares a message with another's.
import { CONFIG, JsonLogger, PG_POOL } from '@lnbx/platform';
import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import type { Pool } from 'pg';
import { MonitorConfig } from '../config';
import { summarise, withHeading } from '../domain/digest';
import { isRunNotice, type Notice } from '../domain/effects';

@Injectable()
export class Notifier implements OnApplicationShutdown {
  private pending: { connectionId: string; notice: Notice }[] = [];
  private timer?: NodeJS.Timeout;

  constructor(
    @Inject(CONFIG) private readonly config: MonitorConfig,
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly logger: JsonLogger,
  ) {}

  get enabled(): boolean {
    return Boolean(this.config.webhookUrl);
  }

  /** The notices of one event, under its envelope's connection. */
  add(notices: Notice[], connectionId: string): void {
    if (!this.enabled || !notices.length) return;
    this.pending.push(...notices.map((notice) => ({ connectionId, notice })));
    this.timer ??= setTimeout(() => void this.flush(), this.config.webhookDigestSeconds * 1000).unref();
  }

  /**
   * Sends what was collected: one message per connection, headed by its name, its runs named by their number
   * in that connection. A webhook that fails is logged (without its URL: it holds a secret), not retried.
   */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const items = this.pending.splice(0);
    const byConnection = new Map<string, Notice[]>();
    for (const { connectionId, notice } of items) byConnection.set(connectionId, [...(byConnection.get(connectionId) ?? []), notice]);
    for (const [connectionId, notices] of byConnection) await this.send(connectionId, notices);
  }

  private async send(connectionId: string, notices: Notice[]): Promise<void> {
    const runIds = [...new Set(notices.filter(isRunNotice).map((n) => n.runId))];
    const [runs, names] = await Promise.all([
      this.pool
        .query<{ run_id: string; number: string }>('select run_id, number from monitor.runs where connection_id = $1 and run_id = any($2)', [
          connectionId,
          runIds,
        ])
        .catch(() => ({ rows: [] })),
      this.pool.query<{ name: string }>('select name from monitor.connections where id = $1', [connectionId]).catch(() => ({ rows: [] })),
    ]);
    const digest = summarise(notices, new Map(runs.rows.map((r) => [r.run_id, Number(r.number)])));
    if (!digest) return;
    const message = withHeading(digest, names.rows[0]?.name ? `${names.rows[0].name} (${connectionId})` : connectionId);
    try {
      const res = await fetch(this.config.webhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(message),
        signal: AbortSignal.timeout(5_000),
      });
      if (!res.ok) this.logger.warn('failure webhook refused the digest', { status: res.status, notices: notices.length, connectionId });
      else this.logger.info('failure digest sent', { notices: notices.length, connectionId });
    } catch (err) {
      this.logger.warn('failure webhook unreachable', { reason: (err as Error).name, notices: notices.length, connectionId });
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.flush().catch(() => undefined);
  }
}
