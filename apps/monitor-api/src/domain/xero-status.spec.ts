// The Xero panel from the exporter's events only: the state told whole (XeroConnectionChanged) folded into
// the projection, and the answer of GET /api/xero/status read from it and from the losses and restorations.
import type { XeroConnectionEvent, XeroConnectionStateEvent } from './events';
import { aRun, k } from './testing';
import { describeXero, evolveXeroConnection, evolveXeroConnectionState, type XeroConnectionState, type XeroConnectionView } from './xero-status';

type Env = ReturnType<typeof k>;
const fold = (events: Env[]): XeroConnectionState | null =>
  events.reduce<XeroConnectionState | null>((s, e) => evolveXeroConnectionState(s, e as XeroConnectionStateEvent), null);
const foldLosses = (events: Env[]): XeroConnectionView | null =>
  events.reduce<XeroConnectionView | null>((v, e) => evolveXeroConnection(v, e as XeroConnectionEvent), null);

const REFUSED = 'Xero refused the refresh token (invalid_grant): the connection must be authorised again';

describe('the Xero connection as the exporter tells it', () => {
  it('is not connected until an organisation is, then connected to it since it connected', () => {
    const run = aRun();
    const never = run.connectionChanged({
      status: 'disconnected',
      change: 'announced',
      xeroTenantId: undefined,
      tenantName: undefined,
      connectedAt: undefined,
    });
    expect(fold([k(never)])).toEqual({
      connectionId: 'acme',
      status: 'not_connected',
      grant: 'authorization_code',
      xeroTenantId: null,
      tenantName: null,
      shortCode: null,
      connectedAt: null,
      since: null,
      reason: null,
      code: null,
      by: null,
      organisations: null,
      change: 'announced',
      at: never.occurredAt,
    });
    const connected = fold([k(never), k(run.connectionChanged())]);
    expect(connected).toMatchObject({
      status: 'connected',
      xeroTenantId: 'tenant-1',
      tenantName: 'Demo Fashion Ltd',
      since: '2026-03-01T09:00:00.000Z',
      reason: null,
      change: 'connected',
    });
  });

  it('is lost from the loss on, with its reason and code, kept when the same state is announced again', () => {
    const run = aRun();
    const connected = run.connectionChanged();
    const lostAt = run.connectionChanged({ status: 'disconnected', change: 'lost', reason: REFUSED, code: 'XERO.INVALID_GRANT' });
    const told = [k(connected), k(lostAt)];
    expect(fold(told)).toMatchObject({ status: 'lost', since: lostAt.occurredAt, reason: REFUSED, code: 'XERO.INVALID_GRANT', tenantName: 'Demo Fashion Ltd' });
    // A restarted exporter announces what it stores: the loss's code is not stored, the state is the same one.
    const again = fold([...told, k(run.connectionChanged({ status: 'disconnected', change: 'announced', reason: REFUSED }))]);
    expect(again).toMatchObject({ status: 'lost', since: lostAt.occurredAt, code: 'XERO.INVALID_GRANT', change: 'announced' });
    const back = fold([...told, k(run.connectionChanged({ connectedAt: '2026-03-02T10:00:00.000Z' }))]);
    expect(back).toMatchObject({ status: 'connected', since: '2026-03-02T10:00:00.000Z', reason: null, code: null });
  });

  it('is disconnected by whoever pressed "Disconnect", not lost, until it connects again', () => {
    const run = aRun();
    const why = 'disconnected in the Integration Center by finance-operator';
    const connected = run.connectionChanged();
    const off = run.connectionChanged({ status: 'disconnected', change: 'disconnected', reason: why, by: 'finance-operator' });
    const told = [k(connected), k(off)];
    expect(fold(told)).toMatchObject({ status: 'disconnected', by: 'finance-operator', since: off.occurredAt, reason: why, tenantName: 'Demo Fashion Ltd' });
    expect(describeXero(fold(told), null)).toMatchObject({
      connected: false,
      message: 'Disconnected from Xero (Demo Fashion Ltd) in the Integration Center by finance-operator: documents wait until someone connects again.',
    });
    // A restarted exporter announces the same state: still disconnected, by the same person, since the same time.
    const again = fold([...told, k(run.connectionChanged({ status: 'disconnected', change: 'announced', reason: why, by: 'finance-operator' }))]);
    expect(again).toMatchObject({ status: 'disconnected', by: 'finance-operator', since: off.occurredAt });
    expect(fold([...told, k(run.connectionChanged({ connectedAt: '2026-03-02T10:00:00.000Z' }))])).toMatchObject({ status: 'connected', by: null });
  });

  it('waits for a pick from the choice on, listing the organisations offered, then is connected to the one picked and says by whom', () => {
    const run = aRun();
    const offered = [
      { tenantId: 'tenant-1', tenantName: 'Demo Fashion Ltd' },
      { tenantId: 'tenant-2', tenantName: 'Demo Fashion BV' },
    ];
    const before = run.connectionChanged();
    const choice = run.connectionChanged({ status: 'choosing', change: 'choose', xeroTenantId: undefined, tenantName: undefined, organisations: offered });
    const choosing = fold([k(before), k(choice)]);
    expect(choosing).toMatchObject({ status: 'choosing', since: choice.occurredAt, organisations: offered, xeroTenantId: null, by: null });
    expect(describeXero(choosing, null)).toMatchObject({
      connected: false,
      message: 'Xero gave access to 2 organisations: pick the one for this brand.',
    });
    const picked = fold([k(choice), k(run.connectionChanged({ xeroTenantId: 'tenant-2', tenantName: 'Demo Fashion BV', by: 'ops-key' }))]);
    expect(picked).toMatchObject({ status: 'connected', xeroTenantId: 'tenant-2', organisations: null, by: 'ops-key' });
    expect(describeXero(picked, null).message).toBe('Connected to Xero (Demo Fashion BV), picked by ops-key.');
  });

  it('ignores an older state replayed after a newer one', () => {
    const run = aRun();
    const [connected, lost] = [run.connectionChanged(), run.connectionChanged({ status: 'disconnected', change: 'lost', reason: REFUSED })];
    expect(fold([k(lost), k(connected)])?.status).toBe('lost');
  });
});

