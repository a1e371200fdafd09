import { createEnvelope, flowKey, RunRequested } from '@lnbx/contracts';
import { Outbox } from '@lnbx/messaging';
import { CONFIG, PG_POOL, ServiceConfig } from '@lnbx/platform';
import { Body, Controller, Get, HttpCode, Inject, NotFoundException, Param, Post } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { RequestRunDto } from './runs.dto';

@Controller('api/runs')
export class RunsController {
  constructor(
    private readonly outbox: Outbox,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(CONFIG) private readonly config: ServiceConfig,
  ) {}

  /** Requests a run of one flow now (the "export now" button); the poller answers with RunStarted. */
  @Post()
  @HttpCode(202)
  async request(@Body() body: RequestRunDto): Promise<{ runId: string }> {
    const runId = randomUUID();
    const env = createEnvelope(
      RunRequested.definition,
      { runId, flow: body.flow, mode: body.mode ?? 'export', trigger: 'manual', documents: body.documents, requestedBy: 'api' },
      { producer: 'monitor-api', connectionId: this.config.connectionId, correlationId: runId, key: flowKey(this.config.connectionId, body.flow) },
    );
    await this.outbox.store.withTransaction(async (tx) => {
      await this.outbox.append(tx, `run-${runId}`, [env], 'no_stream');
      await tx.query(
        `insert into monitor.runs (run_id, flow, mode, trigger, requested_by, status, requested_at) values ($1,$2,$3,$4,$5,'requested',$6)`,
        [runId, body.flow, env.payload.mode, 'manual', 'api', env.occurredAt],
      );
    });
    return { runId };
  }

  @Get(':runId')
  async get(@Param('runId') runId: string): Promise<Record<string, unknown>> {
    const { rows } = await this.pool.query('select * from monitor.runs where run_id = $1', [runId]);
    if (!rows.length) throw new NotFoundException(`no run ${runId}`);
    return rows[0];
  }
}
