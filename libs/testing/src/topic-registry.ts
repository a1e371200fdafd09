// The topic prefixes a jest run made, in a file named by the run (LNBX_TEST_RUN, set by the global setup and
// inherited by every worker), so its global teardown can delete what the run created and nothing of another
// run on the same broker. Outside jest (a benchmark) nothing is written down.
import { appendFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

const RUN_VARIABLE = 'LNBX_TEST_RUN';

const registryFile = (run: string): string => path.join(tmpdir(), `lnbx-test-topics-${run}`);

export function recordTopicPrefix(prefix: string): void {
  const run = process.env[RUN_VARIABLE];
  if (run) appendFileSync(registryFile(run), `${prefix}\n`);
}

/** Names this process's run (once; the e2e project's setup finds it named by the int project's). */
export function startTopicRegistry(run: string): void {
  process.env[RUN_VARIABLE] ??= run;
}

/** The prefixes the run recorded, forgotten as they are read. */
export function takeRecordedPrefixes(): string[] {
  const run = process.env[RUN_VARIABLE];
  if (!run) return [];
  const file = registryFile(run);
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  rmSync(file, { force: true });
  return [...new Set(text.split('\n').filter(Boolean))];
}
