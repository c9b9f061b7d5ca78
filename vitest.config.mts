import { createRequire } from 'node:module';
import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);
const QUIET_TESTS = ['test/**/*.quiet.test.ts', 'test/integration/fuzz/*.fuzz.test.ts'];
/** The admin console in Debian's Chromium (playwright-core), against a real Portico on the embedded database. */
const E2E_TESTS = ['test/e2e/**/*.e2e.test.ts'];

export default defineConfig({
  plugins: [
    // esbuild emits no decorator metadata; SWC does (MikroORM and type-graphql need it).
    swc.vite({
      jsc: {
        parser: { syntax: 'typescript', decorators: true },
        target: 'es2022',
        keepClassNames: true,
        transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
      },
      module: { type: 'es6' },
    }),
  ],
  resolve: {
    // One graphql instance: type-graphql require()s the CommonJS build, so tests must use it too (the ESM
    // build of graphql-query-complexity imports graphql/index.mjs, a second copy).
    alias: [
      { find: /^graphql$/, replacement: require.resolve('graphql') },
      { find: /^graphql-query-complexity$/, replacement: require.resolve('graphql-query-complexity') },
    ],
  },
  test: {
    // Tests that assert latencies (and the fuzzers, which bound every request's time) run after the rest of
    // the suite, one file at a time, so that no other test file's servers share the cores with them.
    projects: [
      { extends: true, test: { name: 'suite', include: ['test/**/*.test.ts'], exclude: [...QUIET_TESTS, ...E2E_TESTS], sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: 'e2e', include: E2E_TESTS, sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: 'quiet', include: QUIET_TESTS, fileParallelism: false, sequence: { groupOrder: 1 } } },
    ],
    globalSetup: ['test/helpers/global-setup.ts'],
    setupFiles: ['test/helpers/setup.ts'],
    pool: 'forks',
    // Test files of a worker share its modules: each file importing the whole application again (type-graphql,
    // MikroORM, Apollo) was a third of the suite's time. Every file starts its own servers on its own database,
    // so no state of one test file is another's.
    isolate: false,
    testTimeout: 30_000,
    hookTimeout: 90_000,
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest.json' },
  },
});
