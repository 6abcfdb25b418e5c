import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import type { TestProject } from 'vitest/node';
import { ensureBench } from '@interlink/testbench';
import { locateUpstream } from './upstream-bins';

declare module 'vitest' {
  export interface ProvidedContext {
    upstreamBinDir: string;
    upstreamMissing: string;
  }
}

const NOT_RUN_NOTE = '.vitest-reports/interop-not-run.txt';

/**
 * Provisions the bench services every chain needs and the upstream binaries, once for all
 * files. Without the upstream sources (developer machine, not CI) every chain file reports
 * "NOT RUN" with the reason, and the banner below says so in the run's output.
 */
export default async function setup(project: TestProject): Promise<void> {
  await ensureBench(['docker', 'slurm', 'k8s']);
  const upstream = await locateUpstream();
  if (upstream.available) {
    rmSync(NOT_RUN_NOTE, { force: true });
    project.provide('upstreamBinDir', upstream.binDir);
    project.provide('upstreamMissing', '');
    return;
  }
  project.provide('upstreamBinDir', '');
  project.provide('upstreamMissing', upstream.reason);
  const banner = `interop suite NOT RUN: ${upstream.reason}`;
  process.stderr.write(`\n${'!'.repeat(banner.length)}\n${banner}\n${'!'.repeat(banner.length)}\n\n`);
  // tools/scripts/test-summary.mjs puts this into npm test's closing line
  mkdirSync('.vitest-reports', { recursive: true });
  writeFileSync(NOT_RUN_NOTE, `${banner}\n`);
}
