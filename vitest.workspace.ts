import { configDefaults, defineConfig } from 'vitest/config';
import SummaryReporter from './scripts/summary-reporter.js';

// Vitest 4 reads no workspace file on its own: this is the root config, and the test script
// points at it. Every project inherits the settings below (`extends: true`) and names only itself.
export default defineConfig({
  test: {
    reporters: ['default', new SummaryReporter()],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'models-middleware',
          root: 'packages/models-middleware',
          include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
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
