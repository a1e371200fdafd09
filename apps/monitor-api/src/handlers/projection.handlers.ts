import { EVENTS, EventEnvelope } from '@lnbx/contracts';
import { EventHandlers } from '@lnbx/messaging';
import { EventPattern, Payload } from '@nestjs/microservices';
import { ProjectionService } from './projection.service';

/** The monitor reads every topic of the registry: runs, documents, configuration, reference data. */
@EventHandlers()
export class ProjectionHandlers {
  constructor(private readonly projection: ProjectionService) {}

  @EventPattern(EVENTS.map((d) => d.topic))
  async onEvent(@Payload() env: EventEnvelope): Promise<void> {
    await this.projection.consume(env);
  }
}
