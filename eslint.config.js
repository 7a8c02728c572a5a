// ESLint for `npm run lint` (eslint src test) and test/unit/lint.test.ts, which runs this very file on small trees.
// typescript-eslint's recommended rules (not the type-checked set: it stays fast), and the rule that only the
// entry points (src/cli, src/bench) touch `process`: everything else gets what it needs from them as arguments.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

const METHOD_NAME_SELECTOR =
  'BinaryExpression[operator=/^[!=]==?$/]:matches([left.value=/^(classic|online|physical|clone)$/], [right.value=/^(classic|online|physical|clone)$/])';
const ASK_THE_METHOD =
  'A copy method is a strategy (issue 27): ask its traits (config/copy-methods.ts, recovery/copy-method.ts) instead of comparing its name.';
// settings.good, ctx.settings.badAddress, …: a server's address worked out from the settings again.
const SERVER_FROM_SETTINGS_SELECTOR =
  "MemberExpression:matches([object.name='settings'], [object.property.name='settings'])[property.name=/^(good|bad|goodAddress|badAddress|donor)$/]";
const TAKE_THE_MEMBER =
  'A server is a member (issue 27): take its address, replication address, endpoint or name from ctx.members (config/members.ts), resolved once, instead of the settings.';
const PROCESS_ONLY_IN_ENTRY_POINTS = 'process.* belongs to src/cli and src/bench: take what you need (env, argv, streams, signals) as an argument.';

const METHOD_MODULES = ['src/config/copy-methods.ts', 'src/recovery/copy-method.ts', 'src/recovery/physical/**'];
const METHOD_NAME = { selector: METHOD_NAME_SELECTOR, message: ASK_THE_METHOD };
const SERVER_FROM_SETTINGS = { selector: SERVER_FROM_SETTINGS_SELECTOR, message: TAKE_THE_MEMBER };

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
  // no-restricted-syntax: a later block replaces an earlier one's list for the files both match, so each block below
  // names every selector its files get.
  {
    // Only the methods' own modules may name a method; the bench and the lab drive the tool from outside.
    files: ['src/**/*.ts'],
    ignores: [...METHOD_MODULES, 'src/bench/**', 'src/lab/**', 'src/recovery/**'],
    rules: { 'no-restricted-syntax': ['error', METHOD_NAME] },
  },
  {
    // The recovery takes its servers from ctx.members. The copy method (exempt from both) asks only whether a donor is
    // given, from the options alone: the runner, the throttle's header and the metadata-lock watch ask it without a context.
    files: ['src/recovery/**/*.ts'],
    ignores: METHOD_MODULES,
    rules: { 'no-restricted-syntax': ['error', METHOD_NAME, SERVER_FROM_SETTINGS] },
  },
  {
    files: ['src/recovery/physical/**/*.ts'],
    rules: { 'no-restricted-syntax': ['error', SERVER_FROM_SETTINGS] },
  },
);
