// The poller's Kafka entry, for every connection (each envelope's connectionId): queue a run; change a connection's flow's
// schedule or selection; learn a connection's status and time zone. Each applied once.
import { ConnectionChanged, EventEnvelope, RunRequested, ScheduleChangeRequested, SelectionChangeRequested } from '@lnbx/contracts';
import { EventHandlers, Outbox } from '@lnbx/messaging';
import { EventPattern, Payload } from '@nestjs/microservices';
import { requestOf } from '../domain/run';
import { ConnectionStore } from '../store/connection-store';
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
    private readonly connections: ConnectionStore,
  ) {}

  @EventPattern(RunRequested.definition.topic)
  async onRunRequested(@Payload() env: EventEnvelope<RunRequested.Value>): Promise<void> {
    await this.outbox.once(CONSUMER, env.eventId, (tx) =>
      this.runs.queue(tx, requestOf({ value: env.payload, eventId: env.eventId, connectionId: env.connectionId }), new Date().toISOString()),
    );
    this.executor.poke();
  }

  /** A connection paused, resumed, removed or moved to another time zone in monitor-api: its next run or firing reads it (no restart). */
  @EventPattern(ConnectionChanged.definition.topic)
  async onConnectionChanged(@Payload() env: EventEnvelope<ConnectionChanged.Value>): Promise<void> {
    await this.outbox.once(CONSUMER, env.eventId, (tx) => this.connections.learn(tx, env.payload.connection));
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
