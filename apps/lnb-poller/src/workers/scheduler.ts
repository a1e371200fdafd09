// Fires every connection's flows' schedules, each in its own time zone, else its connection's (as ConnectionChanged last
// said), else UTC: at a due time, exactly one poller instance (the one whose insert of (connection, flow, fire time)
// wins) requests a run of that connection: its RunRequested, decided on the new run stream, queued and published.
import type { Flow } from '@lnbx/contracts';
import { WorkLoop } from '@lnbx/event-store';
import { Outbox } from '@lnbx/messaging';
import { CONFIG, JsonLogger } from '@lnbx/platform';
import { scheduleProblems, type Schedule } from '@lnbx/scheduling';
import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { PollerConfig } from '../config';
import { dueFiring } from '../domain/schedule';
import { RunCommands } from '../handlers/run-commands';
import { notRunning } from '../store/connection-store';
import { ScheduleStore } from '../store/schedule-store';

@Injectable()
export class Scheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private loop?: WorkLoop;
  /** Per connection and flow, whether its stored schedule is refused, for the schedule it was worked out for. */
  private readonly verdicts = new Map<string, { schedule: string; refused: boolean }>();

  constructor(
    private readonly schedules: ScheduleStore,
    private readonly outbox: Outbox,
    private readonly runs: RunCommands,
    @Inject(CONFIG) private readonly config: PollerConfig,
    private readonly logger: JsonLogger,
  ) {}

  onApplicationBootstrap(): void {
    this.loop = new WorkLoop({
      name: 'scheduler',
      step: async () => void (await this.tick(new Date())),
      everyMs: this.config.tickMs,
      onError: (err) => this.logger.warn('scheduler tick failed', { err }),
    });
    this.loop.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.loop?.stop();
  }

  /** Fires what is due at `now`; a fire missed while no poller ran is fired once, not once per slot. */
  async tick(now: Date): Promise<number> {
    let fired = 0;
    for (const row of await this.schedules.enabled()) {
      const connectionId = row.connection_id;
      const stopped = notRunning(connectionId, row.connection_status ? { status: row.connection_status, pausedReason: row.paused_reason } : undefined);
      // A schedule that names no time zone fires in its connection's (the monitor shows the same).
      const schedule = { enabled: row.enabled, cron: row.cron, timeZone: row.time_zone ?? row.connection_time_zone };
      if (this.isRefused(connectionId, row.flow, schedule, now)) continue;
      const fireAt = dueFiring(schedule, row.last_fired_for ?? row.updated_at, now);
      if (!fireAt) continue;
      const won = await this.outbox.store.withTransaction(async (tx) => {
        if (!(await this.schedules.claimFiring(tx, connectionId, row.flow, fireAt))) return false;
        // Paused: the firing is spent, not kept for the resumption (which would fire at once what the pause held back).
        if (stopped) return false;
        // Queued here at once, and published for monitor-api (every poller reads it back: queued already).
        await this.runs.request(tx, {
          type: 'RequestRun',
          connectionId,
          value: { runId: randomUUID(), flow: row.flow, mode: 'export', trigger: 'schedule', requestedBy: 'schedule' },
          eventId: randomUUID(),
          at: new Date().toISOString(),
        });
        return true;
      });
      const log = { connectionId, flow: row.flow, fireAt: fireAt.toISOString(), timeZone: schedule.timeZone ?? 'UTC' };
      if (won) {
        fired++;
        this.logger.info('schedule fired', log);
      } else if (stopped) {
        this.logger.info('schedule not fired: the connection is not active', { ...log, reason: stopped });
      }
    }
    return fired;
  }

  /**
   * A schedule stored by an older poller may be one that is refused today (six fields, 31 February):
   * it never fires, as the monitor's preview shows, and the log says why once rather than every tick
   * (working out that an expression never fires searches croner's calendar to its end).
   */
  private isRefused(connectionId: string, flow: Flow, schedule: Schedule, now: Date): boolean {
    const key = JSON.stringify([schedule.cron, schedule.timeZone]);
    const known = this.verdicts.get(`${connectionId}/${flow}`);
    if (known?.schedule === key) return known.refused;
    const problems = scheduleProblems(schedule, now);
    this.verdicts.set(`${connectionId}/${flow}`, { schedule: key, refused: problems.length > 0 });
    if (problems.length) this.logger.warn('schedule not fired: it is not valid', { connectionId, flow, problems: problems.map((p) => p.message) });
    return problems.length > 0;
  }
}
