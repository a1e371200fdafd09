// The change path around the decider, with the store and the outbox faked in memory: the version a change
// is appended with, the projection written from evolve, a conflict decided again, a refusal left unwritten.
import { CodedError, createEnvelope, type EventEnvelope, flowKey, ScheduleChangeRequested } from '@lnbx/contracts';
import { type ExpectedVersion, WrongExpectedVersionError } from '@lnbx/event-store';
import type { Outbox } from '@lnbx/messaging';
import { evolveFlowSetting, type FlowSettingEvent, type FlowSettingState, UNSET } from '../domain/flow-settings';
import type { FlowSettingsStore } from '../store/flow-settings-store';
import { FlowSettingChanges } from './flow-setting-changes';

const AT = '2026-03-10T09:30:00.000Z';
const earlier: FlowSettingEvent = {
  type: 'ScheduleChanged',
  value: { flow: 'invoices', enabled: true, cron: '0 6 * * 1-5', timeZone: 'UTC', requestedBy: 'ops' },
  at: '2026-03-01T08:00:00.000Z',
};

/** One stream in memory; `interfere` appends another writer's event just before the next `times` appends. */
class Fakes {
  readonly stream: FlowSettingEvent[] = [earlier];
  readonly appends: { stream: string; envelopes: EventEnvelope[]; expected: ExpectedVersion }[] = [];
  readonly projected: (FlowSettingState & { connectionId: string })[] = [];
  readonly processed: string[] = [];
  interfere = 0;

  readonly outbox = {
    once: async (_consumer: string, eventId: string, fn: (tx: never) => Promise<void>) => {
      await fn(undefined as never);
      this.processed.push(eventId);
      return true;
    },
    append: async (_tx: never, stream: string, envelopes: EventEnvelope[], expected: ExpectedVersion) => {
      if (this.interfere > 0) {
        this.interfere--;
        this.stream.push({ ...earlier, at: new Date().toISOString() });
      }
      if (expected !== this.stream.length) throw new WrongExpectedVersionError(stream, expected, this.stream.length);
      this.appends.push({ stream, envelopes, expected });
    },
  } as unknown as Outbox;

  readonly store = {
    load: async () => this.stream.reduce(evolveFlowSetting, UNSET),
    project: async (_tx: never, connectionId: string, state: FlowSettingState) => void this.projected.push({ ...state, connectionId }),
  } as unknown as FlowSettingsStore;
}

const request = (value: Partial<ScheduleChangeRequested.Value>) =>
  createEnvelope(
    ScheduleChangeRequested.definition,
    {
      flow: 'invoices',
      enabled: true,
      cron: '30 7 * * *',
      timeZone: 'Europe/Paris',
      requestedBy: 'finance@acme',
      ...value,
    },
    { producer: 'monitor-api', connectionId: 'acme', correlationId: 'settings-1', key: flowKey('acme', 'invoices') },
  );

const apply = (fakes: Fakes, env: EventEnvelope<ScheduleChangeRequested.Value>) =>
  new FlowSettingChanges(fakes.outbox, fakes.store).apply('lnb-poller.commands', env, { type: 'ScheduleChangeRequested', change: env.payload, at: AT });

describe('FlowSettingChanges', () => {
  it('appends the decided event expecting the version it was decided on, and projects the state after it', async () => {
    const fakes = new Fakes();
    const env = request({});
    await apply(fakes, env);
    expect(fakes.appends).toHaveLength(1);
    const [{ stream, envelopes, expected }] = fakes.appends;
    expect({ stream, expected }).toEqual({ stream: 'schedule-acme-invoices', expected: 1 });
    expect(envelopes).toEqual([
      expect.objectContaining({
        type: 'ScheduleChanged',
        occurredAt: AT,
        causationId: env.eventId,
        correlationId: 'settings-1',
        key: 'acme:invoices',
        producer: 'lnb-poller',
        payload: env.payload,
      }),
    ]);
    expect(fakes.projected).toEqual([{ version: 2, current: { type: 'ScheduleChanged', value: env.payload, at: AT }, connectionId: 'acme' }]);
    expect(fakes.processed).toEqual([env.eventId]);
  });

  it('decides again on the stream as it is now when another writer appended first', async () => {
    const fakes = new Fakes();
    fakes.interfere = 2;
    await apply(fakes, request({}));
    expect(fakes.appends.map((a) => a.expected)).toEqual([3]);
    expect(fakes.projected.map((s) => s.version)).toEqual([4]);
  });

  it('after three conflicts in a row, leaves the retry to the transport (a retriable STORE.WRONG_EXPECTED_VERSION)', async () => {
    const fakes = new Fakes();
    fakes.interfere = 3;
    const failure = apply(fakes, request({}));
    await expect(failure).rejects.toMatchObject({ code: 'STORE.WRONG_EXPECTED_VERSION', retriable: true });
    expect(fakes.appends).toEqual([]);
    expect(fakes.projected).toEqual([]);
  });

  it('refuses an invalid change with its code, not retriable, writing nothing', async () => {
    const fakes = new Fakes();
    const failure = apply(fakes, request({ cron: '0 0 31 2 *' }));
    await expect(failure).rejects.toBeInstanceOf(CodedError);
    await expect(failure).rejects.toMatchObject({
      code: 'POLLER.INVALID_SCHEDULE',
      retriable: false,
      message: expect.stringMatching(/^The invoices schedule was not changed: cron never fires/),
    });
    expect(fakes.appends).toEqual([]);
    expect(fakes.projected).toEqual([]);
    expect(fakes.processed).toEqual([]);
  });
});
