// A generated doc that differs from what its generator writes now is stale: a contract or a code changed
// without its doc. The fix is always to run the generator (`npm run <script>`), never to edit the doc.
import * as path from 'node:path';
import { errorsDoc } from './errors-catalogue';
import { eventsDoc } from './events-catalogue';
import { current } from './generated-doc';

const ROOT = path.resolve(__dirname, '../..');

describe.each([eventsDoc, errorsDoc].map((doc) => [path.relative(ROOT, doc.file), doc.script, doc] as const))('%s', (_file, script, doc) => {
  it(`is what npm run ${script} writes now`, () => {
    expect(current(doc)).toBe(doc.render());
  });
});
