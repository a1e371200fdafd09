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
    metrics.record('invoice', result);
    metrics.record('invoice', mapDocument(anLnbInvoice().input(), config));

    const rejected = (await registry.getSingleMetric('lnbx_documents_rejected_total')!.get()).values;
    expect(rejected.map((v) => [v.labels.code, v.value]).sort()).toEqual([
      ['LNB.MISSING_EAN13', 1],
      ['LNB.ZERO_QUANTITY_LINE', 1],
    ]);
    const mapped = (await registry.getSingleMetric('lnbx_documents_mapped_total')!.get()).values;
    expect(mapped).toEqual([{ labels: { type: 'invoice' }, value: 1 }]);
  });
});
