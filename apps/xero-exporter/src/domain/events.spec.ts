// XeroConnectionChanged as the exporter builds it from a stored connection: the state the monitor shows,
// never a token or a secret, however much the row beside it holds.
import { XeroConnectionChanged } from '@lnbx/contracts';
import { connectionChangedEvent, connectionState, type ConnectionFacts, sameConnectionState } from './events';

const TOKEN_LIKE = /token|secret|password|credential|key/i;
const SEALED_ACCESS = 'v1:nonce:tag:c2VhbGVkLWFjY2Vzcy10b2tlbg==';
const SEALED_REFRESH = 'v1:nonce:tag:c2VhbGVkLXJlZnJlc2gtdG9rZW4=';

/** A stored row as the store reads it, its sealed tokens and pause included. */
const aStoredRow = (over: Partial<ConnectionFacts> = {}) => ({
  connectionId: 'acme',
  grantType: 'authorization_code' as const,
  status: 'connected' as const,
  reason: null,
  xeroTenantId: 'tenant-1',
  tenantName: 'Demo Fashion Ltd',
  shortCode: '!abcd',
  accessToken: SEALED_ACCESS,
  accessExpiresAt: new Date('2026-03-02T08:30:00Z'),
  refreshToken: SEALED_REFRESH,
  pausedUntil: null,
  pauseReason: null,
  referencePublishedAt: null,
  connectedAt: new Date('2026-03-02T08:00:00.000Z'),
  updatedAt: new Date('2026-03-02T08:00:00.000Z'),
  ...over,
});

describe('XeroConnectionChanged, built from the stored connection', () => {
  const lost = aStoredRow({ status: 'disconnected', reason: 'Xero refused the refresh token (invalid_grant)' });

  it.each([
    ['connected', connectionChangedEvent('acme', 'connected', connectionState(aStoredRow(), 'authorization_code'))],
    ['lost', connectionChangedEvent('acme', 'lost', connectionState(lost, 'authorization_code'), 'XERO.INVALID_GRANT')],
    ['never connected', connectionChangedEvent('acme', 'announced', connectionState(undefined, 'client_credentials'))],
  ])('carries no token-like field and nothing of the sealed tokens (%s)', (_case, env) => {
    expect(Object.keys(env.payload).filter((k) => TOKEN_LIKE.test(k))).toEqual([]);
    expect(JSON.stringify(env)).not.toContain(SEALED_ACCESS);
    expect(JSON.stringify(env)).not.toContain(SEALED_REFRESH);
    expect(
      Object.keys(env.payload).every((k) =>
        ['status', 'change', 'grant', 'xeroTenantId', 'tenantName', 'shortCode', 'connectedAt', 'reason', 'code', 'by'].includes(k),
      ),
    ).toBe(true);
  });

  it('tells the state whole, keyed and correlated by the connection', () => {
    const connected = connectionChangedEvent('acme', 'connected', connectionState(aStoredRow(), 'authorization_code'));
    expect(connected).toMatchObject({
      type: 'XeroConnectionChanged',
      schemaVersion: 1,
      key: 'acme:xero-connection',
      correlationId: 'acme:xero-connection',
      producer: 'xero-exporter',
    });
    expect(connected.payload).toEqual({
      status: 'connected',
      change: 'connected',
      grant: 'authorization_code',
      xeroTenantId: 'tenant-1',
      tenantName: 'Demo Fashion Ltd',
      shortCode: '!abcd',
      connectedAt: '2026-03-02T08:00:00.000Z',
    });
    expect(connectionChangedEvent('acme', 'lost', connectionState(lost, 'authorization_code'), 'XERO.INVALID_GRANT').payload).toEqual({
      status: 'disconnected',
      change: 'lost',
      grant: 'authorization_code',
      xeroTenantId: 'tenant-1',
      tenantName: 'Demo Fashion Ltd',
      shortCode: '!abcd',
      connectedAt: '2026-03-02T08:00:00.000Z',
      reason: 'Xero refused the refresh token (invalid_grant)',
      code: 'XERO.INVALID_GRANT',
    });
    // A connection never made: the deployment's grant, nothing else known.
    expect(connectionState(undefined, 'client_credentials')).toEqual({ status: 'disconnected', grant: 'client_credentials' });
    expect(XeroConnectionChanged.definition.topic).toBe('xero.connection.changed.v1');
  });

  it('knows a state already told: not again for the same row, again for a new connection, reason or organisation', () => {
    const told = connectionState(aStoredRow(), 'authorization_code');
    expect(sameConnectionState(told, connectionState(aStoredRow(), 'authorization_code'))).toBe(true);
    expect(sameConnectionState(told, connectionState(aStoredRow({ connectedAt: new Date('2026-03-03T08:00:00Z') }), 'authorization_code'))).toBe(false);
    expect(sameConnectionState(told, connectionState(lost, 'authorization_code'))).toBe(false);
    expect(sameConnectionState(told, connectionState(aStoredRow({ xeroTenantId: 'tenant-2' }), 'authorization_code'))).toBe(false);
    const never = connectionState(undefined, 'authorization_code');
    expect(sameConnectionState(never, connectionState(undefined, 'authorization_code'))).toBe(true);
    expect(
      sameConnectionState(
        never,
        connectionState(
          aStoredRow({ status: 'disconnected', xeroTenantId: null, tenantName: null, connectedAt: null, reason: 'not connected to Xero yet' }),
          'authorization_code',
        ),
      ),
    ).toBe(false);
  });

  it('tells a choice with the organisations offered (never their /connections ids), and who picked one once connected', () => {
    const offered = [
      { id: 'entry-1', tenantId: 'tenant-1', tenantName: 'Demo Fashion Ltd' },
      { id: 'entry-2', tenantId: 'tenant-2', tenantName: 'Demo Fashion BV' },
    ];
    const choosing = aStoredRow({ status: 'choosing', xeroTenantId: null, tenantName: null, shortCode: null, candidates: offered, disconnectedBy: 'ops' });
    const told = connectionChangedEvent('acme', 'choose', connectionState(choosing, 'authorization_code')).payload;
    // A "Disconnect" under way (the mark) is not told as done.
    expect(told).toEqual({
      status: 'choosing',
      change: 'choose',
      grant: 'authorization_code',
      connectedAt: '2026-03-02T08:00:00.000Z',
      organisations: [
        { tenantId: 'tenant-1', tenantName: 'Demo Fashion Ltd' },
        { tenantId: 'tenant-2', tenantName: 'Demo Fashion BV' },
      ],
    });
    expect(JSON.stringify(told)).not.toContain('entry-');
    expect(sameConnectionState(told, connectionState({ ...choosing, candidates: offered.slice().reverse() }, 'authorization_code'))).toBe(false);
    expect(connectionState(aStoredRow({ chosenBy: 'ops' }), 'authorization_code')).toMatchObject({ status: 'connected', by: 'ops' });
  });
});
