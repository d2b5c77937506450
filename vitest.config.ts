import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

// Tests run from TypeScript sources across workspace packages through the
// "@ocikit/source" export condition; end-to-end tests spawn the built CLIs.
export default defineConfig({
  ssr: { resolve: { conditions: ['@ocikit/source', ...defaultServerConditions] } },
  resolve: { conditions: ['@ocikit/source'] },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default', './test/support/count-reporter.ts'],
  },
});
