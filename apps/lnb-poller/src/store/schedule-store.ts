// Each flow's schedule as the scheduler reads it (poller.schedules, the projection of its schedule-<flow>
// stream) and the scheduler's claims of its firings (poller.scheduled_fires: which instance fires a due time).
import type { Flow, ScheduleValue } from '@lnbx/contracts';
import type { Transaction } from '@lnbx/event-store';
import { PG_POOL } from '@lnbx/platform';
import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';

export interface ScheduleRow {
  flow: Flow;
  enabled: boolean;
  cron: string | null;
  time_zone: string | null;
  last_fired_for: Date | null;
  updated_at: Date;
}

@Injectable()
export class ScheduleStore {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async enabled(): Promise<ScheduleRow[]> {
    const { rows } = await this.pool.query<ScheduleRow>('select * from poller.schedules where enabled');
    return rows;
  }

  /** Takes the firing of `flow` due at `fireAt` for this instance: false when another instance has it. */
  async claimFiring(tx: Transaction, flow: Flow, fireAt: Date): Promise<boolean> {
    const claim = await tx.query('insert into poller.scheduled_fires (flow, fire_at) values ($1, $2) on conflict do nothing', [flow, fireAt]);
    if (!claim.rowCount) return false;
    await tx.query('update poller.schedules set last_fired_for = $2 where flow = $1 and (last_fired_for is null or last_fired_for < $2)', [flow, fireAt]);
    return true;
  }

  /**
   * Writes a flow's schedule as its last ScheduleChanged says, made at `changedAt`. A schedule counts from
   * its change (it never fires for the past) or from the last firing claimed since: the claims are kept
   * beside the stream, so a rebuild from the stream puts back what the firings had moved.
   */
  async project(tx: Transaction, schedule: ScheduleValue, changedAt: string): Promise<void> {
    await tx.query(
      `insert into poller.schedules (flow, enabled, cron, time_zone, last_fired_for, updated_at)
       values ($1, $2, $3, $4, greatest($5::timestamptz, (select max(fire_at) from poller.scheduled_fires where flow = $1)), $5)
       on conflict (flow) do update set enabled = excluded.enabled, cron = excluded.cron, time_zone = excluded.time_zone,
         last_fired_for = excluded.last_fired_for, updated_at = excluded.updated_at`,
      [schedule.flow, schedule.enabled, schedule.cron ?? null, schedule.timeZone ?? null, changedAt],
    );
  }
}
