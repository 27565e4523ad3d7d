import { defineConfig } from 'vitest/config';

// The 3 s in-process soak (leaks, latency under refresh churn): run by `pnpm soak`, not by
// `pnpm test`, whose suite must stay fast and free of wall-clock bounds.
export default defineConfig({
  test: {
    root: 'packages/models-middleware',
    include: ['test/faults/soak.soak.ts'],
    testTimeout: 60_000,
  },
});
