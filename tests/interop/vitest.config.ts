import { defineConfig, mergeConfig } from 'vitest/config';
// The workspace's own vitest config (tooling, not a project dependency).
// eslint-disable-next-line @nx/enforce-module-boundaries
import root from '../../vitest.config';

// Each chain is one file with its own processes and ports, so the files run side by side: the
// chains mostly wait (upstream's node controller polls every 5 s), running them one after the
// other would take about four times as long.
export default mergeConfig(
  root,
  defineConfig({
    test: {
      globalSetup: ['tests/interop/test/support/global-setup.ts'],
      fileParallelism: true,
      poolOptions: { forks: { maxForks: 5, minForks: 1 } },
    },
  }),
);
