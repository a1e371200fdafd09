import { AllocationCheckRequested, allocationChecksKey, createEnvelope } from '@lnbx/contracts';
import { Injectable } from '@nestjs/common';
import { ProjectionService } from '../handlers/projection.service';

/**
 * CheckAllocations ("Check allocations now"): the exporter looks at the connection's waiting allocations
 * at once instead of at their next check. It belongs to no run: keyed and correlated by the connection's
 * allocation-checks key, so its task-log line is one of the run-less lines.
 */
@Injectable()
export class AllocationChecks {
  constructor(private readonly projection: ProjectionService) {}

  async request(connectionId: string, r: { requestedBy: string; documents?: string[] }): Promise<{ eventId: string; documents: string[] | null }> {
    const key = allocationChecksKey(connectionId);
    const documents = r.documents?.length ? [...new Set(r.documents)] : null;
    const env = createEnvelope(
      AllocationCheckRequested.definition,
      { requestedBy: r.requestedBy, documents: documents ?? undefined },
      { producer: 'monitor-api', connectionId, correlationId: key, key },
    );
    await this.projection.emit(`allocation-checks-${connectionId}`, [env]);
    return { eventId: env.eventId, documents };
  }
}
