import { defineConfig, mergeConfig } from 'vitest/config';
// The workspace's own vitest config (tooling, not a project dependency).
// eslint-disable-next-line @nx/enforce-module-boundaries
import root from '../../vitest.config';

// The root config plus a global teardown that stops the stack once, after the last file.
export default mergeConfig(
  root,
  defineConfig({ test: { globalSetup: ['tests/e2e/test/support/global-setup.ts'] } }),
);
