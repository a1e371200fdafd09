// The integrator's view of the deployment (admin keys only): every connection with its health at a glance, its
// last run, how many of its documents failed or were refused, and its Xero organisation's state.
import { PG_POOL } from '@lnbx/platform';
import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { Pool } from 'pg';
import { Roles } from '../auth/auth';
import { listConnections, type ConnectionOut } from '../store/connection-store';

export interface ConnectionHealth {
  id: string;
  name: string;
  status: ConnectionOut['status'];
  pausedReason: string | null;
  xero: ConnectionOut['xero'];
  /** Its latest run of either flow; null before the first. */
  lastRun: { runId: string; number: number; flow: string; status: string; at: string | null } | null;
  /** Documents whose export failed (Xero refused them, or gave up): to look at and retry. */
  failedDocuments: number;
  /** Documents the mapper refused (a defect in LNB, a mapping that lacks something). */
  rejectedDocuments: number;
}

@ApiTags('connections')
@ApiSecurity('api-key')
@Controller('api/overview')
export class OverviewController {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  @Get()
  @Roles('admin')
  @ApiOperation({
    summary:
      "Every connection of the deployment with its health (admin keys only): its last run, its failed and refused documents, its Xero organisation's state",
  })
  async overview(): Promise<{ connections: ConnectionHealth[] }> {
    const [connections, runs, documents] = await Promise.all([
      listConnections(this.pool, { includeRemoved: true }),
      this.pool.query<{ connection_id: string; run_id: string; number: string; flow: string; status: string; at: Date | null }>(
        `select distinct on (connection_id) connection_id, run_id, number, flow, status, coalesce(ended_at, started_at, requested_at) as at
           from monitor.runs order by connection_id, number desc`,
      ),
      this.pool.query<{ connection_id: string; failed: number; rejected: number }>(
        `select connection_id, count(*) filter (where state = 'failed')::int as failed, count(*) filter (where state = 'rejected')::int as rejected
           from monitor.documents group by connection_id`,
      ),
    ]);
    const lastRun = new Map(runs.rows.map((r) => [r.connection_id, r]));
    const counts = new Map(documents.rows.map((r) => [r.connection_id, r]));
    return {
      connections: connections.map((c) => {
        const run = lastRun.get(c.id);
        const n = counts.get(c.id);
        return {
          id: c.id,
          name: c.name,
          status: c.status,
          pausedReason: c.pausedReason,
          xero: c.xero,
          lastRun: run ? { runId: run.run_id, number: Number(run.number), flow: run.flow, status: run.status, at: run.at?.toISOString() ?? null } : null,
          failedDocuments: n?.failed ?? 0,
          rejectedDocuments: n?.rejected ?? 0,
        };
      }),
    };
  }
}
