// ESLint for `npm run lint` (eslint src test) and test/unit/lint.test.ts, which runs this very file on small trees.
// typescript-eslint's recommended rules (not the type-checked set: it stays fast), and the rule that only the
// entry points (src/cli, src/bench) touch `process`: everything else gets what it needs from them as arguments.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

const PROCESS_ONLY_IN_ENTRY_POINTS = 'process.* belongs to src/cli and src/bench: take what you need (env, argv, streams, signals) as an argument.';

export default defineConfig(
  { ignores: ['dist/**', 'node_modules/**', 'test/fixtures/**'] },
  {
    files: ['**/*.ts'],
    extends: [js.configs.recommended, tseslint.configs.recommended],
    rules: {
      // A leading underscore says "unused on purpose" (a callback's unneeded argument, a skipped tuple element).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/cli/**', 'src/bench/**'],
    rules: {
      'no-restricted-globals': ['error', { name: 'process', message: PROCESS_ONLY_IN_ENTRY_POINTS }],
      'no-restricted-properties': ['error', { object: 'globalThis', property: 'process', message: PROCESS_ONLY_IN_ENTRY_POINTS }],
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'node:process', message: PROCESS_ONLY_IN_ENTRY_POINTS },
            { name: 'process', message: PROCESS_ONLY_IN_ENTRY_POINTS },
          ],
        },
      ],
    },
  },
);
