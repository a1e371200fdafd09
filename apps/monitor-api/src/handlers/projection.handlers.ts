import { EVENTS, EventEnvelope } from '@lnbx/contracts';
import { BatchEventPattern, EventHandlers } from '@lnbx/messaging';
import { Payload } from '@nestjs/microservices';
import { ProjectionService } from './projection.service';

/** The monitor reads every topic of the registry: runs, documents, configuration, reference data. */
@EventHandlers()
export class ProjectionHandlers {
  constructor(private readonly projection: ProjectionService) {}

  /** A Kafka batch at a time, in one transaction (a failing batch is projected again one event at a time). */
  @BatchEventPattern(EVENTS.map((d) => d.topic))
  async onEvents(@Payload() envs: EventEnvelope[]): Promise<void> {
    await this.projection.consume(envs);
  }
}
