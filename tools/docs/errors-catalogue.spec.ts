// The catalogue is the list of every stable code: a code written anywhere in the services or the libs is
// in it (docs/errors.md saying what the catalogue says is generated-docs.spec.ts's). Failing means a code
// shipped without its entry.
import { isErrorCode } from '@lnbx/contracts';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
/** The sandboxes stand in for LNB and Xero: their errors are the other side's, not our codes. */
const SOURCES = [
  'apps/lnb-poller',
  'apps/mapper',
  'apps/xero-exporter',
  'apps/monitor-api',
  'libs/contracts',
  'libs/messaging',
  'libs/event-store',
  'libs/platform',
  'libs/lnb-client',
  'libs/scheduling',
];

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((f) => f.isFile() && f.name.endsWith('.ts') && !/\.(spec|int-spec|e2e-spec)\.ts$/.test(f.name) && f.name !== 'testing.ts')
    .map((f) => path.join(f.parentPath, f.name));
}

describe('the error catalogue', () => {
  it('has every code the services and libs write', () => {
    const unknown = new Set<string>();
    for (const file of SOURCES.flatMap(sourceFiles)) {
      for (const [, code] of readFileSync(file, 'utf8').matchAll(/['"`]([A-Z]+\.[A-Z][A-Z0-9_]+)['"`]/g)) {
        if (!isErrorCode(code)) unknown.add(`${code} (${path.relative(ROOT, file)})`);
      }
    }
    expect([...unknown]).toEqual([]);
  });
});
