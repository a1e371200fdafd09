// Runtime resolution of the @lnbx/* aliases for the compiled apps: maps each alias onto its file in dist/.
const path = require('path');
const tsconfigPaths = require('tsconfig-paths');
const { compilerOptions } = require('../../tsconfig.base.json');

const paths = {};
for (const [alias, [target]] of Object.entries(compilerOptions.paths)) {
  paths[alias] = [target.replace(/\.ts$/, '.js')];
}
tsconfigPaths.register({ baseUrl: path.join(__dirname, '../../dist'), paths });
require('reflect-metadata');
