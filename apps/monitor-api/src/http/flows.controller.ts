import { type Flow } from '@lnbx/contracts';
import { PG_POOL } from '@lnbx/platform';
import { nextFirings } from '@lnbx/scheduling';
import { Body, Controller, Get, HttpCode, Inject, Param, Put } from '@nestjs/common';
import { ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { Pool } from 'pg';
import { Caller, Principal, Roles } from '../auth/auth';
import { flowSettings } from '../store/queries';
import { FlowPipe, ScheduleDto, SelectionDto } from './flows.dto';
import { SettingsCommands } from './settings-commands';

@ApiTags('flows')
@ApiSecurity('api-key')
@Controller('api/flows/:flow')
export class FlowsController {
  constructor(private readonly commands: SettingsCommands, @Inject(PG_POOL) private readonly pool: Pool) {}

  @Get('schedule')
  @ApiOperation({ summary: "The flow's schedule as the poller confirmed it, a change still pending, and the next times it fires" })
  async getSchedule(@Param('flow', FlowPipe) flow: Flow) {
    const s = await flowSettings(this.pool, flow);
    const effective = s.pendingSchedule ?? s.schedule;
    // The poller fires by the same function: a schedule without a zone is shown in UTC, as it fires.
    const next = effective ? nextFirings(effective.value, new Date(), 3).map((d) => d.toISOString()) : [];
    return { flow, current: s.schedule, pending: s.pendingSchedule, nextRuns: next };
  }

  @Put('schedule')
  @HttpCode(202)
  @Roles('operator')
  @ApiOperation({ summary: 'Change the schedule (cron and time zone, or off); the poller applies it and confirms with ScheduleChanged' })
  async setSchedule(@Param('flow', FlowPipe) flow: Flow, @Body() body: ScheduleDto, @Caller() who: Principal) {
    const eventId = await this.commands.changeSchedule(flow, body, who.name);
    return { flow, status: 'requested', eventId };
  }

  @Get('selection')
  @ApiOperation({ summary: "The flow's selection rules (hold-back list included) as confirmed, and a change still pending" })
  async getSelection(@Param('flow', FlowPipe) flow: Flow) {
    const s = await flowSettings(this.pool, flow);
    return { flow, current: s.selection, pending: s.pendingSelection };
  }

  @Put('selection')
  @HttpCode(202)
  @Roles('operator')
  @ApiOperation({ summary: 'Replace the selection rules; the poller applies them and confirms with SelectionChanged' })
  async setSelection(@Param('flow', FlowPipe) flow: Flow, @Body() b: SelectionDto, @Caller() who: Principal) {
    const eventId = await this.commands.changeSelection(flow, {
      statuses: b.statuses ?? [], dateFrom: b.dateFrom ?? null, dateTo: b.dateTo ?? null, includeRetailers: b.includeRetailers ?? [],
      excludeRetailers: b.excludeRetailers ?? [], currencies: b.currencies ?? [], onlyReferences: b.onlyReferences ?? [], holdBack: b.holdBack ?? [],
    }, who.name);
    return { flow, status: 'requested', eventId };
  }
}
