import { fileURLToPath } from 'node:url';
import { configDefaults, defineConfig } from 'vitest/config';
import SummaryReporter from './scripts/summary-reporter.js';

// Vitest 4 reads no workspace file on its own: this is the root config, and the test script
// points at it. Every project inherits the settings below (`extends: true`) and names only itself.
/** An absolute path: each project resolves setup files from its own root. */
const ESCAPE_GUARD = fileURLToPath(new URL('./scripts/escape-guard.ts', import.meta.url));

export default defineConfig({
  test: {
    reporters: ['default', new SummaryReporter()],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Fails the test during which an error escapes to the event loop (every project, every file).
    setupFiles: [ESCAPE_GUARD],
    projects: [
      {
        extends: true,
        test: {
          name: 'models-middleware',
          root: 'packages/models-middleware',
          include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, 'test/package/**'],
        },
      },
      {
        // The packed tarball installed by npm into projects outside the workspace. Its global setup
        // packs once and runs one npm install per consumer project, reaching the npm registry.
        extends: true,
        test: {
          name: 'package',
          root: 'packages/models-middleware',
          include: ['test/package/**/*.test.ts'],
          globalSetup: ['test/package/global-setup.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'proxy',
          root: 'apps/proxy',
          include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, 'test/clients/**'],
        },
      },
      {
        extends: true,
        test: {
          // The real Codex CLI and Claude Code against the demo: its global setup installs the
          // pinned clients (test/clients/support/pinned.ts) into .cache/clients/ on first use.
          name: 'clients',
          root: 'apps/proxy',
          include: ['test/clients/**/*.test.ts'],
          globalSetup: ['test/clients/support/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
