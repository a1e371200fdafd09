// Fires each flow's schedule: at a due time, exactly one poller instance (the one whose insert of
// (flow, fire time) wins) appends a RunRequested to its outbox; every poller then sees it like any run.
import { createEnvelope, Flow, flowKey, RunRequested, ScheduleValue } from '@lnbx/contracts';
import type { Transaction } from '@lnbx/event-store';
import { Outbox } from '@lnbx/messaging';
import { CONFIG, JsonLogger, PG_POOL } from '@lnbx/platform';
import { scheduleProblems, type Schedule } from '@lnbx/scheduling';
import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { PollerConfig } from '../config';
import { dueFiring } from '../domain/schedule';

interface ScheduleRow {
  flow: Flow;
  enabled: boolean;
  cron: string | null;
  time_zone: string | null;
  last_fired_for: Date | null;
  updated_at: Date;
}

@Injectable()
export class Scheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private ticking?: Promise<unknown>;
  /** Per flow, whether its stored schedule is refused, for the schedule it was worked out for. */
  private readonly verdicts = new Map<Flow, { schedule: string; refused: boolean }>();

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly outbox: Outbox,
    @Inject(CONFIG) private readonly config: PollerConfig,
    private readonly logger: JsonLogger,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.ticking ??= this.tick(new Date())
        .catch((err) => this.logger.warn('scheduler tick failed', { err }))
        .finally(() => (this.ticking = undefined));
    }, this.config.tickMs);
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.ticking;
  }

  async save(tx: Transaction, s: ScheduleValue): Promise<void> {
    // A new schedule counts from now: it never fires for the past.
    await tx.query(
      `insert into poller.schedules (flow, enabled, cron, time_zone, last_fired_for) values ($1,$2,$3,$4, now())
       on conflict (flow) do update set enabled = excluded.enabled, cron = excluded.cron, time_zone = excluded.time_zone,
         last_fired_for = now(), updated_at = now()`,
      [s.flow, s.enabled, s.cron ?? null, s.timeZone ?? null],
    );
  }

  /** Fires what is due at `now`; a fire missed while no poller ran is fired once, not once per slot. */
  async tick(now: Date): Promise<number> {
    const { rows } = await this.pool.query<ScheduleRow>('select * from poller.schedules where enabled');
    let fired = 0;
    for (const s of rows) {
      const schedule = { enabled: s.enabled, cron: s.cron, timeZone: s.time_zone };
      if (this.isRefused(s.flow, schedule, now)) continue;
      const fireAt = dueFiring(schedule, s.last_fired_for ?? s.updated_at, now);
      if (!fireAt) continue;
      const won = await this.outbox.store.withTransaction(async (tx) => {
        const claim = await tx.query('insert into poller.scheduled_fires (flow, fire_at) values ($1, $2) on conflict do nothing', [s.flow, fireAt]);
        if (!claim.rowCount) return false;
        await tx.query('update poller.schedules set last_fired_for = $2 where flow = $1 and (last_fired_for is null or last_fired_for < $2)', [s.flow, fireAt]);
        const runId = randomUUID();
        const env = createEnvelope(RunRequested.definition, { runId, flow: s.flow, mode: 'export', trigger: 'schedule', requestedBy: 'schedule' }, {
          producer: 'lnb-poller', connectionId: this.config.connectionId, correlationId: runId, key: flowKey(this.config.connectionId, s.flow),
        });
        await this.outbox.append(tx, `run-${runId}`, [env], 'no_stream');
        return true;
      });
      if (won) {
        fired++;
        this.logger.info('schedule fired', { flow: s.flow, fireAt: fireAt.toISOString() });
      }
    }
    return fired;
  }

  /**
   * A schedule stored by an older poller may be one that is refused today (six fields, 31 February):
   * it never fires, as the monitor's preview shows, and the log says why once rather than every tick
   * (working out that an expression never fires searches croner's calendar to its end).
   */
  private isRefused(flow: Flow, schedule: Schedule, now: Date): boolean {
    const key = JSON.stringify([schedule.cron, schedule.timeZone]);
    const known = this.verdicts.get(flow);
    if (known?.schedule === key) return known.refused;
    const problems = scheduleProblems(schedule, now);
    this.verdicts.set(flow, { schedule: key, refused: problems.length > 0 });
    if (problems.length) this.logger.warn('schedule not fired: it is not valid', { flow, problems: problems.map((p) => p.message) });
    return problems.length > 0;
  }
}
