// Lint for the whole repository (`npm run lint`): typescript-eslint with type information,
// so that promises nobody waits for are caught. A rejected promise in a timer or an event
// handler ends the process (STYLE.md, rule 11), which is why those two rules are errors
// everywhere, tests included.
// The root tsconfig.json covers src, test, scripts and bench/*.ts; web/tsconfig.json covers
// web/src and the vite config; the project service finds the right one for each file.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: ['**/dist/**', '**/dist-server/**', '**/node_modules/**', 'data/**', 'test-results/**', '.tmp/**', 'bench/results/**'],
  },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: {
          // The benchmark peers import bullmq and pg-boss, which only bench/run.ts installs
          // (into bench/node_modules), so no tsconfig includes them; they are linted with the
          // root options and their imports typed as unknown.
          allowDefaultProject: ['bench/peers/*.ts'],
          defaultProject: 'tsconfig.json',
        },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          // node:test's test(), it() and describe() return a promise the runner itself
          // awaits; awaiting them in the file would serialise nothing and only add noise.
          allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite', 'before', 'after', 'beforeEach', 'afterEach'] }],
        },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      // `return promise` inside try/catch or try/finally leaves the try before the promise
      // settles: its rejection skips the catch and the finally runs too early.
      '@typescript-eslint/return-await': ['error', 'error-handling-correctness-only'],
      // A switch over a union (statuses, task types, frame actions) must name every member,
      // so adding one to protocol/enums.ts points at each switch that decides on it.
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      // Fastify hooks and handlers are async by contract (a hook without `done` must return a
      // promise), and an interface that returns a promise is often implemented synchronously
      // by one of its implementations (a dialect's clock, a fixed delay). An async function
      // without await is not a bug in either case.
      '@typescript-eslint/require-await': 'off',
      // `_name` marks a parameter a signature requires but the body does not use (migrations'
      // `down`, callbacks); `const { secret, ...rest } = row` is how a field is left out of a copy.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
      // `catch {}` where a failure is expected and its absence is the answer (probing a port, a
      // process that already exited) is the house idiom; a comment beside it says why.
      'no-empty': ['error', { allowEmptyCatch: true }],
    },
  },
  {
    // Tests and benchmarks read JSON bodies from the API as `any` and assert their shape at run
    // time; typing every body would copy the protocol into the tests without checking more.
    files: ['test/**', 'bench/**'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    // This file and other plain JavaScript: no type information to lint with.
    files: ['**/*.js', '**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
  },
);
