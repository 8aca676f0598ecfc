// ESLint (flat config) for the project's JavaScript: the recommended rules, browser globals for the page,
// Node and browser globals elsewhere (tests and benchmarks run code in both). Formatting is Prettier's
// (.prettierrc.json, print width 120, as .clang-format for C++); scripts/lint.sh runs both.
import js from '@eslint/js';
import globals from 'globals';

export default [
  { ignores: ['dist/**', 'build/**', 'node_modules/**', 'tests/package/types/**'] },
  js.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 'latest',
      sourceType: 'module',
      globals: { ...globals.node, ...globals.browser },
    },
    rules: {
      // a rest sibling may drop a property on purpose: const { events, ...outputs } = result
      'no-unused-vars': ['error', { argsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'prefer-const': 'error',
      'no-var': 'error',
    },
  },
  {
    files: ['web/**/*.js'],
    languageOptions: { globals: globals.browser },
    rules: {
      // functions short enough to read at once (STYLE.md)
      'max-lines-per-function': ['error', { max: 50, skipBlankLines: true, skipComments: true }],
    },
  },
];
