import { createEnvelope, flowKey, ScheduleChangeRequested, SelectionChangeRequested, type Flow, type SelectionRules } from '@lnbx/contracts';
import { PG_POOL } from '@lnbx/platform';
import { checkRules } from '@lnbx/scheduling';
import { BadRequestException, ConflictException, Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { latestSelection, withHoldBack } from '../domain/settings';
import { ConnectionCommands } from '../handlers/connection-commands';
import { ProjectionService } from '../handlers/projection.service';
import { flowSettings } from '../store/queries';

/**
 * ChangeSchedule and ChangeSelection (hold back and release included) of one connection's flow, sent to the
 * poller, which owns both: the envelope carries the connection, its stream and key name it.
 */
@Injectable()
export class SettingsCommands {
  constructor(
    private readonly projection: ProjectionService,
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly connections: ConnectionCommands,
  ) {}

  private ctx(connectionId: string, flow: Flow) {
    // A configuration change belongs to no run: its own id correlates what follows from it.
    return { producer: 'monitor-api' as const, connectionId, correlationId: randomUUID(), key: flowKey(connectionId, flow) };
  }

  async changeSchedule(
    connectionId: string,
    flow: Flow,
    s: { enabled: boolean; cron?: string | null; timeZone?: string | null },
    requestedBy: string,
  ): Promise<string> {
    const env = createEnvelope(
      ScheduleChangeRequested.definition,
      { flow, enabled: s.enabled, cron: s.cron ?? null, timeZone: s.timeZone ?? null, requestedBy },
      this.ctx(connectionId, flow),
    );
    // The connection records who asked, in the same transaction (when it is a connection the monitor knows).
    await this.projection.emit(`schedule-${connectionId}-${flow}`, [env], 'any', (tx) =>
      this.connections.record(tx, connectionId, { type: 'RecordScheduleChanged', flow, by: requestedBy, at: env.occurredAt }, env.eventId),
    );
    return env.eventId;
  }

  /** Refused here with the poller's own words (@lnbx/scheduling's checkRules), rather than sent and refused there. */
  async changeSelection(connectionId: string, flow: Flow, rules: SelectionRules, requestedBy: string): Promise<string> {
    const problems = checkRules(rules);
    if (problems.length) throw new BadRequestException(problems);
    const env = createEnvelope(SelectionChangeRequested.definition, { flow, rules, requestedBy }, this.ctx(connectionId, flow));
    await this.projection.emit(`selection-${connectionId}-${flow}`, [env], 'any', (tx) =>
      this.connections.record(tx, connectionId, { type: 'RecordSelectionChanged', flow, by: requestedBy, at: env.occurredAt }, env.eventId),
    );
    return env.eventId;
  }

  /** Changes only the named rules, on top of the latest rules known (409 while none are). */
  async patchSelection(
    connectionId: string,
    flow: Flow,
    changes: Partial<SelectionRules>,
    requestedBy: string,
  ): Promise<{ eventId: string; rules: SelectionRules }> {
    const rules = { ...(await this.knownRules(connectionId, flow)), ...changes };
    return { eventId: await this.changeSelection(connectionId, flow, rules, requestedBy), rules };
  }

  /**
   * Adds a reference to (or takes it off) the flow's hold-back list, on top of the latest rules known.
   * Without any known rules the monitor cannot send a whole selection without guessing the rest: 409.
   */
  async holdBack(connectionId: string, flow: Flow, reference: string, hold: boolean, requestedBy: string): Promise<{ eventId: string; holdBack: string[] }> {
    const next = withHoldBack(await this.knownRules(connectionId, flow), reference, hold);
    return { eventId: await this.changeSelection(connectionId, flow, next, requestedBy), holdBack: next.holdBack };
  }

  /** The rules a change builds on; without any, the rest cannot be guessed: 409. */
  private async knownRules(connectionId: string, flow: Flow): Promise<SelectionRules> {
    const rules = latestSelection(await flowSettings(this.pool, connectionId, flow));
    if (!rules) {
      throw new ConflictException(
        `The selection rules of ${flow} are not known yet (the poller has not published them): set them first (PUT /api/flows/${flow}/selection).`,
      );
    }
    return rules;
  }
}
