// What the handlers hand a schedule or selection change to: decided on the setting's own stream (of the
// envelope's connection: schedule-<connection>-<flow>, selection-<connection>-<flow>), appended
// expecting the version it was decided on, and projected from evolve, all in one transaction.
import { CodedError, createEnvelope, type EventEnvelope, flowKey, isCodedError, ScheduleChanged, SelectionChanged } from '@lnbx/contracts';
import { Outbox } from '@lnbx/messaging';
import { Injectable } from '@nestjs/common';
import { assertNever, decideFlowSetting, evolveFlowSetting, type FlowSettingCommand, type FlowSettingEvent } from '../domain/flow-settings';
import { FlowSettingsStore, streamOf } from '../store/flow-settings-store';

/** Decisions taken again at once when another writer appended first; past them, the transport retries with backoff. */
const ATTEMPTS = 3;

@Injectable()
export class FlowSettingChanges {
  constructor(
    private readonly outbox: Outbox,
    private readonly settings: FlowSettingsStore,
  ) {}

  /** Applies `command`, caused by `cause`, once per `consumer`; a refusal throws its CodedError (not retriable: dead-lettered). */
  async apply(consumer: string, cause: EventEnvelope, command: FlowSettingCommand): Promise<void> {
    const stream = streamOf(cause.connectionId, command);
    for (let attempt = 1; ; attempt++) {
      try {
        await this.outbox.once(consumer, cause.eventId, async (tx) => {
          const state = await this.settings.load(tx, stream);
          const decision = decideFlowSetting(command, state);
          if (!decision.ok) throw new CodedError(decision.code, decision.message);
          await this.outbox.append(
            tx,
            stream,
            decision.events.map((e) => envelopeOf(e, cause)),
            state.version,
          );
          await this.settings.project(tx, cause.connectionId, decision.events.reduce(evolveFlowSetting, state));
        });
        return;
      } catch (err) {
        // Someone changed the same setting meanwhile: decide again on the stream as it is now.
        if (attempt < ATTEMPTS && isCodedError(err, 'STORE.WRONG_EXPECTED_VERSION')) continue;
        throw err;
      }
    }
  }
}

/** The event as published: occurredAt is the time the state carries, so a rebuild finds the same. */
function envelopeOf(event: FlowSettingEvent, cause: EventEnvelope): EventEnvelope {
  const ctx = {
    producer: 'lnb-poller' as const,
    connectionId: cause.connectionId,
    correlationId: cause.correlationId,
    causationId: cause.eventId,
    key: flowKey(cause.connectionId, event.value.flow),
    occurredAt: new Date(event.at),
  };
  switch (event.type) {
    case 'ScheduleChanged':
      return createEnvelope(ScheduleChanged.definition, event.value, ctx);
    case 'SelectionChanged':
      return createEnvelope(SelectionChanged.definition, event.value, ctx);
    default:
      return assertNever(event);
  }
}
