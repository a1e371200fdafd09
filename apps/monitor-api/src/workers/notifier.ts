// Failure notifications: problems are collected for MONITOR_WEBHOOK_DIGEST_SECONDS from the first
// one, then sent as one message, so a run with forty rejections pings once, not forty times.
import { CONFIG, JsonLogger, PG_POOL } from '@lnbx/platform';
import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import type { Pool } from 'pg';
import { MonitorConfig } from '../config';
import { summarise } from '../domain/digest';
import { isRunNotice, type Notice } from '../domain/effects';

@Injectable()
export class Notifier implements OnApplicationShutdown {
  private pending: Notice[] = [];
  private timer?: NodeJS.Timeout;

  constructor(
    @Inject(CONFIG) private readonly config: MonitorConfig,
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly logger: JsonLogger,
  ) {}

  get enabled(): boolean {
    return Boolean(this.config.webhookUrl);
  }

  add(notices: Notice[]): void {
    if (!this.enabled || !notices.length) return;
    this.pending.push(...notices);
    this.timer ??= setTimeout(() => void this.flush(), this.config.webhookDigestSeconds * 1000).unref();
  }

  /** Sends what was collected; a webhook that fails is logged (without its URL: it holds a secret), not retried. */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const items = this.pending.splice(0);
    if (!items.length) return;
    const send = async () => {
      const runIds = [...new Set(items.filter(isRunNotice).map((n) => n.runId))];
      const { rows } = await this.pool
        .query<{ run_id: string; number: string }>('select run_id, number from monitor.runs where run_id = any($1)', [runIds])
        .catch(() => ({ rows: [] }));
      const message = summarise(items, new Map(rows.map((r) => [r.run_id, Number(r.number)])));
      if (!message) return;
      try {
        const res = await fetch(this.config.webhookUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(message),
          signal: AbortSignal.timeout(5_000),
        });
        if (!res.ok) this.logger.warn('failure webhook refused the digest', { status: res.status, notices: items.length });
        else this.logger.info('failure digest sent', { notices: items.length });
      } catch (err) {
        this.logger.warn('failure webhook unreachable', { reason: (err as Error).name, notices: items.length });
      }
    };
    await send();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.flush().catch(() => undefined);
  }
}
