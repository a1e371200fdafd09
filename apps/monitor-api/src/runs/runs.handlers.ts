import { EventEnvelope, RunCompleted, RunFailed, RunStarted } from '@lnbx/contracts';
import { Outbox } from '@lnbx/messaging';
import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';

const CONSUMER = 'monitor-api.runs';

/** Projects run events into monitor.runs; each event applied once. */
@Controller()
export class RunsHandlers {
  constructor(private readonly outbox: Outbox) {}

  @EventPattern(RunStarted.definition.topic)
  async onRunStarted(@Payload() env: EventEnvelope<RunStarted.Value>): Promise<void> {
    const p = env.payload;
    await this.outbox.once(CONSUMER, env.eventId, async (tx) => {
      await tx.query(
        `insert into monitor.runs (run_id, flow, mode, trigger, requested_by, status, started_at)
         values ($1,$2,$3,$4,$5,'running',$6)
         on conflict (run_id) do update set status = case when monitor.runs.status in ('completed','failed') then monitor.runs.status else 'running' end,
           started_at = excluded.started_at, updated_at = now()`,
        [p.runId, p.flow, p.mode, p.trigger, p.requestedBy, p.startedAt],
      );
    });
  }

  @EventPattern(RunCompleted.definition.topic)
  async onRunCompleted(@Payload() env: EventEnvelope<RunCompleted.Value>): Promise<void> {
    const p = env.payload;
    await this.outbox.once(CONSUMER, env.eventId, async (tx) => {
      await tx.query(
        `update monitor.runs set status = 'completed', ended_at = $2, counts = $3, updated_at = now() where run_id = $1`,
        [p.runId, p.completedAt, JSON.stringify(p.counts)],
      );
    });
  }

  @EventPattern(RunFailed.definition.topic)
  async onRunFailed(@Payload() env: EventEnvelope<RunFailed.Value>): Promise<void> {
    const p = env.payload;
    await this.outbox.once(CONSUMER, env.eventId, async (tx) => {
      await tx.query(
        `update monitor.runs set status = 'failed', ended_at = $2, problem = $3, updated_at = now() where run_id = $1`,
        [p.runId, p.failedAt, JSON.stringify(p.problem)],
      );
    });
  }
}
