import { FLOWS, type Flow } from '@lnbx/contracts';
import { CONFIG, PG_POOL } from '@lnbx/platform';
import { nextFirings, scheduleProblems } from '@lnbx/scheduling';
import { BadRequestException, Body, Controller, Get, HttpCode, Inject, Param, Patch, Post, Put } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { Pool } from 'pg';
import { Caller, Principal, Roles, Scope, Scoped } from '../auth/auth';
import { MonitorConfig } from '../config';
import { getConnection } from '../store/connection-store';
import { flowSettings } from '../store/queries';
import { FlowPipe, ScheduleDto, SELECTION_FIELDS, SelectionDto, SelectionPatchDto } from './flows.dto';
import { SettingsCommands } from './settings-commands';

@ApiTags('flows')
@ApiSecurity('api-key')
@ApiParam({ name: 'flow', enum: FLOWS })
@Scoped()
@Controller('api/flows/:flow')
export class FlowsController {
  constructor(
    private readonly commands: SettingsCommands,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(CONFIG) private readonly config: MonitorConfig,
  ) {}

  @Get('schedule')
  @ApiOperation({
    summary:
      "The flow's schedule as the poller confirmed it, a change still pending, the next times it fires, and the connection's time zone (what a schedule saved without one runs in)",
  })
  async getSchedule(@Scope() connection: string, @Param('flow', FlowPipe) flow: Flow) {
    const s = await flowSettings(this.pool, connection, flow);
    const effective = s.pendingSchedule ?? s.schedule;
    const connectionTimeZone = await this.connectionTimeZone(connection);
    // The poller fires by the same function, a schedule without a zone in the connection's (UTC when it has none).
    const next = effective ? nextFirings({ ...effective.value, timeZone: effective.value.timeZone ?? connectionTimeZone }, new Date(), 3) : [];
    return { flow, current: s.schedule, pending: s.pendingSchedule, nextRuns: next.map((d) => d.toISOString()), connectionTimeZone };
  }

  @Post('schedule/preview')
  @HttpCode(200)
  @ApiOperation({
    summary:
      "When a schedule would fire, before it is saved: the next three times (ISO 8601), in its time zone or the connection's; a 400 names the field that is wrong, as saving it would. Changes nothing.",
  })
  async previewSchedule(@Scope() connection: string, @Param('flow', FlowPipe) flow: Flow, @Body() body: ScheduleDto) {
    const s = await this.withZone(connection, body);
    return { flow, enabled: s.enabled, cron: s.cron ?? null, timeZone: s.timeZone, nextRuns: nextFirings(s, new Date(), 3).map((d) => d.toISOString()) };
  }

  @Put('schedule')
  @HttpCode(202)
  @Roles('operator')
  @ApiOperation({
    summary: "Change the schedule (cron and time zone, or off; without a time zone, the connection's); the poller applies it and confirms with ScheduleChanged",
  })
  async setSchedule(@Scope() connection: string, @Param('flow', FlowPipe) flow: Flow, @Body() body: ScheduleDto, @Caller() who: Principal) {
    const eventId = await this.commands.changeSchedule(connection, flow, await this.withZone(connection, body), who.name);
    return { flow, status: 'requested', eventId };
  }

  /**
   * A valid schedule (the DTO checked it) in its own time zone or else the connection's (a finance team thinks in
   * its own hours; UTC for a connection the monitor does not know), held to this deployment's minimum interval.
   */
  private async withZone(connection: string, body: ScheduleDto): Promise<{ enabled: boolean; cron?: string | null; timeZone: string | null }> {
    const s = { enabled: body.enabled, cron: body.cron, timeZone: body.timeZone ?? (await this.connectionTimeZone(connection)) };
    const tooOften = scheduleProblems(s, new Date(), { minIntervalMinutes: this.config.scheduleMinIntervalMinutes });
    if (tooOften.length) throw new BadRequestException(tooOften.map((p) => p.message));
    return s;
  }

  private async connectionTimeZone(connection: string): Promise<string | null> {
    return (await getConnection(this.pool, connection))?.timeZone ?? null;
  }

  @Get('selection')
  @ApiOperation({ summary: "The flow's selection rules (hold-back list included) as confirmed, and a change still pending" })
  async getSelection(@Scope() connection: string, @Param('flow', FlowPipe) flow: Flow) {
    const s = await flowSettings(this.pool, connection, flow);
    return { flow, current: s.selection, pending: s.pendingSelection };
  }

  @Put('selection')
  @HttpCode(202)
  @Roles('operator')
  @ApiOperation({
    summary: 'Replace the selection rules, every field said ([] or null for no restriction); the poller applies them and confirms with SelectionChanged',
  })
  async setSelection(@Scope() connection: string, @Param('flow', FlowPipe) flow: Flow, @Body() b: SelectionDto, @Caller() who: Principal) {
    const eventId = await this.commands.changeSelection(
      connection,
      flow,
      {
        statuses: b.statuses,
        dateFrom: b.dateFrom,
        dateTo: b.dateTo,
        includeRetailers: b.includeRetailers,
        excludeRetailers: b.excludeRetailers,
        currencies: b.currencies,
        onlyReferences: b.onlyReferences,
        holdBack: b.holdBack,
      },
      who.name,
    );
    return { flow, status: 'requested', eventId };
  }

  @Patch('selection')
  @HttpCode(202)
  @Roles('operator')
  @ApiOperation({ summary: 'Change only the rules named in the body, on top of the latest rules (409 while none are known)' })
  async patchSelection(@Scope() connection: string, @Param('flow', FlowPipe) flow: Flow, @Body() b: SelectionPatchDto, @Caller() who: Principal) {
    const changes = Object.fromEntries(SELECTION_FIELDS.filter((f) => b[f] !== undefined).map((f) => [f, b[f]]));
    if (Object.keys(changes).length === 0) {
      throw new BadRequestException([`name at least one rule to change: ${SELECTION_FIELDS.join(', ')}`]);
    }
    const { eventId, rules } = await this.commands.patchSelection(connection, flow, changes, who.name);
    return { flow, status: 'requested', eventId, rules };
  }
}
