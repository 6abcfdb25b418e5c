import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runOk } from '@interlink/testbench';

/** Where the upstream Go programs are, or why the suite cannot run against them. */
export type UpstreamAvailability =
  { available: true; binDir: string; summary: string } | { available: false; reason: string };

const PROGRAMS = ['vk', 'interlink', 'slurm-plugin'] as const;
export type UpstreamProgram = (typeof PROGRAMS)[number];

/**
 * Builds the upstream programs through the bench (a no-op when they are cached) and finds them.
 * In CI a missing tarball or a failed build is an error; elsewhere the suite reports why it did
 * not run.
 */
export async function locateUpstream(): Promise<UpstreamAvailability> {
  try {
    await runOk('bash', ['tools/testbench/testbench.sh', 'up', 'upstream'], { timeoutMs: 30 * 60_000 });
  } catch (err) {
    if (process.env.CI === 'true') throw err;
    return { available: false, reason: `upstream build failed: ${(err as Error).message.split('\n')[0]}` };
  }
  const env = await runOk('bash', ['tools/testbench/testbench.sh', 'env']);
  const binDir = /INTERLINK_UPSTREAM_BIN=(\S*)/.exec(env)?.[1] ?? '';
  if (binDir === '' || !PROGRAMS.every((p) => existsSync(join(binDir, p)))) {
    const status = await runOk('bash', ['tools/testbench/testbench.sh', 'status', 'upstream']).catch(
      (e: Error) => e.message,
    );
    const line = status.split('\n').find((l) => l.startsWith('upstream')) ?? status.trim();
    const reason = line.replace(/^upstream\s+(unavailable\s+)?/, '');
    if (process.env.CI === 'true') throw new Error(`upstream programs unavailable in CI: ${reason}`);
    return { available: false, reason };
  }
  const info = readFileSync(join(binDir, 'upstream.env'), 'utf8');
  const version = /UPSTREAM_INTERLINK_VERSION=(\S+)/.exec(info)?.[1] ?? '?';
  return { available: true, binDir, summary: `upstream interLink ${version} built in ${binDir}` };
}

export function upstreamBinary(binDir: string, program: UpstreamProgram): string {
  return join(binDir, program);
}
