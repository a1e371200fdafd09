// Lint, and the architecture as rules: an app never imports another app; contracts import nothing of
// ours; plumbing imports only contracts and plumbing; each service sees only its own scope and shared.
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

// Production code of an app; its tests may also use the testing lib and the sandboxes (see below).
const APP_DEPS = ['type:contracts', 'type:domain', 'type:plumbing', 'type:client'];
const TEST_DEPS = [...APP_DEPS, 'type:testing', 'type:sandbox'];

const DEP_CONSTRAINTS = [
  { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: [] },
  // Rules more than one app decides by (schedules): pure functions, so no framework, broker or database.
  {
    sourceTag: 'type:domain',
    onlyDependOnLibsWithTags: ['type:contracts', 'type:domain'],
    bannedExternalImports: ['@nestjs/*', 'kafkajs', 'pg', 'express'],
  },
  { sourceTag: 'type:plumbing', onlyDependOnLibsWithTags: ['type:contracts', 'type:plumbing'] },
  { sourceTag: 'type:client', onlyDependOnLibsWithTags: ['type:contracts', 'type:plumbing'] },
  { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:contracts', 'type:plumbing', 'type:client', 'type:sandbox'] },
  { sourceTag: 'type:sandbox', onlyDependOnLibsWithTags: ['type:contracts', 'type:plumbing', 'type:sandbox'] },
  { sourceTag: 'type:app', onlyDependOnLibsWithTags: APP_DEPS },
  // The sandboxes' thin entry points start what their libs hold.
  { sourceTag: 'type:sandbox-app', onlyDependOnLibsWithTags: ['type:sandbox', 'type:contracts', 'type:plumbing'] },
  { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
  { sourceTag: 'scope:lnb', onlyDependOnLibsWithTags: ['scope:shared'] },
  { sourceTag: 'scope:poller', onlyDependOnLibsWithTags: ['scope:poller', 'scope:shared', 'scope:lnb'] },
  { sourceTag: 'scope:mapper', onlyDependOnLibsWithTags: ['scope:mapper', 'scope:shared'] },
  { sourceTag: 'scope:exporter', onlyDependOnLibsWithTags: ['scope:exporter', 'scope:shared'] },
  { sourceTag: 'scope:monitor', onlyDependOnLibsWithTags: ['scope:monitor', 'scope:shared'] },
  { sourceTag: 'scope:sandbox', onlyDependOnLibsWithTags: ['scope:sandbox', 'scope:shared', 'scope:lnb'] },
];

/** The rules for production code, or (forTests) widened so every test may use the testing lib and the sandboxes. */
function boundaries(forTests) {
  const extraScopes = forTests ? ['scope:sandbox', 'scope:lnb'] : [];
  const extraTypes = forTests ? ['type:testing', 'type:sandbox'] : [];
  const widen = (c) => {
    if (c.sourceTag === 'type:app') return { ...c, onlyDependOnLibsWithTags: forTests ? TEST_DEPS : APP_DEPS };
    if (c.sourceTag.startsWith('scope:')) return { ...c, onlyDependOnLibsWithTags: [...c.onlyDependOnLibsWithTags, ...extraScopes] };
    return { ...c, onlyDependOnLibsWithTags: [...c.onlyDependOnLibsWithTags, ...extraTypes] };
  };
  return ['error', { enforceBuildableLibDependency: false, allow: [], depConstraints: DEP_CONSTRAINTS.map(widen) }];
}

export default [
  { ignores: ['**/node_modules/**', '**/dist/**', '.local/**', '.nx/**', 'coverage/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@nx/enforce-module-boundaries': boundaries(false),
    },
  },
  {
    // Each event is a namespace (InvoiceDetected.Value, InvoiceDetected.definition): on purpose.
    files: ['libs/contracts/src/events/**/*.ts'],
    rules: { '@typescript-eslint/no-namespace': 'off' },
  },
  {
    // Tests, benchmarks and the demo may also start sandboxes and use the testing lib.
    files: ['**/*.spec.ts', '**/*.int-spec.ts', '**/*.e2e-spec.ts', '**/testing.ts', '**/testing/**/*.ts', 'bench/**/*.ts'],
    plugins: { '@nx': nx },
    rules: { '@nx/enforce-module-boundaries': boundaries(true) },
  },
  {
    // An app's domain/ is pure: no framework, broker or database (nor the plumbing that wraps them), so it runs
    // in a unit test with no I/O. What more than one app decides by goes to a `type:domain` lib instead.
    files: ['apps/*/src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@nestjs/*', 'kafkajs', 'pg', 'pg-*', 'express', '@lnbx/messaging', '@lnbx/event-store', '@lnbx/platform'],
              message: 'domain/ is pure: no Nest, Kafka, pg or HTTP (they belong in handlers/, store/, workers/ or http/).',
            },
          ],
        },
      ],
    },
  },
  {
    // A benchmark starts an app's module (or its own bootstrap) and takes what it measures from the context:
    // of an app it imports only app.module, config and testing (builders, and the providers it gets).
    files: ['bench/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: 'apps/[^/]+/src/(?!(app\\.module|config|testing)$)',
              message:
                "A benchmark starts the app's module (NestFactory.createApplicationContext(AppModule.forRoot(...))) and imports only app.module, config and testing from it.",
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    languageOptions: { globals: { require: 'readonly', module: 'writable', __dirname: 'readonly', process: 'readonly', console: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
];
