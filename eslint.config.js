// ESLint for `npm run lint` (eslint src test) and test/unit/lint.test.ts, which runs this very file on small trees.
// typescript-eslint's recommended rules (not the type-checked set: it stays fast), and the rule that only the
// entry points (src/cli, src/bench) touch `process`: everything else gets what it needs from them as arguments.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

const METHOD_NAME_SELECTOR =
  "BinaryExpression[operator=/^[!=]==?$/]:matches([left.value=/^(classic|online|physical|clone)$/], [right.value=/^(classic|online|physical|clone)$/])";
const ASK_THE_METHOD =
  'A copy method is a strategy (issue 27): ask its traits (config/copy-methods.ts, recovery/copy-method.ts) instead of comparing its name.';
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
  {
    // Only the methods' own modules may name a method; the bench and the lab drive the tool from outside.
    files: ['src/**/*.ts'],
    ignores: ['src/config/copy-methods.ts', 'src/recovery/copy-method.ts', 'src/recovery/physical/**', 'src/bench/**', 'src/lab/**'],
    rules: { 'no-restricted-syntax': ['error', { selector: METHOD_NAME_SELECTOR, message: ASK_THE_METHOD }] },
  },
);
