import type { ScheduleChangeRequested, SelectionRules } from '@lnbx/contracts';
import { decideFlowSetting, evolveFlowSetting, type FlowSettingCommand, type FlowSettingEvent, type FlowSettingState, UNSET } from './flow-settings';
import { DEFAULT_RULES } from '@lnbx/scheduling';

const AT = '2026-03-10T09:30:00.000Z';
const given = (...events: FlowSettingEvent[]): FlowSettingState => events.reduce(evolveFlowSetting, UNSET);
const schedule = (change: Omit<ScheduleChangeRequested.Value, 'flow' | 'requestedBy'>, at = AT): FlowSettingCommand => ({
  type: 'ScheduleChangeRequested',
  change: { flow: 'invoices', requestedBy: 'finance@acme', ...change },
  at,
});
const selection = (rules: Partial<SelectionRules>, at = AT): FlowSettingCommand => ({
  type: 'SelectionChangeRequested',
  change: { flow: 'credit_notes', requestedBy: 'finance@acme', rules: { ...DEFAULT_RULES, ...rules } },
  at,
});
/** The events a command makes from the state `events` leave, or its refusal. */
const when = (command: FlowSettingCommand, ...events: FlowSettingEvent[]) => decideFlowSetting(command, given(...events));

const weekdays: FlowSettingEvent = {
  type: 'ScheduleChanged',
  value: { flow: 'invoices', enabled: true, cron: '0 6 * * 1-5', timeZone: 'Europe/Paris', requestedBy: 'ops' },
  at: '2026-03-01T08:00:00.000Z',
};
const off: FlowSettingEvent = { type: 'ScheduleChanged', value: { flow: 'invoices', enabled: false, requestedBy: 'ops' }, at: '2026-03-02T08:00:00.000Z' };
const eurOnly: FlowSettingEvent = {
  type: 'SelectionChanged',
  value: { flow: 'credit_notes', rules: { ...DEFAULT_RULES, currencies: ['EUR'] }, requestedBy: 'ops' },
  at: '2026-03-01T08:00:00.000Z',
};

describe("a flow's schedule", () => {
  it('given none, a valid change is one ScheduleChanged carrying the whole schedule and when it was decided', () => {
    expect(when(schedule({ enabled: true, cron: '30 7 * * *', timeZone: 'Europe/Paris' }))).toEqual({
      ok: true,
      events: [
        {
          type: 'ScheduleChanged',
          value: { flow: 'invoices', enabled: true, cron: '30 7 * * *', timeZone: 'Europe/Paris', requestedBy: 'finance@acme' },
          at: AT,
        },
      ],
    });
  });

  it('given earlier changes, a change replaces the schedule whole (turning it off needs no cron)', () => {
    expect(when(schedule({ enabled: false }), weekdays)).toEqual({
      ok: true,
      events: [{ type: 'ScheduleChanged', value: { flow: 'invoices', enabled: false, requestedBy: 'finance@acme' }, at: AT }],
    });
  });

  it("takes every minute: the shortest interval is the API's to apply, so a stored schedule keeps being taken", () => {
    expect(when(schedule({ enabled: true, cron: '* * * * *' }))).toMatchObject({ ok: true });
  });

  it.each([
    ['an expression that is not one', { cron: '61 * * * *' }, /^The invoices schedule was not changed: cron is not a valid expression: "61 \* \* \* \*"/],
    ['six fields', { cron: '* * * * * *' }, /^The invoices schedule was not changed: cron must have exactly 5 fields .* got 6/],
    ['one that never fires', { cron: '0 0 31 2 *' }, /^The invoices schedule was not changed: cron never fires/],
    ['an unknown zone', { cron: '0 6 * * *', timeZone: 'Mars/Olympus' }, /^The invoices schedule was not changed: timeZone must be an IANA time zone/],
    ['on without a cron', { cron: null }, /^The invoices schedule was not changed: cron/],
  ])('refuses %s with POLLER.INVALID_SCHEDULE, naming the field, whatever was in force', (_name, change, message) => {
    for (const history of [[], [weekdays], [weekdays, off]]) {
      const decision = when(schedule({ enabled: true, ...change }), ...history);
      expect(decision).toEqual({ ok: false, code: 'POLLER.INVALID_SCHEDULE', message: expect.stringMatching(message) });
    }
  });
});

describe("a flow's selection", () => {
  it('given none, valid rules are one SelectionChanged carrying the whole rules', () => {
    const rules = { ...DEFAULT_RULES, holdBack: ['CN-7'], currencies: ['EUR', 'GBP'] };
    expect(when(selection(rules))).toEqual({
      ok: true,
      events: [{ type: 'SelectionChanged', value: { flow: 'credit_notes', rules, requestedBy: 'finance@acme' }, at: AT }],
    });
  });

  it('given earlier rules, new rules replace them whole', () => {
    expect(when(selection({}), eurOnly)).toEqual({
      ok: true,
      events: [{ type: 'SelectionChanged', value: { flow: 'credit_notes', rules: DEFAULT_RULES, requestedBy: 'finance@acme' }, at: AT }],
    });
  });

  it('refuses inconsistent rules with POLLER.INVALID_SELECTION, every field named', () => {
    expect(
      when(selection({ dateFrom: '2026-05-01', dateTo: '2026-04-01', includeRetailers: ['R1'], excludeRetailers: ['R1'], currencies: ['eur'] }), eurOnly),
    ).toEqual({
      ok: false,
      code: 'POLLER.INVALID_SELECTION',
      message:
        'The credit_notes selection was not changed: rules.dateFrom: must not be after rules.dateTo; ' +
        'rules.excludeRetailers: R1 also in includeRetailers; rules.currencies: "eur" is not an ISO 4217 code',
    });
  });
});

describe('evolve', () => {
  it("counts the stream's events as its version and keeps the last as the setting in force", () => {
    expect(given()).toEqual({ version: 0, current: null });
    expect(given(weekdays)).toEqual({ version: 1, current: weekdays });
    expect(given(weekdays, off)).toEqual({ version: 2, current: off });
    expect(given(eurOnly)).toEqual({ version: 1, current: eurOnly });
  });

  it('what decide makes, evolve applies: the state after a change is that change', () => {
    const decision = when(schedule({ enabled: true, cron: '0 6 * * 1-5' }), weekdays, off);
    if (!decision.ok) throw new Error(decision.message);
    expect(decision.events.reduce(evolveFlowSetting, given(weekdays, off))).toEqual({ version: 3, current: decision.events[0] });
  });

  it('fails loudly on what it does not know, rather than skip it', () => {
    expect(() => evolveFlowSetting(UNSET, { type: 'MappingChanged' } as never)).toThrow(/unhandled/);
    expect(() => decideFlowSetting({ type: 'ChangeMapping' } as never, UNSET)).toThrow(/unhandled/);
  });
});
