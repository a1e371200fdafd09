import { chooseScope, decideReading, type FlowProgress, type KnownDocument, type ScopeRequest } from './incremental';

const HOUR = 3_600_000;
const policy = { fullRecheckEveryMs: 168 * HOUR, overlapMs: 15 * 60_000 };
const now = new Date('2026-12-01T12:00:00Z');
const exportRun: ScopeRequest = { mode: 'export', named: false, fullRecheck: false };
const lastRun: FlowProgress = { checkedUntil: new Date('2026-12-01T11:00:00Z'), lastFullAt: new Date('2026-11-28T03:00:00Z') };

describe('chooseScope', () => {
  it('reads only what changed since the last run less the overlap, between full re-checks', () => {
    expect(chooseScope(exportRun, lastRun, now, policy)).toEqual({
      scope: 'incremental',
      changedSince: new Date('2026-12-01T10:45:00Z'),
      reason:
        "only what changed in Le New Black is read: new or changed documents, and those whose order or retailer changed since 2026-12-01T10:45:00.000Z (the last run's start less 15 minutes)",
    });
  });

  it.each([
    ['the first run of a flow', exportRun, undefined, 'no run of this flow has completed yet: every document and its order are read'],
    ['a requested full re-check', { ...exportRun, fullRecheck: true }, lastRun, 'a full re-check was requested: every document and its order are read again'],
    ['a preview', { ...exportRun, mode: 'preview' as const }, lastRun, 'a preview shows every selected document, so every one is read'],
    ['a poller that never made a full re-check', exportRun, { ...lastRun, lastFullAt: null }, 'the full re-check (every 7 days) has not been done yet'],
    [
      'the weekly re-check, due to the minute',
      exportRun,
      { ...lastRun, lastFullAt: new Date(now.getTime() - 168 * HOUR) },
      'the full re-check (every 7 days) is due: the last one started 2026-11-24T12:00:00.000Z',
    ],
  ])('%s reads everything', (_name, request, progress, reason) => {
    expect(chooseScope(request, progress, now, policy)).toEqual({ scope: 'full', reason });
  });

  it('a run naming documents reads them, whatever else was asked', () => {
    expect(chooseScope({ mode: 'export', named: true, fullRecheck: true }, undefined, now, policy)).toEqual({
      scope: 'named',
      reason: 'the run reads the documents it names',
    });
  });

  it('says the cadence as configured', () => {
    const due = { ...lastRun, lastFullAt: new Date(now.getTime() - 13 * HOUR) };
    expect(chooseScope(exportRun, due, now, { fullRecheckEveryMs: 12 * HOUR, overlapMs: 30_000 }).reason).toMatch(/every 12 hours\) is due/);
    const recent = { ...lastRun, lastFullAt: new Date(now.getTime() - 2 * HOUR) };
    expect(chooseScope(exportRun, recent, now, { fullRecheckEveryMs: 12 * HOUR, overlapMs: 30_000 }).reason).toMatch(/less 30 seconds\)$/);
  });
});

describe('decideReading', () => {
  const doc = { update_time: '2026-11-30T09:00:00Z', order_reference: 'ORD-1', retailer_reference: 'RET-1' };
  const known: KnownDocument = { updateTime: doc.update_time, fingerprint: 'fp-1', recheck: false };
  const none = { orders: new Set<string>(), retailers: new Set<string>() };
  const neverHashed = (): string => {
    throw new Error('hashed although update_time did not move');
  };

  it('a document whose update_time did not move is unchanged, without hashing it', () => {
    expect(decideReading(doc, known, none, neverHashed)).toEqual({ read: false, updateTimeMoved: false });
  });

  it('one whose update_time moved is compared by content', () => {
    const later = { ...doc, update_time: '2026-12-01T08:00:00Z' };
    expect(decideReading(later, known, none, () => 'fp-1')).toEqual({ read: false, updateTimeMoved: true });
    expect(decideReading(later, known, none, () => 'fp-2')).toEqual({ read: true, why: 'content-changed' });
    expect(decideReading(later, { ...known, fingerprint: null }, none, () => 'fp-1')).toEqual({ read: true, why: 'content-changed' });
    expect(decideReading({ ...doc, update_time: null }, known, none, () => 'fp-1')).toEqual({ read: false, updateTimeMoved: true });
  });

  it.each([
    ['new to the poller', doc, undefined, none, 'new'],
    ['its order changed in LNB', doc, known, { ...none, orders: new Set(['ORD-1']) }, 'order-changed'],
    ['its retailer changed in LNB', doc, known, { ...none, retailers: new Set(['RET-1']) }, 'retailer-changed'],
    ['LNB lacked its order or credited invoice last time', doc, { ...known, recheck: true }, none, 'recheck'],
  ])('reads a document %s', (_name, listed, knownDoc, changes, why) => {
    expect(decideReading(listed, knownDoc, changes, neverHashed)).toEqual({ read: true, why });
  });

  it('another order or retailer changing is none of its business', () => {
    expect(decideReading(doc, known, { orders: new Set(['ORD-2']), retailers: new Set(['RET-2']) }, neverHashed)).toEqual({
      read: false,
      updateTimeMoved: false,
    });
    expect(
      decideReading({ ...doc, order_reference: null, retailer_reference: null }, known, { orders: new Set(['']), retailers: new Set(['']) }, neverHashed),
    ).toEqual({ read: false, updateTimeMoved: false });
  });
});
