import { defineConfig } from 'vitest/config';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

// Workspace libs resolve through the same tsconfig paths that esbuild and tsc use.
const base = JSON.parse(readFileSync(resolve(__dirname, 'tsconfig.base.json'), 'utf8'));
const paths: Record<string, string[]> = base.compilerOptions.paths;
const alias = Object.fromEntries(
  Object.entries(paths).map(([name, [target]]) => [name, resolve(__dirname, target as string)]),
);

export default defineConfig({
  resolve: { alias },
  define: { __INTERLINK_VERSION__: JSON.stringify('0.0.0-test') },
  test: {
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
    include: ['**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
  },
});
