import { AllocationCheckRequested, allocationChecksKey, createEnvelope } from '@lnbx/contracts';
import { CONFIG } from '@lnbx/platform';
import { Inject, Injectable } from '@nestjs/common';
import { MonitorConfig } from '../config';
import { ProjectionService } from '../handlers/projection.service';

/**
 * CheckAllocations ("Check allocations now"): the exporter looks at the connection's waiting allocations
 * at once instead of at their next check. It belongs to no run: keyed and correlated by the connection's
 * allocation-checks key, so its task-log line is one of the run-less lines.
 */
@Injectable()
export class AllocationChecks {
  constructor(
    private readonly projection: ProjectionService,
    @Inject(CONFIG) private readonly config: MonitorConfig,
  ) {}

  async request(r: { requestedBy: string; documents?: string[] }): Promise<{ eventId: string; documents: string[] | null }> {
    const key = allocationChecksKey(this.config.connectionId);
    const documents = r.documents?.length ? [...new Set(r.documents)] : null;
    const env = createEnvelope(
      AllocationCheckRequested.definition,
      { requestedBy: r.requestedBy, documents: documents ?? undefined },
      { producer: 'monitor-api', connectionId: this.config.connectionId, correlationId: key, key },
    );
    await this.projection.emit(`allocation-checks-${this.config.connectionId}`, [env]);
    return { eventId: env.eventId, documents };
  }
}
