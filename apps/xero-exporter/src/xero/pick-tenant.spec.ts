import { pickTenant } from '../domain/organisation-choice';
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

  it('is the one chosen in this consent, not the first the user ever connected', () => {
    expect(pickTenant(list, undefined, 'consent-2')?.tenantId).toBe('nl');
    expect(pickTenant(list, undefined, 'consent-1')?.tenantId).toBe('uk');
  });

  it('is XERO_TENANT_ID when set, and the first listed when the consent is not known', () => {
    expect(pickTenant(list, 'NL', 'consent-1')?.tenantId).toBe('nl');
    expect(pickTenant(list, undefined, undefined)?.tenantId).toBe('uk');
    expect(pickTenant(list, undefined, 'consent-9')?.tenantId).toBe('uk');
    expect(pickTenant(list, 'de')).toBeUndefined();
  });

  it("reads the consent from the access token's claims, and nothing from a token that is not a JWT", () => {
    expect(authEventIdOf(jwt({ authentication_event_id: 'consent-2', sub: 'u' }))).toBe('consent-2');
    expect(authEventIdOf(jwt({ sub: 'u' }))).toBeUndefined();
    expect(authEventIdOf('opaque-token')).toBeUndefined();
  });
});