describe("the Xero panel's answer", () => {
  it('says connected, and to which organisation', () => {
    const state = fold([k(aRun().connectionChanged())]);
    expect(describeXero(state, null)).toEqual({ connected: true, message: 'Connected to Xero (Demo Fashion Ltd).', state, projected: null });
  });

  it('says why it is lost, with the documents the loss left waiting', () => {
    const run = aRun();
    const history = foldLosses([k(run.connectionLost({ waitingDocuments: 1 }))]);
    const state = fold([k(run.connectionChanged({ status: 'disconnected', change: 'lost', reason: REFUSED, code: 'XERO.INVALID_GRANT' }))]);
    expect(describeXero(state, history)).toMatchObject({
      connected: false,
      message: `The Xero connection to Demo Fashion Ltd was lost: ${REFUSED}. 1 document waits; reconnect in the Integration Center.`,
    });
  });

  it('says what to do when nothing was ever connected, by grant', () => {
    const run = aRun();
    const consent = fold([
      k(run.connectionChanged({ status: 'disconnected', change: 'announced', xeroTenantId: undefined, tenantName: undefined, connectedAt: undefined })),
    ]);
    expect(describeXero(consent, null)).toMatchObject({ connected: false, message: 'Not connected to Xero. Connect to start exporting.' });
    const custom = fold([
      k(
        run.connectionChanged({
          status: 'disconnected',
          change: 'not_connected',
          grant: 'client_credentials',
          xeroTenantId: undefined,
          tenantName: undefined,
          connectedAt: undefined,
          reason: "Xero refused the app's credentials (invalid_client)",
          code: 'XERO.INVALID_CLIENT',
        }),
      ),
    ]);
    expect(describeXero(custom, null)).toMatchObject({
      connected: false,
      message: "Not connected to Xero: Xero refused the app's credentials (invalid_client). The exporter tries again by itself (a Xero custom connection).",
    });
  });

  it('reads an exporter that never told its state from its losses and restorations, and says when it knows nothing', () => {
    const run = aRun();
    const lost = foldLosses([k(run.connectionLost({ waitingDocuments: 2 }))]);
    expect(describeXero(null, lost)).toMatchObject({
      connected: false,
      message: expect.stringMatching(/^The Xero connection to Demo Fashion Ltd was lost: .* 2 documents wait;/),
    });
    const restored = foldLosses([k(run.connectionLost()), k(run.connectionRestored())]);
    expect(describeXero(null, restored)).toMatchObject({ connected: true, message: 'Connected to Xero (Demo Fashion Ltd).' });
    expect(describeXero(null, null)).toEqual({
      connected: null,
      message: 'The Xero exporter has not told the state of its Xero connection yet.',
      state: null,
      projected: null,
    });
  });
});
