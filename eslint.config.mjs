// Lint, and the architecture as rules: an app never imports another app; contracts import nothing of
// ours; plumbing imports only contracts and plumbing; each service sees only its own scope and shared.
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

export default [
  { ignores: ['**/node_modules/**', '**/dist/**', '.local/**', '.nx/**', 'coverage/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: [] },
            { sourceTag: 'type:plumbing', onlyDependOnLibsWithTags: ['type:contracts', 'type:plumbing'] },
            { sourceTag: 'type:client', onlyDependOnLibsWithTags: ['type:contracts', 'type:plumbing'] },
            { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:contracts', 'type:plumbing', 'type:client'] },
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:contracts', 'type:plumbing', 'type:client', 'type:testing'] },
            { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
            { sourceTag: 'scope:lnb', onlyDependOnLibsWithTags: ['scope:shared'] },
            { sourceTag: 'scope:poller', onlyDependOnLibsWithTags: ['scope:poller', 'scope:shared', 'scope:lnb'] },
            { sourceTag: 'scope:mapper', onlyDependOnLibsWithTags: ['scope:mapper', 'scope:shared'] },
            { sourceTag: 'scope:exporter', onlyDependOnLibsWithTags: ['scope:exporter', 'scope:shared'] },
            { sourceTag: 'scope:monitor', onlyDependOnLibsWithTags: ['scope:monitor', 'scope:shared'] },
            { sourceTag: 'scope:sandbox', onlyDependOnLibsWithTags: ['scope:sandbox', 'scope:shared', 'scope:lnb'] },
          ],
        },
      ],
    },
  },
  {
    // Tests may use the testing lib (type:testing is allowed only here and in apps' test files).
    files: ['**/*.spec.ts', '**/*.int-spec.ts', '**/*.e2e-spec.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    languageOptions: { globals: { require: 'readonly', module: 'writable', __dirname: 'readonly', process: 'readonly', console: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
];
