import { createEnvelope, decode, encode } from './codec';
import { documentKey, parseDocumentKey } from './common/flow';
import { InvoiceDetected } from './events/document-detected';
import { RunCompleted } from './events/run-completed';
import { RunRequested } from './events/run-requested';
import { RunStarted } from './events/run-started';
import { deadLetterTopic, EVENTS } from './registry';

const ctx = { producer: 'monitor-api' as const, connectionId: 'acme', correlationId: 'run-1', key: 'acme:invoices' };
const runRequested: RunRequested.Value = {
  runId: 'run-1',
  flow: 'invoices',
  mode: 'export',
  trigger: 'manual',
  requestedBy: 'ops@example.com',
};

describe('topic registry', () => {
  it('names every topic <domain>.<entity>.<event>.v<N>, once', () => {
    for (const d of EVENTS) expect(d.topic).toMatch(/^[a-z]+\.[a-z-]+\.[a-z-]+\.v\d+$/);
    expect(new Set(EVENTS.map((d) => d.topic)).size).toBe(EVENTS.length);
    expect(new Set(EVENTS.map((d) => d.type)).size).toBe(EVENTS.length);
    expect(deadLetterTopic('lnb.run.requested.v1')).toBe('lnb.run.requested.v1.dlq');
  });
  it('names commands in the imperative sense and events in the past tense', () => {
    // Past participles: regular ones end in -ed; the few irregular ones in use are listed by name.
    const IRREGULAR_PAST = ['Lost'];
    for (const d of EVENTS) expect(d.type).toMatch(new RegExp(`(ed|${IRREGULAR_PAST.join('|')})$`));
  });
});

describe('decode', () => {
  const topic = RunRequested.definition.topic;

  it('round-trips a valid envelope into a validated instance', () => {
    const env = createEnvelope(RunRequested.definition, runRequested, ctx);
    const out = decode(topic, encode(env));
    expect(out.ok).toBe(true);
    if (!out.ok) return;
    expect(out.envelope.payload).toBeInstanceOf(RunRequested.Value);
    expect(out.envelope).toMatchObject({ type: 'RunRequested', schemaVersion: 1, correlationId: 'run-1', causationId: null });
  });

  it('refuses bytes that are not JSON', () => {
    expect(decode(topic, Buffer.from('{nope'))).toMatchObject({ ok: false, code: 'CONTRACT.NOT_JSON' });
    expect(decode(topic, null)).toMatchObject({ ok: false, code: 'CONTRACT.NOT_JSON' });
  });

  it('refuses an envelope with missing fields, naming each', () => {
    const out = decode(topic, JSON.stringify({ type: 'RunRequested', payload: {} }));
    expect(out).toMatchObject({ ok: false, code: 'CONTRACT.BAD_ENVELOPE' });
    if (out.ok) return;
    expect(out.reasons.join('\n')).toMatch(/eventId/);
    expect(out.reasons.join('\n')).toMatch(/correlationId/);
  });

  it('refuses an event on the wrong topic', () => {
    const env = createEnvelope(RunRequested.definition, runRequested, ctx);
    const out = decode(InvoiceDetected.definition.topic, encode(env));
    expect(out).toMatchObject({ ok: false, code: 'CONTRACT.WRONG_TYPE' });
  });

  it('refuses a payload with a bad nested field, naming its path', () => {
    const env = createEnvelope(RunRequested.definition, runRequested, ctx);
    const bad = {
      ...env,
      type: 'InvoiceDetected',
      payload: {
        documentKey: documentKey('acme', 'invoice', 'INV-1'),
        documentType: 'invoice',
        revision: 'r1',
        runId: 'run-1',
        mode: 'export',
        retailer: {},
        document: { reference_number: 'INV-1', items: [{ unit_price: 10, quantity: 'two', amount_tax_excl: 20 }] },
      },
    };
    const out = decode(InvoiceDetected.definition.topic, JSON.stringify(bad));
    expect(out).toMatchObject({ ok: false, code: 'CONTRACT.BAD_PAYLOAD' });
    if (out.ok) return;
    expect(out.reasons).toContain('payload.document.items.0.quantity: quantity must be a number conforming to the specified constraints');
    expect(out.partial?.correlationId).toBe('run-1');
  });

  it('refuses an unknown topic', () => {
    expect(decode('nope.v1', '{}')).toMatchObject({ ok: false, code: 'CONTRACT.UNKNOWN_TOPIC' });
  });
});

