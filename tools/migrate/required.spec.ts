// Each service refuses to start until its schema has the migration its code names as required: that name
// must be the last migration of its folder, or a new migration could ship without the code asking for it.
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { REQUIRED_MIGRATION as POLLER } from '../../apps/lnb-poller/src/store/schema';
import { REQUIRED_MIGRATION as MAPPER } from '../../apps/mapper/src/store/schema';
import { REQUIRED_MIGRATION as MONITOR } from '../../apps/monitor-api/src/store/schema';
import { REQUIRED_MIGRATION as EXPORTER } from '../../apps/xero-exporter/src/store/schema';

const ROOT = path.resolve(__dirname, '../..');
const last = (dir: string): string | undefined =>
  readdirSync(path.join(ROOT, dir))
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .at(-1)
    ?.replace(/\.sql$/, '');

describe('the migration each service requires', () => {
  it.each([
    ['lnb-poller', 'apps/lnb-poller/migrations', POLLER],
    ['mapper', 'apps/mapper/migrations', MAPPER],
    ['xero-exporter', 'apps/xero-exporter/migrations', EXPORTER],
    ['monitor-api', 'apps/monitor-api/migrations', MONITOR],
  ])('%s requires the last of %s', (_service, dir, required) => {
    expect(required).toBe(last(dir));
  });
});
