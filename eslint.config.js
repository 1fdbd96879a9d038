import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const restricted = (patterns) => ['error', { patterns }];

/** Every Tempoflow folder with I/O (what pure code and the workflow bundle must not reach), as import paths from `up`. */
const IO_FOLDERS = ['infra', 'events', 'runs', 'dev', 'bundle', 'activities', 'workflows', 'worker', 'api', 'cli'];
const outside = (up, except = []) =>
  IO_FOLDERS.filter((d) => !except.includes(d)).flatMap((d) => [`${up}/${d}/*`, `${up}/../${d}/*`]);

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
      // Plain CommonJS loaded into the Temporal SDK's workflow threads (worker/workflow-threads.ts).
      'worker/workflow-thread-preload.cjs',
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
          group: ['node:*', '@temporalio/*', '!@temporalio/common', 'postgres', 'express', ...outside('..')],
          message: `${dir}/ is pure: no I/O, no Node built-ins, no Temporal.`,
        },
        { group: ['@temporalio/common'], allowTypeImports: true, message: `${dir}/ takes only types from Temporal.` },
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
            ...outside('..', ['activities', 'workflows']),
          ],
          message: 'Workflow code imports only @temporalio/workflow, flow/ and types from activities/.',
        },
        { group: ['../activities/*'], allowTypeImports: true, message: 'Import activity types only (import type).' },
        {
          group: ['zod', '../flow/*', '../../flow/*', '!../flow/core.js', '!../../flow/core.js'],
          allowTypeImports: true,
          message:
            'Workflow code takes values from flow/core.ts only: zod in the sandbox costs ~1.4 MiB per cached run.',
        },
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
        {
          group: ['../activities/*', '../../activities/*', '../worker/*', '../../worker/*'],
          message: 'The API stands alone: it loads neither the activities nor the worker (the replayer is in bundle/).',
        },
      ]),
    },
  },
  // The lower layers: infra/ imports no other Tempoflow folder; events/, runs/ and bundle/ import only
  // flow/, infra/ and each other, so the API and the CLI can load them without the worker's code.
  {
    files: ['infra/**/*.ts'],
    rules: {
      'no-restricted-imports': restricted([
        { group: [...outside('..', ['infra']), '../flow/*', '../langflow/*'], message: 'infra/ is the bottom layer.' },
      ]),
    },
  },
  {
    files: ['events/**/*.ts', 'runs/**/*.ts', 'bundle/**/*.ts'],
    rules: {
      'no-restricted-imports': restricted([
        {
          group: outside('..', ['infra', 'events', 'runs', 'bundle']),
          message:
            'events/, runs/ and bundle/ import only flow/, infra/ and each other (bundle/ reaches workflows/ by path).',
        },
      ]),
    },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts', 'chaos/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
);
