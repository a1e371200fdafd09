// Test levels by file suffix: *.spec.ts = unit (no I/O), *.int-spec.ts = real Kafka + Postgres + sandboxes,
// *.e2e-spec.ts = the whole system driven as a user would (browser included), *.fault-spec.ts = the whole system under faults.
const { pathsToModuleNameMapper } = require('./tools/test/paths');

const common = {
  testEnvironment: 'node',
  rootDir: __dirname,
  transform: {
    '^.+\\.ts$': ['@swc/jest', require('./tools/runtime/swc-options')],
  },
  moduleNameMapper: pathsToModuleNameMapper(),
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  setupFiles: ['reflect-metadata'],
};

module.exports = {
  reporters: ['default', '<rootDir>/tools/test/summary-reporter.js'],
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs,tools,bench}/**/*.spec.ts'] },
    {
      ...common,
      displayName: 'int',
      testMatch: ['<rootDir>/{apps,libs,tools}/**/*.int-spec.ts'],
      globalSetup: '<rootDir>/libs/testing/src/global-setup.ts',
      globalTeardown: '<rootDir>/libs/testing/src/global-teardown.ts',
      setupFilesAfterEnv: ['<rootDir>/tools/test/long-timeout.js'],
    },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/{apps,libs,tools}/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/libs/testing/src/global-setup.ts',
      globalTeardown: '<rootDir>/libs/testing/src/global-teardown.ts',
      setupFilesAfterEnv: ['<rootDir>/tools/test/long-timeout.js'],
    },
    // The whole system under faults, on a broker and a PostgreSQL server of its own (tools/fault): no global setup.
    {
      ...common,
      displayName: 'fault',
      testMatch: ['<rootDir>/tools/**/*.fault-spec.ts'],
      setupFilesAfterEnv: ['<rootDir>/tools/test/long-timeout.js'],
    },
  ],
};
