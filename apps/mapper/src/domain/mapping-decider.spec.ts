// The mapping configuration's decider and evolver, with no I/O: given the state, when a change is
// requested, then the event that carries the whole new configuration, or a coded refusal.
import { decideMapping, evolveMapping, type MappingDecision, type MappingEvent, type MappingState } from './mapping-decider';
import { parseMappingConfig } from './mapping-config';

const config = parseMappingConfig({
  taxTypes: [{ rate: 20, taxType: 'OUTPUT2' }],
  accounts: { goods: '200' },
  numbering: { invoicePrefix: 'LNB-', creditNotePrefix: 'LNB-CN-' },
  dueDate: { rule: 'days_after_invoice', days: 30 },
  rounding: { toleranceCents: 2, allowHalfCentPerLine: true, taxType: 'NONE' },
});
const given: MappingState = { config, version: 3 };

describe('the mapping configuration, decided and evolved from its stream', () => {
  it('a valid change becomes one MappingChanged carrying the whole configuration after it', () => {
    const decision = decideMapping(
      { type: 'ChangeMapping', change: { type: 'SetAccount', lineKind: 'shipping', accountCode: '260' }, requestedBy: 'ops' },
      given,
    );
    expect(decision).toEqual({
      ok: true,
      events: [{ type: 'MappingChanged', requestedBy: 'ops', config: { ...config, accounts: { goods: '200', shipping: '260' } } }],
    });
    // The state it was decided on is left as it was.
    expect(given.config.accounts).toEqual({ goods: '200' });
  });

  it('a change that would break the configuration is refused with a stable code, every field named', () => {
    const decision = decideMapping({ type: 'ChangeMapping', change: { type: 'SetTaxType', rate: -5, taxType: '' }, requestedBy: 'ops' }, given);
    expect(decision).toEqual({ ok: false, code: 'MAP.INVALID_CHANGE', message: expect.stringMatching(/rate.*taxType|taxType.*rate/s) });
  });

  it('an unknown kind of change is refused the same way', () => {
    expect(decideMapping({ type: 'ChangeMapping', change: { type: 'Explode' }, requestedBy: 'ops' }, given)).toMatchObject({
      ok: false,
      code: 'MAP.INVALID_CHANGE',
    });
  });

  it('evolving by the events decided gives the configuration they carry, one stream version further each', () => {
    const afterFirst = eventsOf(
      decideMapping({ type: 'ChangeMapping', change: { type: 'SetOptions', options: { status: 'AUTHORISED' } }, requestedBy: 'a' }, given),
    ).reduce(evolveMapping, given);
    expect(afterFirst).toEqual({ config: { ...config, status: 'AUTHORISED' }, version: 4 });
    const second = decideMapping({ type: 'ChangeMapping', change: { type: 'SetTaxType', rate: 5.5, taxType: 'REDUCED' }, requestedBy: 'b' }, afterFirst);
    expect(eventsOf(second).reduce(evolveMapping, afterFirst)).toEqual({
      config: { ...config, status: 'AUTHORISED', taxTypes: [...config.taxTypes, { rate: 5.5, taxType: 'REDUCED' }] },
      version: 5,
    });
  });
});

/** The events of an accepted decision; a refusal fails the test with its message. */
function eventsOf(decision: MappingDecision): MappingEvent[] {
  expect(decision).toMatchObject({ ok: true });
  return decision.ok ? decision.events : [];
}
