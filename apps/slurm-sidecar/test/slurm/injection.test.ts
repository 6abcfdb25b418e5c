import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { V1Container } from '@kubernetes/client-node';
import { containerFiles } from '../../src/store/job-files';
import { envFromNul, envList, expectedEnv, podText, splitNul } from '../arbitraries';
import { makeCreate, makePod } from '../fixtures';
import { ctx, requireSlurm, startSidecar, waitTerminated, type TestSidecar } from './harness';

// Real Slurm on a shared 2-core machine: allow for a busy scheduler.
vi.setConfig({ testTimeout: 180_000 });

let sc: TestSidecar;
beforeAll(async () => {
  await requireSlurm(true);
  sc = await startSidecar({ LogTimestamps: false });
});
afterAll(async () => sc?.cleanup());

/**
 * Arbitrary strings (quotes, $(…), backticks, newlines, ;, Unicode) in args, env names and
 * env values, through the real sbatch and the job script: each sample is a pair of
 * containers in one pod, and the process must see exactly what the pod said.
 */
const sample = fc.record({ args: fc.array(podText(), { minLength: 1, maxLength: 5 }), env: envList(5) });

async function runSamples(
  runtime: 'none' | 'docker',
  samples: { args: string[]; env: { name: string; value: string }[] }[],
) {
  const image = runtime === 'docker' ? 'busybox:latest' : 'none';
  const printf = runtime === 'docker' ? 'printf' : '/usr/bin/printf';
  const env = runtime === 'docker' ? 'env' : '/usr/bin/env';
  const containers: V1Container[] = samples.flatMap((s, i) => [
    { name: `args-${i}`, image, command: [printf, '%s\\0'], args: s.args, env: s.env },
    { name: `env-${i}`, image, command: [env, '-0'], env: s.env },
  ]);
  const pod = makePod({
    name: `inject-${runtime}`,
    annotations: { 'slurm-job.vk.io/container-runtime': runtime },
    containers,
  });
  await sc.backend.create(makeCreate(pod), ctx());
  const st = await waitTerminated(sc.backend, pod, 180_000);
  const dir = sc.backend.store.dirOf('default', pod.metadata!.uid!);
  samples.forEach((s, i) => {
    const out = (name: string) => readFileSync(containerFiles(dir, 'run', name).out);
    expect(
      st.containers.find((c) => c.name === `args-${i}`)?.state?.terminated?.exitCode,
      out(`args-${i}`).toString(),
    ).toBe(0);
    expect(splitNul(out(`args-${i}`))).toEqual(s.args);
    const seen = envFromNul(out(`env-${i}`));
    for (const [name, value] of expectedEnv(s.env))
      expect(seen.get(name), `env ${JSON.stringify(name)}`).toBe(value);
  });
}

describe('shell safety through sbatch (real Slurm)', () => {
  // The seed is printed so that a failing sample can be reproduced.
  const seed = Number(process.env['FC_SEED'] ?? Date.now() % 1_000_000);
  console.log(`injection samples: FC_SEED=${seed}`);

  it('none runtime: 3 pods x 20 arbitrary samples', async () => {
    for (let round = 0; round < 3; round++)
      await runSamples('none', fc.sample(sample, { numRuns: 20, seed: seed + round }));
  }, 300_000);

  it('docker runtime: 12 arbitrary samples (names docker can pass)', async () => {
    // Docker keeps env entries by name only; a name with whitespace or starting with "#"
    // goes through -e, which the property covers as well.
    await runSamples('docker', fc.sample(sample, { numRuns: 12, seed: seed + 10 }));
  }, 300_000);
});
