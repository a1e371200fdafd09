import { createEnvelope, flowKey, ScheduleChangeRequested, SelectionChangeRequested, type Flow, type SelectionRules } from '@lnbx/contracts';
import { CONFIG, PG_POOL } from '@lnbx/platform';
import { checkRules } from '@lnbx/scheduling';
import { BadRequestException, ConflictException, Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { MonitorConfig } from '../config';
import { latestSelection, withHoldBack } from '../domain/settings';
import { ConnectionCommands } from '../handlers/connection-commands';
import { ProjectionService } from '../handlers/projection.service';
import { flowSettings } from '../store/queries';

/** ChangeSchedule and ChangeSelection (hold back and release included), sent to the poller, which owns both. */
@Injectable()
export class SettingsCommands {
  constructor(
    private readonly projection: ProjectionService,
    @Inject(CONFIG) private readonly config: MonitorConfig,
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly connections: ConnectionCommands,
  ) {}

  private ctx(flow: Flow) {
    // A configuration change belongs to no run: its own id correlates what follows from it.
    return {
      producer: 'monitor-api' as const,
      connectionId: this.config.connectionId,
      correlationId: randomUUID(),
      key: flowKey(this.config.connectionId, flow),
    };
  }

  async changeSchedule(flow: Flow, s: { enabled: boolean; cron?: string | null; timeZone?: string | null }, requestedBy: string): Promise<string> {
    const env = createEnvelope(
      ScheduleChangeRequested.definition,
      { flow, enabled: s.enabled, cron: s.cron ?? null, timeZone: s.timeZone ?? null, requestedBy },
      this.ctx(flow),
    );
    // The connection records who asked, in the same transaction, when this deployment's connection is one.
    await this.projection.emit(`schedule-${this.config.connectionId}-${flow}`, [env], 'any', (tx) =>
      this.connections.record(tx, this.config.connectionId, { type: 'RecordScheduleChanged', flow, by: requestedBy, at: env.occurredAt }, env.eventId),
    );
    return env.eventId;
  }

  /** Refused here with the poller's own words (@lnbx/scheduling's checkRules), rather than sent and refused there. */
  async changeSelection(flow: Flow, rules: SelectionRules, requestedBy: string): Promise<string> {
    const problems = checkRules(rules);
    if (problems.length) throw new BadRequestException(problems);
    const env = createEnvelope(SelectionChangeRequested.definition, { flow, rules, requestedBy }, this.ctx(flow));
    await this.projection.emit(`selection-${this.config.connectionId}-${flow}`, [env], 'any', (tx) =>
      this.connections.record(tx, this.config.connectionId, { type: 'RecordSelectionChanged', flow, by: requestedBy, at: env.occurredAt }, env.eventId),
    );
    return env.eventId;
  }

  /** Changes only the named rules, on top of the latest rules known (409 while none are). */
  async patchSelection(flow: Flow, changes: Partial<SelectionRules>, requestedBy: string): Promise<{ eventId: string; rules: SelectionRules }> {
    const rules = { ...(await this.knownRules(flow)), ...changes };
    return { eventId: await this.changeSelection(flow, rules, requestedBy), rules };
  }

  /**
   * Adds a reference to (or takes it off) the flow's hold-back list, on top of the latest rules known.
   * Without any known rules the monitor cannot send a whole selection without guessing the rest: 409.
   */
  async holdBack(flow: Flow, reference: string, hold: boolean, requestedBy: string): Promise<{ eventId: string; holdBack: string[] }> {
    const next = withHoldBack(await this.knownRules(flow), reference, hold);
    return { eventId: await this.changeSelection(flow, next, requestedBy), holdBack: next.holdBack };
  }

  /** The rules a change builds on; without any, the rest cannot be guessed: 409. */
  private async knownRules(flow: Flow): Promise<SelectionRules> {
    const rules = latestSelection(await flowSettings(this.pool, flow));
    if (!rules) {
      throw new ConflictException(
        `The selection rules of ${flow} are not known yet (the poller has not published them): set them first (PUT /api/flows/${flow}/selection).`,
      );
    }
    return rules;
  }
}
