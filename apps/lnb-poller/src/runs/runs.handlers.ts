import { createEnvelope, EventEnvelope, RunCompleted, RunRequested, RunStarted } from '@lnbx/contracts';
import { Outbox } from '@lnbx/messaging';
import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';

const CONSUMER = 'lnb-poller.runs';

/**
 * Answers a run request. Walking skeleton: the run starts and completes with nothing read from LNB yet;
 * the LNB issue replaces the body with the real run (paging, selection, change detection).
 */
@Controller()
export class RunsHandlers {
  constructor(private readonly outbox: Outbox) {}

  @EventPattern(RunRequested.definition.topic)
  async onRunRequested(@Payload() env: EventEnvelope<RunRequested.Value>): Promise<void> {
    const req = env.payload;
    const ctx = { producer: 'lnb-poller' as const, connectionId: env.connectionId, correlationId: req.runId, key: env.key };
    await this.outbox.once(CONSUMER, env.eventId, async (tx) => {
      const started = createEnvelope(RunStarted.definition, {
        runId: req.runId, flow: req.flow, mode: req.mode, trigger: req.trigger, requestedBy: req.requestedBy, startedAt: new Date().toISOString(),
      }, { ...ctx, causationId: env.eventId });
      const completed = createEnvelope(RunCompleted.definition, {
        runId: req.runId, flow: req.flow, completedAt: new Date().toISOString(),
        counts: { seen: 0, selected: 0, emitted: 0, unchanged: 0, excludedBySelection: 0, heldBack: 0 },
      }, { ...ctx, causationId: started.eventId });
      await this.outbox.append(tx, `run-${req.runId}`, [started, completed], 'no_stream');
    });
  }
}
