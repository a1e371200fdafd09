import { createEnvelope, type EventEnvelope, isCodedError, MappingChanged, OrgReferenceDataPublished } from '@lnbx/contracts';
import type { EventStore, ReadStreamOptions, RecordedEvent } from '@lnbx/event-store';
import { aMappingConfig, anOrgReference } from '../domain/testing';
import { MapperState, mappingStream, referenceStream } from './mapper.state';

/** Only what restore reads: streams of stored envelopes, as the Outbox writes them. */
function storeWith(streams: Record<string, EventEnvelope[]>): EventStore {
  return {
    async readStream(id: string, { fromVersion = 1, maxCount }: ReadStreamOptions = {}) {
      const events = (streams[id] ?? []).map(
        (data, i) => ({ eventId: `e${i}`, streamId: id, streamVersion: i + 1, type: data.type, data }) as unknown as RecordedEvent,
      );
      return events.filter((e) => e.streamVersion >= fromVersion).slice(0, maxCount);
    },
  } as EventStore;
}

/** Restores from these streams, listed as the boot lists them. */
const restore = (streams: Record<string, EventEnvelope[]>, fromFile = aMappingConfig().build()) =>
  MapperState.restore(storeWith(streams), fromFile, Object.keys(streams));

const ctx = (connectionId: string) => ({ producer: 'mapper' as const, connectionId, correlationId: 'c', key: `${connectionId}:mapping` });
const changed = (config: object, connectionId = 'acme') =>
  createEnvelope(MappingChanged.definition, { config: config as Record<string, unknown>, requestedBy: 'x' }, ctx(connectionId));
const reference = (connectionId: string, ref = anOrgReference().build()) =>
  createEnvelope(OrgReferenceDataPublished.definition, ref, { ...ctx(connectionId), producer: 'xero-exporter' });

describe('MapperState.restore', () => {
  const fromFile = aMappingConfig().build();

  it('starts every connection from the file when nothing was changed at runtime', async () => {
    const state = await restore({}, fromFile);
    expect(state.mappingFor('acme')).toEqual({ config: fromFile, version: 0 });
    expect(state.mappingFor('globex')).toEqual({ config: fromFile, version: 0 });
    expect(state.referenceFor('acme')).toBeUndefined();
    expect(state.mappingSources()).toEqual({});
  });

  it("takes each connection's last MappingChanged whole, over the file; a connection never changed keeps the file", async () => {
    const first = { ...fromFile, numbering: { invoicePrefix: 'A-', creditNotePrefix: '' } };
    const last = { ...fromFile, numbering: { invoicePrefix: 'B-', creditNotePrefix: 'CN-' } };
    const other = { ...fromFile, numbering: { invoicePrefix: 'G-', creditNotePrefix: '' } };
    const state = await restore({ [mappingStream('acme')]: [changed(first), changed(last)], [mappingStream('globex')]: [changed(other, 'globex')] }, fromFile);
    expect(state.mappingFor('acme').config.numbering).toEqual({ invoicePrefix: 'B-', creditNotePrefix: 'CN-' });
    expect(state.mappingFor('acme').version).toBe(2);
    expect(state.mappingFor('globex')).toEqual({ config: other, version: 1 });
    expect(state.mappingFor('initech')).toEqual({ config: fromFile, version: 0 });
    expect(state.mappingSources()).toEqual({ acme: 'mapping-config-acme v2', globex: 'mapping-config-globex v1' });
  });

  it('refuses to boot on a stored configuration that is no longer valid, rather than fall back to the file', async () => {
    const refused = await restore({ [mappingStream('acme')]: [changed({ ...fromFile, status: 'PAID' })] }, fromFile).catch((err: unknown) => err);
    expect(isCodedError(refused, 'MAP.INVALID_CONFIG')).toBe(true);
    expect((refused as Error).message).toMatch(/mapping-config-acme v1 .*status/);
  });

  it('refuses to boot on a stored event that no longer passes its contract', async () => {
    const broken = { ...changed(fromFile), payload: { config: fromFile, requestedBy: 42 } } as unknown as EventEnvelope;
    const refused = await restore({ [mappingStream('acme')]: [broken] }, fromFile).catch((err: unknown) => err);
    expect(isCodedError(refused, 'STORE.UNREADABLE_EVENT')).toBe(true);
    expect((refused as Error).message).toMatch(/^mapping-config-acme v1 \(event e0\) cannot be read: CONTRACT\.BAD_PAYLOAD: payload\.requestedBy/);
  });

  it("restores every connection's last reference data, each for its own connection", async () => {
    const state = await restore({
      [referenceStream('acme')]: [reference('acme'), reference('acme', anOrgReference().withoutAccount('260').build())],
      [referenceStream('globex')]: [reference('globex', anOrgReference().withoutAccount('200').build())],
    });
    expect(state.referenceFor('acme')?.accounts.map((a) => a.code)).not.toContain('260');
    expect(state.referenceFor('acme')?.accounts.map((a) => a.code)).toContain('200');
    expect(state.referenceFor('globex')?.accounts.map((a) => a.code)).not.toContain('200');
    expect(state.referenceFor('globex')?.accounts.map((a) => a.code)).toContain('260');
    expect(state.referenceFor('other')).toBeUndefined();
  });
});

describe('MapperState.serially', () => {
  it("runs each of a connection's changes after the previous one, even when that one failed", async () => {
    const state = new MapperState(aMappingConfig().build());
    const order: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const a = state.serially('acme', async () => {
      await gate;
      order.push('a');
      throw new Error('a failed');
    });
    const b = state.serially('acme', async () => {
      order.push('b');
      return 'b done';
    });
    release();
    await expect(a).rejects.toThrow('a failed');
    await expect(b).resolves.toBe('b done');
    expect(order).toEqual(['a', 'b']);
  });

  it("does not hold one connection's change behind another's", async () => {
    const state = new MapperState(aMappingConfig().build());
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const held = state.serially('acme', () => gate);
    await expect(state.serially('globex', async () => 'globex done')).resolves.toBe('globex done');
    release();
    await held;
  });
});
