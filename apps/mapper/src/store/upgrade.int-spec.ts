// The upgrade from the single-connection release (issue 12): its `mapping-config` and `org-reference`
// streams become the streams of the connection it served, so that connection keeps its mapping changed at
// runtime and its organisation's reference data; down gives them back their old names.
import { createEnvelope, MappingChanged, OrgReferenceDataPublished } from '@lnbx/contracts';
import { PostgresEventStore } from '@lnbx/event-store';
import { toStored } from '@lnbx/messaging';
import { createTestDatabase, runMigrations, type TestDatabase } from '@lnbx/testing';
import { Pool } from 'pg';
import { aMappingConfig, anOrgReference } from '../domain/testing';
import { MapperState } from './mapper.state';
import { REQUIRED_MIGRATION, SCHEMA, stateStreams } from './schema';

describe('upgrading the mapper from one connection to many', () => {
  let db: TestDatabase;
  let pool: Pool;
  const fromFile = aMappingConfig().build();
  const ctx = { producer: 'mapper' as const, connectionId: 'brand-legacy', correlationId: 'c', key: 'brand-legacy:mapping' };

  beforeAll(async () => {
    db = await createTestDatabase('mapper_upgrade');
    pool = new Pool({ connectionString: db.url });
    // The schema as the previous release left it: the event store only, with its two state streams.
    expect(await runMigrations(db.url, ['down', '--owner', 'mapper'])).toMatch(new RegExp(REQUIRED_MIGRATION));
    const store = new PostgresEventStore(pool, SCHEMA);
    const changed = createEnvelope(
      MappingChanged.definition,
      { config: { ...fromFile, numbering: { invoicePrefix: 'OLD-', creditNotePrefix: '' } } as unknown as Record<string, unknown>, requestedBy: 'x' },
      ctx,
    );
    const reference = createEnvelope(OrgReferenceDataPublished.definition, anOrgReference().withoutAccount('260').build(), {
      ...ctx,
      producer: 'xero-exporter',
    });
    await store.append('mapping-config', [toStored(changed)], { expectedVersion: 'no_stream' });
    await store.append('org-reference', [{ eventId: reference.eventId, type: reference.type, data: reference, metadata: {} }], {
      expectedVersion: 'no_stream',
    });
  });

  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  it('gives the legacy streams to the connection the events name, and the state restores from them; down undoes it', async () => {
    await runMigrations(db.url, ['up']);
    expect(await stateStreams(pool)).toEqual(['mapping-config-brand-legacy', 'org-reference-brand-legacy']);
    const events = await pool.query<{ stream_id: string }>(`select distinct stream_id from ${SCHEMA}.events order by stream_id`);
    expect(events.rows.map((r) => r.stream_id)).toEqual(['mapping-config-brand-legacy', 'org-reference-brand-legacy']);

    const state = await MapperState.restore(new PostgresEventStore(pool, SCHEMA), fromFile, await stateStreams(pool));
    expect(state.mappingFor('brand-legacy').config.numbering.invoicePrefix).toBe('OLD-');
    expect(state.mappingFor('brand-legacy').version).toBe(1);
    expect(state.referenceFor('brand-legacy')?.accounts.map((a) => a.code)).not.toContain('260');

    await runMigrations(db.url, ['down', '--owner', 'mapper']);
    const after = await pool.query<{ stream_id: string }>(`select stream_id from ${SCHEMA}.streams order by stream_id`);
    expect(after.rows.map((r) => r.stream_id)).toEqual(['mapping-config', 'org-reference']);
    await runMigrations(db.url, ['up']);
  });
});
