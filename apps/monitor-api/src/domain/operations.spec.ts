// The monitor's operational helpers: notices and their digest, dead letters, schedules, API keys, the Xero connection's losses
// (the panel's answer: xero-status.spec.ts).
import { keyFromHeaders, hashNewKey, matches, parseBootstrapKeys, roleAllows } from './api-keys';
import { parseDeadLetter } from './dead-letter';
import { deadLetterConnection } from './log-lines';
import { summarise } from './digest';
import { effectsOf } from './effects';
import { evolveDocument, type DocumentView } from './documents';
import type { DocumentEvent } from './events';
import { aRun, k, missingEan13, missingRetailerReference, xeroValidation } from './testing';
import type { XeroConnectionEvent } from './events';
import { evolveXeroConnection, waitingForXero, type XeroConnectionView } from './xero-status';

const foldXero = (events: ReturnType<typeof k>[]): XeroConnectionView | null =>
  events.reduce<XeroConnectionView | null>((v, e) => evolveXeroConnection(v, e as XeroConnectionEvent), null);

describe('effects of an event', () => {
  it('times a document from detection to Xero, and counts it by type and outcome', () => {
    const run = aRun();
    const detected = run.detected('INV-1');
    const doc = evolveDocument(null, k(detected) as DocumentEvent) as DocumentView;
    const { metrics } = effectsOf(k(run.exported('INV-1', { outcome: 'already_present' })), doc, null);
    expect(metrics).toEqual([
      { metric: 'documents_exported_total', labels: { type: 'invoice', outcome: 'already_present' } },
      { metric: 'detected_to_exported_seconds', labels: { type: 'invoice' }, value: 1 },
    ]);
  });

  it('times it too when the export is projected before the detection', () => {
    const run = aRun();
    const [detected, exported] = [run.detected('INV-1'), run.exported('INV-1')];
    const doc = evolveDocument(null, k(exported) as DocumentEvent) as DocumentView;
    expect(effectsOf(k(exported), null, null).metrics.map((m) => m.metric)).toEqual(['documents_exported_total']);
    expect(effectsOf(k(detected), doc, null).metrics).toContainEqual({ metric: 'detected_to_exported_seconds', labels: { type: 'invoice' }, value: 1 });
  });

  it('tells about rejections of export runs, never of previews', () => {
    const run = aRun();
    expect(effectsOf(k(run.rejected('INV-1', [missingEan13('X')])), null, null).notices).toEqual([
      { kind: 'rejected', runId: run.runId, flow: 'invoices', reference: 'INV-1', codes: ['LNB.MISSING_EAN13'] },
    ]);
    expect(effectsOf(k(run.inPreview().rejected('INV-1', [missingEan13('X')])), null, null).notices).toEqual([]);
  });

  it('tells about a failed export only once the exporter gives up', () => {
    const run = aRun();
    expect(effectsOf(k(run.exportFailed('INV-1', [xeroValidation()], { retriable: true })), null, null).notices).toEqual([]);
    expect(effectsOf(k(run.exportFailed('INV-1', [xeroValidation()])), null, null).notices).toHaveLength(1);
  });
});

describe('the failure digest', () => {
  it('summarises a window in one message, per run, counted by code', () => {
    const run = aRun('run-a');
    const notices = [
      ...effectsOf(k(run.rejected('INV-1', [missingEan13('A'), missingEan13('B')])), null, null).notices,
      ...effectsOf(k(run.rejected('INV-2', [missingEan13('C')])), null, null).notices,
      ...effectsOf(k(run.rejected('INV-3', [missingRetailerReference()])), null, null).notices,
      ...effectsOf(k(run.connectionLost({ reason: 'the token was revoked', waitingDocuments: 3 })), null, null).notices,
    ];
    const msg = summarise(notices, new Map([['run-a', 12]]))!;
    expect(msg.text).toBe(
      [
        'The Xero connection to Demo Fashion Ltd was lost: the token was revoked (XERO.INVALID_GRANT). 3 documents wait; reconnect in the Integration Center.',
        'Run 12 of invoices: 3 documents rejected (2 x LNB.MISSING_EAN13, 1 x LNB.MISSING_RETAILER_REFERENCE)',
      ].join('\n'),
    );
    expect(msg.blocks[0].text.text).toBe(msg.text);
  });

  it('tells a loss once: what the status poll noticed is dropped when the event told it too; and tells the restoration', () => {
    const run = aRun();
    const polled = {
      kind: 'connection_lost' as const,
      source: 'poll' as const,
      tenant: null,
      reason: 'the Xero exporter reports it is no longer connected',
      code: null,
      waitingDocuments: null,
    };
    expect(summarise([polled])?.text).toBe(
      'The Xero connection was lost: the Xero exporter reports it is no longer connected. Reconnect in the Integration Center.',
    );
    const told = [
      polled,
      ...effectsOf(k(run.connectionLost({ waitingDocuments: 1 })), null, null).notices,
      ...effectsOf(k(run.connectionRestored({ resumedDocuments: 1 })), null, null).notices,
    ];
    expect(summarise(told)?.text).toBe(
      [
        'The Xero connection to Demo Fashion Ltd was lost: Xero refused the refresh token (invalid_grant): the connection must be authorised again (XERO.INVALID_GRANT). 1 document waits; reconnect in the Integration Center.',
        'The Xero connection to Demo Fashion Ltd was restored; 1 document resumes.',
      ].join('\n'),
    );
  });

  it('names a failed run with its reason, and sends nothing for an empty window', () => {
    const run = aRun('12345678-aaaa');
    const notices = effectsOf(k(run.failed()), null, null).notices;
    expect(summarise(notices)?.text).toBe('Run 12345678 of invoices failed: Le New Black did not answer (LNB.UNAVAILABLE)');
    expect(summarise([])).toBeNull();
  });
});