describe('createEnvelope', () => {
  it('never lets a producer emit a payload consumers would refuse', () => {
    expect(() => createEnvelope(RunRequested.definition, { ...runRequested, flow: 'orders' } as never, ctx)).toThrow(/flow/);
  });
});

describe('incremental runs: optional fields, old messages still decode', () => {
  const reasons = (topic: string, bytes: string): string[] => {
    const out = decode(topic, bytes);
    return out.ok ? [] : out.reasons;
  };
  const started = { runId: 'run-1', flow: 'invoices', mode: 'export', trigger: 'schedule', requestedBy: 'schedule', startedAt: '2026-12-01T10:00:00.000Z' };
  const completed = {
    runId: 'run-1',
    flow: 'invoices',
    completedAt: '2026-12-01T10:00:05.000Z',
    counts: { seen: 10, selected: 8, emitted: 1, unchanged: 7, excludedBySelection: 2, heldBack: 0 },
  };

  it('decodes RunRequested, RunStarted and RunCompleted as pollers and monitors wrote them before', () => {
    for (const [definition, payload] of [
      [RunRequested.definition, runRequested],
      [RunStarted.definition, started],
      [RunCompleted.definition, completed],
    ] as const) {
      const old = JSON.stringify({ ...createEnvelope(definition as never, payload as never, ctx) });
      expect(reasons(definition.topic, old)).toEqual([]);
    }
  });

  it('carries a full re-check request, the scope and its reason, and what the run cost LNB', () => {
    expect(decode(RunRequested.definition.topic, encode(createEnvelope(RunRequested.definition, { ...runRequested, fullRecheck: true }, ctx)))).toMatchObject({
      ok: true,
      envelope: { payload: { fullRecheck: true } },
    });
    const withScope = createEnvelope(
      RunStarted.definition,
      { ...started, scope: 'incremental', scopeReason: 'orders changed since 09:45', changedSince: '2026-12-01T09:45:00.000Z' } as RunStarted.Value,
      { ...ctx, producer: 'lnb-poller' },
    );
    expect(decode(RunStarted.definition.topic, encode(withScope))).toMatchObject({ ok: true, envelope: { payload: { scope: 'incremental' } } });
    const withCosts = createEnvelope(
      RunCompleted.definition,
      { ...completed, counts: { ...completed.counts, enriched: 1 }, scope: 'incremental', changedOrders: 3, lnbRequests: 5 } as RunCompleted.Value,
      { ...ctx, producer: 'lnb-poller' },
    );
    expect(decode(RunCompleted.definition.topic, encode(withCosts))).toMatchObject({
      ok: true,
      envelope: { payload: { lnbRequests: 5, counts: { enriched: 1 } } },
    });
  });

  it('refuses a bad value in a new field, naming it', () => {
    const bad = { ...createEnvelope(RunRequested.definition, runRequested, ctx), payload: { ...runRequested, fullRecheck: 'yes' } };
    expect(reasons(RunRequested.definition.topic, JSON.stringify(bad)).join('\n')).toMatch(/fullRecheck/);
    const badScope = {
      ...createEnvelope(RunStarted.definition, started as RunStarted.Value, { ...ctx, producer: 'lnb-poller' }),
      payload: { ...started, scope: 'partial' },
    };
    expect(reasons(RunStarted.definition.topic, JSON.stringify(badScope)).join('\n')).toMatch(/scope/);
  });
});

describe('document keys', () => {
  it('round-trips', () => {
    const key = documentKey('acme', 'credit_note', 'CN:2026:1');
    expect(parseDocumentKey(key)).toEqual({ connectionId: 'acme', type: 'credit_note', reference: 'CN:2026:1' });
    expect(parseDocumentKey('acme:order:1')).toBeNull();
  });
});
