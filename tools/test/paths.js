// Jest's moduleNameMapper from tsconfig.base.json's paths, so tests import libs as the apps do.
const { compilerOptions } = require('../../tsconfig.base.json');
const path = require('path');

exports.pathsToModuleNameMapper = () => {
  const out = {};
  for (const [alias, [target]] of Object.entries(compilerOptions.paths)) {
    out[`^${alias.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`] = path.join(__dirname, '../..', target);
  }
  return out;
};
