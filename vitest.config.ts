import { availableParallelism, loadavg } from 'node:os';
import { defineConfig } from 'vitest/config';
import { SummaryReporter } from './scripts/summary-reporter.js';

// Default limits for a test and a hook, scaled like every start-up deadline (see
// packages/runtime/src/startup-deadline.ts): many tests start processes, whose start-up is CPU-bound,
// so on a busy machine the idle figure is multiplied by the load over the cores.
const loadFactor = Math.max(1, (loadavg()[0] ?? 0) / Math.max(1, availableParallelism()));
const limitMs = Math.round(30_000 * loadFactor);

// One runner for every package: unit tests beside each package (packages/*/test) and cross-package,
// multi-process tests in test/. Packages import each other through their built dist/ (npm test builds
// first), exactly as users consume them.
export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: limitMs,
    hookTimeout: limitMs,
    pool: 'forks',
    // Most test time is spent waiting on child processes, servers and timers, not computing: three
    // files at once on two cores keep the CPUs busy (vitest's default is cores - 1, one file at a time
    // here). SPECMESH_TEST_WORKERS overrides it.
    maxWorkers: Number(process.env.SPECMESH_TEST_WORKERS) || 3,
    // Test files share a worker's module cache (the built packages load once per worker, not once per
    // file): no test relies on module state another file left behind, and each cleans up what it starts.
    isolate: false,
    reporters: ['default', new SummaryReporter()],
  },
});
