import { IsBoolean, IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { FLOWS, Flow } from '../../common/flow';
import { defineEvent } from '../../define-event';

/** A flow's schedule: a cron expression in a time zone, or off. */
export class ScheduleValue {
  @IsIn(FLOWS) flow!: Flow;
  @IsBoolean() enabled!: boolean;
  /** Five or six fields, e.g. "0 6 * * 1-5"; checked by the poller before it takes effect. */
  @IsOptional() @IsString() @MaxLength(120) cron?: string | null;
  /** IANA zone, e.g. "Europe/Paris". */
  @IsOptional() @IsString() @MaxLength(64) timeZone?: string | null;
  @IsString() requestedBy!: string;
}

/** ChangeSchedule, from monitor-api. */
export namespace ScheduleChangeRequested {
  export class Value extends ScheduleValue {}
  export const definition = defineEvent({
    type: 'ScheduleChangeRequested',
    schemaVersion: 1,
    topic: 'lnb.schedule.change-requested.v1',
    Value,
    kind: 'command',
  });
}

/** The poller accepted and applied a schedule. */
export namespace ScheduleChanged {
  export class Value extends ScheduleValue {}
  export const definition = defineEvent({
    type: 'ScheduleChanged',
    schemaVersion: 1,
    topic: 'lnb.schedule.changed.v1',
    Value,
    kind: 'event',
  });
}
