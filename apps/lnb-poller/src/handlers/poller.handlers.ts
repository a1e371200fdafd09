// The poller's Kafka entry: queue a run; change a flow's schedule or selection. Each command applied once.
import { EventEnvelope, RunRequested, ScheduleChangeRequested, SelectionChangeRequested } from '@lnbx/contracts';
import { EventHandlers, Outbox } from '@lnbx/messaging';
import { EventPattern, Payload } from '@nestjs/microservices';
import { requestOf } from '../domain/run';
import { RunExecutor } from '../workers/run-executor';
import { FlowSettingChanges } from './flow-setting-changes';
import { RunCommands } from './run-commands';

/** Where the commands' eventIds are marked processed (one name since the first release: keep it). */
const CONSUMER = 'lnb-poller.commands';

@EventHandlers()
export class PollerHandlers {
  constructor(
    private readonly outbox: Outbox,
    private readonly runs: RunCommands,
    private readonly executor: RunExecutor,
    private readonly settings: FlowSettingChanges,
  ) {}

  @EventPattern(RunRequested.definition.topic)
  async onRunRequested(@Payload() env: EventEnvelope<RunRequested.Value>): Promise<void> {
    await this.outbox.once(CONSUMER, env.eventId, (tx) =>
      this.runs.queue(tx, requestOf({ value: env.payload, eventId: env.eventId }), new Date().toISOString()),
    );
    this.executor.poke();
  }

  @EventPattern(ScheduleChangeRequested.definition.topic)
  onScheduleChangeRequested(@Payload() env: EventEnvelope<ScheduleChangeRequested.Value>): Promise<void> {
    return this.settings.apply(CONSUMER, env, { type: 'ScheduleChangeRequested', change: env.payload, at: new Date().toISOString() });
  }

  @EventPattern(SelectionChangeRequested.definition.topic)
  onSelectionChangeRequested(@Payload() env: EventEnvelope<SelectionChangeRequested.Value>): Promise<void> {
    return this.settings.apply(CONSUMER, env, { type: 'SelectionChangeRequested', change: env.payload, at: new Date().toISOString() });
  }
}
