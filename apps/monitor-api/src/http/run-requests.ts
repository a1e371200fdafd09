import { createEnvelope, flowKey, RunRequested, type Flow, type RunMode, type RunTrigger } from '@lnbx/contracts';
import { CONFIG } from '@lnbx/platform';
import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { MonitorConfig } from '../config';
import { ProjectionService } from '../handlers/projection.service';

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
    @Inject(CONFIG) private readonly config: MonitorConfig,
  ) {}

  async request(r: { flow: Flow; mode?: RunMode; trigger: RunTrigger; documents?: string[]; requestedBy: string; fullRecheck?: boolean }): Promise<string> {
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
      { producer: 'monitor-api', connectionId: this.config.connectionId, correlationId: runId, key: flowKey(this.config.connectionId, r.flow) },
    );
    await this.projection.emit(`run-${runId}`, [env], 'no_stream');
    return runId;
  }
}
