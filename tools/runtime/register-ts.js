// Runs the TypeScript sources directly (demo, tests that spawn services): compiles each .ts file with
// swc on require (decorators and their metadata included, as tsc would) and maps the @lnbx/* aliases.
const fs = require('fs');
const path = require('path');
const { transformSync } = require('@swc/core');
const tsconfigPaths = require('tsconfig-paths');
const { compilerOptions } = require('../../tsconfig.base.json');

const root = path.join(__dirname, '../..');
tsconfigPaths.register({ baseUrl: root, paths: compilerOptions.paths });

const swcOptions = require('./swc-options');

require.extensions['.ts'] = function compileTs(module, filename) {
  const source = fs.readFileSync(filename, 'utf8');
  const { code } = transformSync(source, { ...swcOptions, filename });
  module._compile(code, filename);
};
require('reflect-metadata');