describe('dead letters', () => {
  const headers = {
    'x-dlq-code': Buffer.from('CONTRACT.BAD_PAYLOAD'),
    'x-dlq-reasons': Buffer.from('["payload.flow: must be one of", "second"]'),
    'x-original-topic': Buffer.from('p1.lnb.run.requested.v1'),
    'x-original-partition': Buffer.from('2'),
    'x-original-offset': Buffer.from('41'),
    'x-consumer-group': Buffer.from('p1.lnb-poller'),
    'x-failed-at': Buffer.from('2026-03-02T08:00:00.000Z'),
  };

  it('reads the headers, and the run from the original bytes when they are an envelope', () => {
    const d = parseDeadLetter(
      {
        dlqTopic: 'p1.lnb.run.requested.v1.dlq',
        partition: 0,
        offset: '3',
        key: Buffer.from('acme:invoices'),
        value: Buffer.from(JSON.stringify({ correlationId: 'run-9', type: 'RunRequested', key: 'acme:invoices', connectionId: 'acme' })),
        headers,
        timestamp: '0',
      },
      'p1.',
    );
    expect(d).toEqual({
      id: 'p1.lnb.run.requested.v1/2/41/p1.lnb-poller',
      topic: 'lnb.run.requested.v1',
      code: 'CONTRACT.BAD_PAYLOAD',
      reasons: ['payload.flow: must be one of', 'second'],
      consumerGroup: 'lnb-poller',
      failedAt: '2026-03-02T08:00:00.000Z',
      correlationId: 'run-9',
      eventType: 'RunRequested',
      key: 'acme:invoices',
      connectionId: 'acme',
    });
    // Its task-log line belongs to that connection; one that says nothing of it, to none (admin keys see it).
    expect(deadLetterConnection(d)).toBe('acme');
    expect(deadLetterConnection({ ...d, connectionId: null, key: 'uk:invoice:INV-1' })).toBe('uk');
    expect(deadLetterConnection({ ...d, connectionId: null, key: 'nl:invoices' })).toBe('nl');
    expect(deadLetterConnection({ ...d, connectionId: null, key: 'Not A Key' })).toBeNull();
    expect(deadLetterConnection({ ...d, connectionId: null, key: null })).toBeNull();
  });

  it('belongs to no run when the bytes are not JSON, and survives missing headers', () => {
    const d = parseDeadLetter(
      {
        dlqTopic: 'lnb.invoice.detected.v1.dlq',
        partition: 1,
        offset: '7',
        key: null,
        value: Buffer.from('{"broken'),
        headers: {},
        timestamp: '1772438400000',
      },
      '',
    );
    expect(d).toMatchObject({ topic: 'lnb.invoice.detected.v1', code: 'DLQ.UNKNOWN', reasons: [], correlationId: null, failedAt: '2026-03-02T08:00:00.000Z' });
  });
});

