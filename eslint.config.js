import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const restricted = (patterns) => ['error', { patterns }];

export default tseslint.config(
  {
    ignores: [
      'eslint.config.js',
      'node_modules/**',
      '.data/**',
      'test-artifacts/**',
      'test/fixtures/histories/**',
      'bin/**',
      'web/dist/**',
      'dist/**',
      // A plain-JavaScript launcher, like bin/: it runs before tsx is loaded.
      'worker/start.mjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  // flow/ and langflow/ are pure: the workflow bundle and the API both import them.
  ...['flow', 'langflow'].map((dir) => ({
    files: [`${dir}/**/*.ts`],
    rules: {
      'no-restricted-imports': restricted([
        {
          group: [
            'node:*',
            '@temporalio/*',
            'postgres',
            'express',
            '../lib/*',
            '../activities/*',
            '../workflows/*',
            '../api/*',
          ],
          message: `${dir}/ is pure: no I/O, no Node built-ins, no Temporal.`,
        },
      ]),
    },
  })),
  {
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': restricted([
        {
          group: [
            'node:*',
            'postgres',
            'express',
            'undici',
            'openai',
            'jsonata',
            '../lib/*',
            '../api/*',
            '../worker/*',
          ],
          message: 'Workflow code imports only @temporalio/workflow, flow/ and types from activities/.',
        },
        { group: ['../activities/*'], allowTypeImports: true, message: 'Import activity types only (import type).' },
      ]),
    },
  },
  {
    files: ['activities/**/*.ts'],
    rules: {
      'no-restricted-imports': restricted([
        {
          group: ['../workflows/*', '../../workflows/*', '../api/*', '../../api/*'],
          message: 'Activities never import workflows or the API.',
        },
      ]),
    },
  },
  {
    files: ['api/**/*.ts'],
    rules: {
      'no-restricted-imports': restricted([
        {
          group: ['../workflows/*', '../../workflows/*'],
          allowTypeImports: true,
          message: 'The API starts workflows by name; import workflow types only.',
        },
        { group: ['@temporalio/workflow'], message: 'The API never loads workflow code.' },
      ]),
    },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts', 'chaos/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
);
