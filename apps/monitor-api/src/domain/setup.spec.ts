import type { ConnectionSnapshot } from '@lnbx/contracts';
import { type SetupFacts, setupChecklist } from './setup';

const connection = (over: Partial<ConnectionSnapshot> = {}): ConnectionSnapshot => ({
  id: 'acme',
  name: 'Acme',
  timeZone: 'Europe/London',
  baseCurrency: null,
  status: 'active',
  pausedReason: null,
  xero: { state: 'never', tenantId: null, organisationName: null, reason: null },
  lnbCredentials: null,
  mappingChanged: null,
  scheduleChanged: null,
  selectionChanged: null,
  createdAt: '2026-12-01T09:00:00.000Z',
  createdBy: 'integrator',
  updatedAt: '2026-12-01T09:00:00.000Z',
  version: 1,
  ...over,
});

const fresh: SetupFacts = {
  connection: connection(),
  xero: null,
  mapped: 0,
  rejectedForMapping: {},
  schedules: { invoices: null, credit_notes: null },
  preview: null,
};

describe('the setup checklist', () => {
  it('starts with every step to do, each saying what to do next', () => {
    const c = setupChecklist(fresh);
    expect(c.done).toBe(false);
    expect(c.steps.map((s) => [s.id, s.done, s.detail])).toEqual([
      ['lnb_credentials', false, "Not set: enter the brand's LNB client id and secret; they are checked with Le New Black at once."],
      ['xero', false, 'Not connected: press "Connect to Xero" and choose the organisation for this brand.'],
      ['mapping', false, "Run a preview: the mapping is checked against the brand's own documents."],
      ['schedule', false, 'No schedule saved yet for invoices and credit notes: choose when each runs, or save it off.'],
      ['preview', false, 'Run a preview ("Preview invoices" under Export now): it shows what would go to Xero and what would be rejected, and sends nothing.'],
    ]);
  });

  it('asks to pick the organisation while Xero gave several', () => {
    expect(setupChecklist({ ...fresh, xero: { status: 'choosing', tenantName: null } }).steps[1]).toMatchObject({
      done: false,
      detail: 'Xero gave access to several organisations: pick the one for this brand in the Xero panel.',
    });
  });

  it('counts the documents the mapping still rejects, by code, and is not complete until none is left', () => {
    const m = setupChecklist({ ...fresh, mapped: 163, rejectedForMapping: { 'LNB.UNKNOWN_TAX_RATE': 41, 'XERO.UNKNOWN_ACCOUNT': 2 } }).steps[2];
    expect(m).toEqual({
      id: 'mapping',
      title: 'Mapping complete',
      done: false,
      detail: '43 documents rejected for something the mapping decides: 41 LNB.UNKNOWN_TAX_RATE, 2 XERO.UNKNOWN_ACCOUNT. Change the mapping, then retry them.',
    });
    expect(setupChecklist({ ...fresh, mapped: 163, rejectedForMapping: { 'LNB.UNKNOWN_TAX_RATE': 0 } }).steps[2].done).toBe(true);
  });

  it('is done when every step is', () => {
    const c = setupChecklist({
      connection: connection({ lnbCredentials: { setAt: '2026-12-01T09:05:00.000Z', setBy: 'integrator', hint: '…a1b2' } }),
      xero: { status: 'connected', tenantName: 'Demo Fashion Ltd' },
      mapped: 12,
      rejectedForMapping: {},
      schedules: { invoices: { enabled: true, cron: '30 7 * * 1-5', timeZone: 'Europe/London' }, credit_notes: { enabled: false, cron: null, timeZone: null } },
      preview: { flow: 'invoices', endedAt: '2026-12-01T09:20:00.000Z', wouldSend: 12, wouldReject: 0 },
    });
    expect(c.done).toBe(true);
    expect(c.steps.map((s) => s.detail)).toEqual([
      'Set by integrator on 2026-12-01 (client id …a1b2) and accepted by Le New Black.',
      'Connected to Xero (Demo Fashion Ltd).',
      'No document rejected for something the mapping decides (12 documents mapped).',
      'invoices: "30 7 * * 1-5" (Europe/London); credit notes: off.',
      'Preview of invoices on 2026-12-01: 12 documents would go to Xero, 0 would be rejected.',
    ]);
  });
});
