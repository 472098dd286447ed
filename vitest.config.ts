import { defineConfig } from 'vitest/config';
import { SummaryReporter } from './scripts/summary-reporter.js';

// One runner for every package: unit tests beside each package (packages/*/test) and cross-package,
// multi-process tests in test/. Packages import each other through their built dist/ (npm test builds
// first), exactly as users consume them.
export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    reporters: ['default', new SummaryReporter()],
  },
});
