// The contract itself holds no place for a secret: every field XeroConnectionChanged declares is named
// here, and none is token-like, so a token could only travel in a field consumers do not know.
import { getMetadataStorage } from 'class-validator';
import { validatePlain } from '../../codec';
import { XeroConnectionChanged } from './index';

const declared = (): string[] =>
  [
    ...new Set(
      getMetadataStorage()
        .getTargetValidationMetadatas(XeroConnectionChanged.Value, '', true, false)
        .map((m) => m.propertyName),
    ),
  ].sort();

describe('XeroConnectionChanged', () => {
  it('declares the state the monitor shows and no token-like field', () => {
    expect(declared()).toEqual([
      'by',
      'change',
      'code',
      'connectedAt',
      'grant',
      'organisations',
      'reason',
      'shortCode',
      'status',
      'tenantName',
      'xeroTenantId',
    ]);
    expect(declared().filter((f) => /token|secret|password|credential|key/i.test(f))).toEqual([]);
  });

  it('takes a choice between organisations, each of them checked', () => {
    const choosing = { status: 'choosing', change: 'choose', grant: 'authorization_code' };
    const two = [
      { tenantId: 't-1', tenantName: 'Demo Fashion Ltd' },
      { tenantId: 't-2', tenantName: 'Demo Fashion BV' },
    ];
    expect(validatePlain(XeroConnectionChanged.Value, { ...choosing, organisations: two }).ok).toBe(true);
    const noId = validatePlain(XeroConnectionChanged.Value, { ...choosing, organisations: [two[0], { tenantName: 'no id' }] });
    expect(noId.ok).toBe(false);
    expect(noId.ok ? [] : noId.reasons.map((r) => r.split(':')[0])).toEqual(['organisations.1.tenantId', 'organisations.1.tenantId']);
    expect(validatePlain(XeroConnectionChanged.Value, { ...choosing, organisations: [two[0]] }).ok).toBe(false);
  });

  it('takes a connection never made, and refuses a status or a change it does not know', () => {
    expect(validatePlain(XeroConnectionChanged.Value, { status: 'disconnected', change: 'announced', grant: 'authorization_code' }).ok).toBe(true);
    const bad = validatePlain(XeroConnectionChanged.Value, { status: 'expired', change: 'refreshed', grant: 'password', connectedAt: 'yesterday' });
    expect(bad).toEqual({
      ok: false,
      reasons: [
        expect.stringMatching(/^status: /),
        expect.stringMatching(/^change: /),
        expect.stringMatching(/^grant: /),
        expect.stringMatching(/^connectedAt: /),
      ],
    });
  });
});
