import {
  createEnvelope, EventEnvelope, flowKey, RunRequested, ScheduleChanged, ScheduleChangeRequested, SelectionChanged, SelectionChangeRequested,
} from '@lnbx/contracts';
import { CodedError, EventHandlers, Outbox } from '@lnbx/messaging';
import { scheduleProblems } from '@lnbx/scheduling';
import { EventPattern, Payload } from '@nestjs/microservices';
import { checkRules } from '../domain/selection';
import { Scheduler } from '../schedule/scheduler';
import { SelectionStore } from '../selection/selection-store';
import { RunExecutor } from './run-executor';
import { RunStore } from './run-store';

const CONSUMER = 'lnb-poller.commands';

/** Commands for the poller: queue a run; change a flow's schedule or selection. Each applied once. */
@EventHandlers()
export class PollerHandlers {
  constructor(
    private readonly outbox: Outbox,
    private readonly runs: RunStore,
    private readonly executor: RunExecutor,
    private readonly scheduler: Scheduler,
    private readonly selections: SelectionStore,
  ) {}

  @EventPattern(RunRequested.definition.topic)
  async onRunRequested(@Payload() env: EventEnvelope<RunRequested.Value>): Promise<void> {
    const r = env.payload;
    await this.outbox.once(CONSUMER, env.eventId, (tx) =>
      this.runs.enqueue(tx, {
        run_id: r.runId, flow: r.flow, mode: r.mode, trigger: r.trigger, documents: r.documents ?? null, requested_by: r.requestedBy, correlation_event_id: env.eventId,
        full_recheck: r.fullRecheck ?? false,
      }),
    );
    this.executor.poke();
  }

  @EventPattern(ScheduleChangeRequested.definition.topic)
  async onScheduleChangeRequested(@Payload() env: EventEnvelope<ScheduleChangeRequested.Value>): Promise<void> {
    const s = env.payload;
    const problems = scheduleProblems(s);
    if (problems.length) {
      throw new CodedError('POLLER.INVALID_SCHEDULE', `The ${s.flow} schedule was not changed: ${problems.map((p) => p.message).join('; ')}`, false);
    }
    await this.outbox.once(CONSUMER, env.eventId, async (tx) => {
      await this.scheduler.save(tx, s);
      const changed = createEnvelope(ScheduleChanged.definition, { ...s }, {
        producer: 'lnb-poller', connectionId: env.connectionId, correlationId: env.correlationId, causationId: env.eventId, key: flowKey(env.connectionId, s.flow),
      });
      await this.outbox.append(tx, `schedule-${s.flow}`, [changed]);
    });
  }

  @EventPattern(SelectionChangeRequested.definition.topic)
  async onSelectionChangeRequested(@Payload() env: EventEnvelope<SelectionChangeRequested.Value>): Promise<void> {
    const s = env.payload;
    const problems = checkRules(s.rules);
    if (problems.length) throw new CodedError('POLLER.INVALID_SELECTION', `The ${s.flow} selection was not changed: ${problems.join('; ')}`, false);
    await this.outbox.once(CONSUMER, env.eventId, async (tx) => {
      await this.selections.save(tx, s.flow, s.rules);
      const changed = createEnvelope(SelectionChanged.definition, { ...s }, {
        producer: 'lnb-poller', connectionId: env.connectionId, correlationId: env.correlationId, causationId: env.eventId, key: flowKey(env.connectionId, s.flow),
      });
      await this.outbox.append(tx, `selection-${s.flow}`, [changed]);
    });
  }
}
