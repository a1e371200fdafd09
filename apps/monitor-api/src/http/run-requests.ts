import { createEnvelope, flowKey, RunRequested, type Flow, type RunMode, type RunTrigger } from '@lnbx/contracts';
import { PG_POOL } from '@lnbx/platform';
import { ConflictException, Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { ProjectionService } from '../handlers/projection.service';
import { getConnection } from '../store/connection-store';

/**
 * RequestRun, as the buttons and the API send it. A retry is a run too (trigger 'retry', the
 * documents named): the poller publishes their latest revision again, so they are mapped with
 * today's configuration and reference data. A full re-check ("Full re-check") asks the poller to
 * read every document and its order again instead of only what changed in LNB.
 */
@Injectable()
export class RunRequests {
  constructor(
    private readonly projection: ProjectionService,
    @Inject(PG_POOL) private readonly pool: Pool,
  ) {}

  /** Requests a run of `connectionId`'s flow: the envelope carries that connection, the poller runs it there. */
  async request(
    connectionId: string,
    r: { flow: Flow; mode?: RunMode; trigger: RunTrigger; documents?: string[]; requestedBy: string; fullRecheck?: boolean },
  ): Promise<string> {
    await this.refuseWhenNotActive(connectionId);
    const runId = randomUUID();
    const env = createEnvelope(
      RunRequested.definition,
      {
        runId,
        flow: r.flow,
        mode: r.mode ?? 'export',
        trigger: r.trigger,
        documents: r.documents?.length ? r.documents : undefined,
        requestedBy: r.requestedBy,
        ...(r.fullRecheck ? { fullRecheck: true } : {}),
      },
      { producer: 'monitor-api', connectionId, correlationId: runId, key: flowKey(connectionId, r.flow) },
    );
    await this.projection.emit(`run-${runId}`, [env], 'no_stream');
    return runId;
  }

  /** A paused or removed connection runs nothing: 409 in plain words (the poller refuses it too, should one get through). */
  private async refuseWhenNotActive(id: string): Promise<void> {
    const c = await getConnection(this.pool, id);
    if (c?.status === 'paused') {
      throw new ConflictException(
        `The connection ${id} is paused${c.pausedReason ? ` (${c.pausedReason})` : ''}: resume it (POST /api/connections/${id}/resume), then run again.`,
      );
    }
    if (c?.status === 'removed') throw new ConflictException(`The connection ${id} was removed: nothing of it runs any more.`);
  }
}
