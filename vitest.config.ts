import { defineConfig } from 'vitest/config';
import IntegrationFirst from './test/helpers/sequencer.js';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    setupFiles: ['test/helpers/host.ts'],
    testTimeout: 180_000,
    hookTimeout: 180_000,
    // Two cores: each integration file runs its own pair of mariadbd servers.
    maxWorkers: 2,
    fileParallelism: true,
    sequence: { sequencer: IntegrationFirst },
  },
});
