import { Registry } from 'prom-client';
import { mapDocument } from './domain';
import { aMappingConfig, anLnbInvoice } from './domain/testing';
import { MapperMetrics } from './metrics';

describe('MapperMetrics', () => {
  const config = aMappingConfig().build();

  it('counts a rejected document once per error code, not per problem nor per warning', async () => {
    const registry = new Registry();
    const metrics = new MapperMetrics(registry);
    // Two lines without EAN13 (one code twice), a zero quantity, and a deposit (a warning only).
    const input = anLnbInvoice().withoutEan13('JKT-001-BLK-M').withoutEan13('TSH-014-BLK-M').withZeroQuantityLine().withDeposit(50).input();
    const result = mapDocument(input, config);
    expect(result.ok ? [] : result.problems.map((p) => p.code)).toEqual([
      'LNB.MISSING_EAN13',
      'LNB.MISSING_EAN13',
      'LNB.ZERO_QUANTITY_LINE',
      'LNB.DEPOSIT_NOT_EXPORTED',
    ]);
    metrics.record('uk', 'invoice', result);
    metrics.record('uk', 'invoice', mapDocument(anLnbInvoice().input(), config));

    const rejected = (await registry.getSingleMetric('lnbx_documents_rejected_total')!.get()).values;
    expect(rejected.map((v) => [v.labels.code, v.value]).sort()).toEqual([
      ['LNB.MISSING_EAN13', 1],
      ['LNB.ZERO_QUANTITY_LINE', 1],
    ]);
    const mapped = (await registry.getSingleMetric('lnbx_documents_mapped_total')!.get()).values;
    expect(mapped).toEqual([{ labels: { connection: 'uk', type: 'invoice' }, value: 1 }]);
  });

  it("counts each connection's documents under its own connection, never the other's", async () => {
    const registry = new Registry();
    const metrics = new MapperMetrics(registry);
    const rejected = mapDocument(anLnbInvoice().withoutEan13('JKT-001-BLK-M').input(), config);
    metrics.record('uk', 'invoice', rejected);
    metrics.record('nl', 'invoice', mapDocument(anLnbInvoice().input(), config));
    metrics.record('nl', 'invoice', mapDocument(anLnbInvoice().input(), config));

    const values = async (name: string) =>
      (await registry.getSingleMetric(name)!.get()).values.map((v) => [v.labels.connection, v.labels.code ?? '', v.value]).sort();
    expect(await values('lnbx_documents_mapped_total')).toEqual([['nl', '', 2]]);
    expect(await values('lnbx_documents_rejected_total')).toEqual([['uk', 'LNB.MISSING_EAN13', 1]]);
  });
});
