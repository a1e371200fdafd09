import { createEnvelope, type EventEnvelope, isCodedError, MappingChanged, OrgReferenceDataPublished } from '@lnbx/contracts';
import type { EventStore, ReadStreamOptions, RecordedEvent } from '@lnbx/event-store';
import { aMappingConfig, anOrgReference } from '../domain/testing';
import { MAPPING_STREAM, MapperState, REFERENCE_STREAM } from './mapper.state';

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

const ctx = { producer: 'mapper' as const, connectionId: 'acme', correlationId: 'c', key: 'acme:mapping' };
const changed = (config: object) => createEnvelope(MappingChanged.definition, { config: config as Record<string, unknown>, requestedBy: 'x' }, ctx);

describe('MapperState.restore', () => {
  const fromFile = aMappingConfig().build();

  it('starts from the file when nothing was changed at runtime', async () => {
    const state = await MapperState.restore(storeWith({}), fromFile);
    expect(state.mapping).toBe(fromFile);
    expect(state.mappingVersion).toBe(0);
    expect(state.referenceFor('acme')).toBeUndefined();
  });

  it('takes the last MappingChanged whole, over the file', async () => {
    const first = { ...fromFile, numbering: { invoicePrefix: 'A-', creditNotePrefix: '' } };
    const last = { ...fromFile, numbering: { invoicePrefix: 'B-', creditNotePrefix: 'CN-' } };
    const state = await MapperState.restore(storeWith({ [MAPPING_STREAM]: [changed(first), changed(last)] }), fromFile);
    expect(state.mapping.numbering).toEqual({ invoicePrefix: 'B-', creditNotePrefix: 'CN-' });
    expect(state.mappingVersion).toBe(2);
  });

  it('refuses to boot on a stored configuration that is no longer valid, rather than fall back to the file', async () => {
    const store = storeWith({ [MAPPING_STREAM]: [changed({ ...fromFile, status: 'PAID' })] });
    const refused = await MapperState.restore(store, fromFile).catch((err: unknown) => err);
    expect(isCodedError(refused, 'MAP.INVALID_CONFIG')).toBe(true);
    expect((refused as Error).message).toMatch(/mapping-config v1 .*status/);
  });

  it('refuses to boot on a stored event that no longer passes its contract', async () => {
    const broken = { ...changed(fromFile), payload: { config: fromFile, requestedBy: 42 } } as unknown as EventEnvelope;
    const refused = await MapperState.restore(storeWith({ [MAPPING_STREAM]: [broken] }), fromFile).catch((err: unknown) => err);
    expect(isCodedError(refused, 'STORE.UNREADABLE_EVENT')).toBe(true);
    expect((refused as Error).message).toMatch(/^mapping-config v1 \(event e0\) cannot be read: CONTRACT\.BAD_PAYLOAD: payload\.requestedBy/);
  });

  it('restores the last reference data, for its connection', async () => {
    const ref = anOrgReference().withoutAccount('260').build();
    const env = createEnvelope(OrgReferenceDataPublished.definition, ref, { ...ctx, producer: 'xero-exporter' });
    const state = await MapperState.restore(storeWith({ [REFERENCE_STREAM]: [env] }), fromFile);
    expect(state.referenceFor('acme')?.accounts.map((a) => a.code)).not.toContain('260');
    expect(state.referenceFor('other')).toBeUndefined();
  });
});

describe('MapperState.serially', () => {
  it('runs each change after the previous one, even when that one failed', async () => {
    const state = new MapperState(aMappingConfig().build());
    const order: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const a = state.serially(async () => {
      await gate;
      order.push('a');
      throw new Error('a failed');
    });
    const b = state.serially(async () => {
      order.push('b');
      return 'b done';
    });
    release();
    await expect(a).rejects.toThrow('a failed');
    await expect(b).resolves.toBe('b done');
    expect(order).toEqual(['a', 'b']);
  });
});
