import { consentOutcome } from '../domain/organisation-choice';
import { authEventIdOf, type XeroTenantConnection } from './identity';

const org = (tenantId: string, authEventId: string): XeroTenantConnection => ({
  id: `c-${tenantId}`,
  tenantId,
  tenantType: 'ORGANISATION',
  tenantName: tenantId,
  authEventId,
});
const jwt = (claims: object) => `h.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.s`;

describe('the organisation a consent gives a connection', () => {
  // One person connected the British brand first, then the Dutch one: /connections lists both.
  const list = [org('uk', 'consent-1'), org('nl', 'consent-2')];

  const connected = (wanted?: string, authEventId?: string) => {
    const outcome = consentOutcome(list, wanted, authEventId);
    return outcome && 'connect' in outcome ? outcome.connect.tenantId : outcome;
  };

  it('is the one chosen in this consent, not the first the user ever connected', () => {
    expect([connected(undefined, 'consent-2'), connected(undefined, 'consent-1')]).toEqual(['nl', 'uk']);
  });

  it('is XERO_TENANT_ID when set, and left to the operator when the consent is not known', () => {
    expect(connected('NL', 'consent-1')).toBe('nl');
    expect(connected('de')).toBeUndefined();
    expect(connected(undefined, undefined)).toEqual({ choose: list.map((e) => ({ id: e.id, tenantId: e.tenantId, tenantName: e.tenantName })) });
  });

  it("reads the consent from the access token's claims, and nothing from a token that is not a JWT", () => {
    expect(authEventIdOf(jwt({ authentication_event_id: 'consent-2', sub: 'u' }))).toBe('consent-2');
    expect(authEventIdOf(jwt({ sub: 'u' }))).toBeUndefined();
    expect(authEventIdOf('opaque-token')).toBeUndefined();
  });
});
