import { CHOICE_LIFETIME_MS, candidateOf, choiceExpired, choiceExpiresAt, consentOutcome, notPicked, type OrganisationEntry } from './organisation-choice';

const entry = (tenantId: string, authEventId: string): OrganisationEntry => ({ id: `entry-${tenantId}`, tenantId, tenantName: `Org ${tenantId}`, authEventId });

describe('what a new consent makes of a connection', () => {
  // The British brand was connected in consent-1; consent-2 gave the Dutch and the German organisations at once.
  const list = [entry('uk', 'consent-1'), entry('nl', 'consent-2'), entry('de', 'consent-2')];

  it('waits for an operator to pick when the consent gave several organisations, offering those of this consent only', () => {
    expect(consentOutcome(list, undefined, 'consent-2')).toEqual({
      choose: [
        { id: 'entry-nl', tenantId: 'nl', tenantName: 'Org nl' },
        { id: 'entry-de', tenantId: 'de', tenantName: 'Org de' },
      ],
    });
  });

  it('connects at once when the consent gave one, or XERO_TENANT_ID names one', () => {
    expect(consentOutcome(list, undefined, 'consent-1')).toEqual({ connect: list[0] });
    expect(consentOutcome(list, 'DE', 'consent-2')).toEqual({ connect: list[2] });
    expect(consentOutcome(list, 'fr', 'consent-2')).toBeUndefined();
    expect(consentOutcome([], undefined, 'consent-2')).toBeUndefined();
  });

  it('offers one organisation listed twice in a consent once, and then has nothing to choose', () => {
    expect(consentOutcome([entry('nl', 'consent-2'), { ...entry('nl', 'consent-2'), id: 'again' }], undefined, 'consent-2')).toEqual({
      connect: entry('nl', 'consent-2'),
    });
  });

  it('offers every organisation listed when the consent cannot be told apart (a token that is no JWT), never the first by chance', () => {
    const everyOne = { choose: list.map((e) => ({ id: e.id, tenantId: e.tenantId, tenantName: e.tenantName })) };
    expect(consentOutcome(list, undefined, undefined)).toEqual(everyOne);
    expect(consentOutcome(list, undefined, 'consent-9')).toEqual(everyOne);
    // A custom connection reaches one organisation: connected at once.
    expect(consentOutcome([entry('uk', '')], undefined, undefined)).toEqual({ connect: entry('uk', '') });
  });
});

describe('the choice', () => {
  const offered = [
    { id: 'entry-nl', tenantId: 'aaaa-nl', tenantName: 'Demo Fashion BV' },
    { id: 'entry-de', tenantId: 'aaaa-de', tenantName: 'Demo Fashion GmbH' },
    { id: 'entry-uk', tenantId: 'aaaa-uk', tenantName: 'Demo Fashion Ltd' },
  ];

  it('takes only an organisation offered, whatever the case of its id', () => {
    expect(candidateOf(offered, 'AAAA-DE')).toBe(offered[1]);
    expect(candidateOf(offered, 'aaaa-fr')).toBeUndefined();
  });

  it('lets go of the organisations not picked at Xero, except one another connection here uses or may pick', () => {
    expect(notPicked(offered, 'aaaa-nl', new Set(['aaaa-uk']))).toEqual({ remove: [offered[1]], keep: [offered[2]] });
    // Disconnected unpicked: every one is let go of, but those of others.
    expect(notPicked(offered, null, new Set(['aaaa-uk']))).toEqual({ remove: [offered[0], offered[1]], keep: [offered[2]] });
  });

  it("lapses with the consent's refresh token, 60 days after it was given", () => {
    const given = new Date('2026-03-01T10:00:00Z');
    const until = choiceExpiresAt(given);
    expect(until.toISOString()).toBe('2026-04-30T10:00:00.000Z');
    expect(CHOICE_LIFETIME_MS).toBe(60 * 86_400_000);
    expect(choiceExpired(until, new Date(until.getTime() - 1))).toBe(false);
    expect(choiceExpired(until, until)).toBe(true);
    expect(choiceExpired(null, until)).toBe(false);
  });
});