describe('API keys', () => {
  it('stores only a salted hash that matches the key and nothing else', () => {
    const stored = hashNewKey('ops', 'operator', 'acme', 'a-long-random-key-0123456789');
    expect(stored.hash).not.toContain('a-long-random-key');
    expect(matches('a-long-random-key-0123456789', stored)).toBe(true);
    expect(matches('a-long-random-key-012345678X', stored)).toBe(false);
    expect(hashNewKey('ops', 'operator', 'acme', 'a-long-random-key-0123456789').hash).not.toBe(stored.hash);
  });

  it('reads MONITOR_BOOTSTRAP_KEYS, a brand key with its connection, naming bad entries by position, never by key', () => {
    expect(parseBootstrapKeys('viewer@uk:vvvvvvvvvvvvvvvvvvvvvv, operator@nl-brand:oooooooooooooooooooooo,admin:aaaaaaaaaaaaaaaaaaaaaa')).toEqual({
      ok: true,
      keys: [
        { role: 'viewer', key: 'vvvvvvvvvvvvvvvvvvvvvv', connectionId: 'uk' },
        { role: 'operator', key: 'oooooooooooooooooooooo', connectionId: 'nl-brand' },
        { role: 'admin', key: 'aaaaaaaaaaaaaaaaaaaaaa', connectionId: null },
      ],
    });
    const bad = parseBootstrapKeys(
      'root:xxxxxxxxxxxxxxxxxxxxxxxx,viewer@uk:short,viewer:yyyyyyyyyyyyyyyyyyyyyyyy,admin@uk:zzzzzzzzzzzzzzzzzzzzzzzz,operator@UK!:wwwwwwwwwwwwwwwwwwwwwwww',
    );
    expect(bad).toEqual({
      ok: false,
      problems: [
        'entry 1 must start with viewer@<connection>:, operator@<connection>: or admin:',
        'entry 2 (viewer): the key must be at least 20 characters',
        'entry 3 (viewer): a viewer key belongs to one connection: write viewer@<connection>:<key>',
        'entry 4 (admin): an admin key belongs to the deployment, not to a connection: write admin:<key>',
        'entry 5 (operator): the connection must be a connection id (^[a-z0-9][a-z0-9-]{1,62}$)',
      ],
    });
    expect(JSON.stringify(bad)).not.toMatch(/xxxx|short|yyyy|zzzz|wwww/);
  });

  it('takes the key from x-api-key or a Bearer header; an operator may do what a viewer may, an admin what an operator may', () => {
    expect(keyFromHeaders({ 'x-api-key': 'k1' })).toBe('k1');
    expect(keyFromHeaders({ authorization: 'Bearer k2' })).toBe('k2');
    expect(keyFromHeaders({ authorization: 'Basic abc' })).toBeNull();
    expect(roleAllows('operator', 'viewer')).toBe(true);
    expect(roleAllows('viewer', 'operator')).toBe(false);
    expect(['viewer', 'operator', 'admin'].map((need) => roleAllows('admin', need as 'viewer'))).toEqual([true, true, true]);
    expect([roleAllows('operator', 'admin'), roleAllows('viewer', 'admin')]).toEqual([false, false]);
  });
});

describe('the Xero connection status', () => {
  it("follows the exporter's events: lost with its reason and waiting documents, then restored", () => {
    const run = aRun();
    const lost = foldXero([k(run.connectionLost())])!;
    expect(lost).toMatchObject({ connectionId: 'acme', status: 'lost', tenantName: 'Demo Fashion Ltd', code: 'XERO.INVALID_GRANT', waitingDocuments: 12 });
    const restored = evolveXeroConnection(lost, k(run.connectionRestored({ resumedDocuments: 11 })) as XeroConnectionEvent);
    expect(restored).toMatchObject({ status: 'connected', waitingDocuments: 0, resumedDocuments: 11, code: 'XERO.INVALID_GRANT', lostAt: lost.lostAt });
    expect(restored.restoredAt).not.toBeNull();
  });

  it('ignores an older event replayed after a newer one', () => {
    const run = aRun();
    const [lost, restored] = [run.connectionLost(), run.connectionRestored()];
    expect(foldXero([k(restored), k(lost)])?.status).toBe('connected');
  });

  it('shows a mapped document as waiting, not failed, while the connection is lost', () => {
    const lost = foldXero([k(aRun().connectionLost())])!;
    expect(waitingForXero('mapped', lost)).toEqual({
      for: 'xero_connection',
      message: 'Waiting for the Xero connection to Demo Fashion Ltd: reconnect in the Integration Center.',
    });
    expect(waitingForXero('exported', lost)).toBeNull();
    expect(waitingForXero('mapped', { ...lost, status: 'connected' })).toBeNull();
    expect(waitingForXero('mapped', undefined)).toBeNull();
  });
});
