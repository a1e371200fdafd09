// Each connection's flows' schedules as the scheduler reads them (poller.schedules, the projection of the
// schedule-<connection>-<flow> streams), with what the poller knows of the connection (its status, its time zone),
// and the scheduler's claims of their firings (poller.scheduled_fires: which instance fires a due time).
import type { ConnectionStatus, Flow, ScheduleValue } from '@lnbx/contracts';
import type { Transaction } from '@lnbx/event-store';
import { PG_POOL } from '@lnbx/platform';
import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';

export interface ScheduleRow {
  connection_id: string;
  flow: Flow;
  enabled: boolean;
  cron: string | null;
  time_zone: string | null;
  last_fired_for: Date | null;
  updated_at: Date;
  /** The connection as monitor-api last published it; null: never published (active, no time zone known). */
  connection_status: ConnectionStatus | null;
  paused_reason: string | null;
  connection_time_zone: string | null;
}

@Injectable()
export class ScheduleStore {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** Every connection's enabled schedules, with the connection's status and time zone. */
  async enabled(): Promise<ScheduleRow[]> {
    const { rows } = await this.pool.query<ScheduleRow>(
      `select s.*, c.status as connection_status, c.paused_reason, c.time_zone as connection_time_zone
       from poller.schedules s left join poller.connection_statuses c on c.connection_id = s.connection_id
       where s.enabled order by s.connection_id, s.flow`,
    );
    return rows;
  }

  /** Takes the firing of the connection's `flow` due at `fireAt` for this instance: false when another instance has it. */
  async claimFiring(tx: Transaction, connectionId: string, flow: Flow, fireAt: Date): Promise<boolean> {
    const claim = await tx.query('insert into poller.scheduled_fires (connection_id, flow, fire_at) values ($1, $2, $3) on conflict do nothing', [
      connectionId,
      flow,
      fireAt,
    ]);
    if (!claim.rowCount) return false;
    await tx.query(
      'update poller.schedules set last_fired_for = $3 where connection_id = $1 and flow = $2 and (last_fired_for is null or last_fired_for < $3)',
      [connectionId, flow, fireAt],
    );
    return true;
  }

  /**
   * Writes a connection's flow's schedule as its last ScheduleChanged says, made at `changedAt`. A schedule counts from
   * its change (it never fires for the past) or from the last firing claimed since: the claims are kept
   * beside the stream, so a rebuild from the stream puts back what the firings had moved.
   */
  async project(tx: Transaction, connectionId: string, schedule: ScheduleValue, changedAt: string): Promise<void> {
    await tx.query(
      `insert into poller.schedules (connection_id, flow, enabled, cron, time_zone, last_fired_for, updated_at)
       values ($6, $1, $2, $3, $4, greatest($5::timestamptz, (select max(fire_at) from poller.scheduled_fires where connection_id = $6 and flow = $1)), $5)
       on conflict (connection_id, flow) do update set enabled = excluded.enabled, cron = excluded.cron, time_zone = excluded.time_zone,
         last_fired_for = excluded.last_fired_for, updated_at = excluded.updated_at`,
      [schedule.flow, schedule.enabled, schedule.cron ?? null, schedule.timeZone ?? null, changedAt, connectionId],
    );
  }
}
