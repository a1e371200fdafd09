// The exporter's consumer: DocumentMapped events are recorded as waiting for Xero (a Kafka batch at once) and the handler
// returns; the sender batches it (a handler that called Xero would hold back the whole consumer).
// A request to check allocations likewise only marks them due; a connection's status is kept for the sender.
import { AllocationCheckRequested, ConnectionChanged, DocumentMapped, documentKey, type EventEnvelope } from '@lnbx/contracts';
import { BatchEventPattern, ConnectionStatuses, Outbox, PassThroughRpcFilter } from '@lnbx/messaging';
import { Controller, UseFilters } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { SenderWorker } from '../workers/sender';
import { Wakeups } from '../workers/wakeups';
import { Intake } from './intake';

// Also here, not only globally: Nest ignores the global filter startService registers on a hybrid app,
// and its default filter would turn a non-retriable CodedError into a retriable one.
@UseFilters(new PassThroughRpcFilter())
@Controller()
export class ExporterHandlers {
  constructor(
    private readonly intake: Intake,
    private readonly sender: SenderWorker,
    private readonly outbox: Outbox,
    private readonly statuses: ConnectionStatuses,
    private readonly wakeups: Wakeups,
  ) {}

  /** A Kafka batch at a time, in one transaction (a failing batch is handled again one document at a time). */
  @BatchEventPattern(DocumentMapped.definition.topic)
  async onDocumentsMapped(@Payload() envs: EventEnvelope<DocumentMapped.Value>[]): Promise<void> {
    await this.intake.recordAll(envs);
  }

  /** "Check allocations now": marks the connection's waiting allocations due; the sender looks at them next. */
  @EventPattern(AllocationCheckRequested.definition.topic)
  async onAllocationCheckRequested(@Payload() env: EventEnvelope<AllocationCheckRequested.Value>): Promise<void> {
    const keys = env.payload.documents?.map((reference) => documentKey(env.connectionId, 'credit_note', reference));
    await this.sender.checkAllocations(env.connectionId, keys);
  }

  /** A connection paused, resumed or removed in monitor-api: the sender skips it (or takes it up again) at once. */
  @EventPattern(ConnectionChanged.definition.topic)
  async onConnectionChanged(@Payload() env: EventEnvelope<ConnectionChanged.Value>): Promise<void> {
    await this.outbox.once(CONNECTIONS_CONSUMER, env.eventId, (tx) => this.statuses.learn(tx, env.payload.connection));
    this.wakeups.connectionChanged();
  }
}

/** Where ConnectionChanged eventIds are marked processed. */
const CONNECTIONS_CONSUMER = 'xero-exporter.connections';
