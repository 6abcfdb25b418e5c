import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PluginError } from '@interlink/plugin-server';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { V1Container } from '@kubernetes/client-node';
import { containerFiles } from '../../src/store/job-files';
import { envFromNul, envList, expectedEnv, podText, splitNul } from '../arbitraries';
import { makeCreate, makePod } from '../fixtures';
import { stubCalls, writeArgvStub } from '../script-run';
import { shellJoin } from '../../src/shell/shell-quote';
import { ctx, requireSlurm, startSidecar, waitTerminated, type TestSidecar } from './harness';

// Real Slurm on a shared 2-core machine: allow for a busy scheduler.
vi.setConfig({ testTimeout: 180_000 });

let sc: TestSidecar;
// An mpiexec that prints its argv, and a place for working directories with hostile names.
const scratch = mkdtempSync(join(tmpdir(), 'slurm-inject-'));
chmodSync(scratch, 0o755);
const mpiexec = writeArgvStub(join(scratch, 'bin'), 'mpiexec');
const canary = join(scratch, 'CANARY');
beforeAll(async () => {
  await requireSlurm(true);
  sc = await startSidecar({ LogTimestamps: false, MpiexecPath: mpiexec });
});
afterAll(async () => {
  await sc?.cleanup();
  rmSync(scratch, { recursive: true, force: true });
});

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

describe('pod text outside argv and env, through sbatch (real Slurm)', () => {
  it('pod names that could break the script are refused with 400 before anything is written or submitted', async () => {
    for (const name of ['x\n#SBATCH --uid=0', `x\ntouch ${canary}`, 'Upper', 'a_b', '$(id)']) {
      const pod = makePod({ name, containers: [{ name: 'c', image: 'none', command: ['/bin/true'] }] });
      const err = await sc.backend.create(makeCreate(pod), ctx()).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PluginError);
      expect((err as PluginError).status).toBe(400);
      expect((err as PluginError).message).toMatch(/metadata\.name .* is not a valid DNS-1123 subdomain/s);
      expect(readdirSync(sc.root).filter((d) => d.includes(pod.metadata!.uid!))).toEqual([]);
    }
    expect(existsSync(canary)).toBe(false);
  });

  it('workingDir, mpi-flags and ConfigMap keys with shell syntax reach the job literally', async () => {
    const hostile = [`$(touch ${canary})`, `\`touch ${canary}\``, `x; touch ${canary}`, `a'b"c`, 'l1\nl2'];
    const wd = join(scratch, `wd ${hostile.join(' ').replaceAll('/', '_')}`);
    mkdirSync(wd);
    const key = `k ${hostile.join('').replaceAll('/', '_')}`;
    const pod = makePod({
      name: 'inject-text',
      annotations: {
        'slurm-job.vk.io/container-runtime': 'none',
        'slurm-job.vk.io/mpi-flags': shellJoin(['--bind-to', ...hostile]),
        'slurm-job.vk.io/image-root': `$(touch ${canary})/`,
      },
      volumes: [{ name: 'cfg', configMap: { name: 'cm' } }],
      containers: [
        {
          name: 'main',
          image: hostile[0],
          command: ['/usr/bin/printf', ...hostile],
          args: hostile,
          workingDir: wd,
          volumeMounts: [{ name: 'cfg', mountPath: '/cfg', subPath: key }],
        },
      ],
    });
    const create = makeCreate(pod, { configMaps: [{ metadata: { name: 'cm' }, data: { [key]: 'value' } }] });
    await sc.backend.create(create, ctx());
    const st = await waitTerminated(sc.backend, pod, 180_000);
    const dir = sc.backend.store.dirOf('default', pod.metadata!.uid!);
    const out = readFileSync(containerFiles(dir, 'run', 'main').out);
    expect(st.containers[0]?.state?.terminated?.exitCode, out.toString()).toBe(0);
    expect(stubCalls(out)).toEqual([
      {
        cwd: wd,
        argv: ['-np', '1', '--bind-to', ...hostile, '/usr/bin/printf', ...hostile, ...hostile],
      },
    ]);
    expect(readFileSync(join(dir, 'configMaps', 'cfg', key), 'utf8')).toBe('value');
    expect(readFileSync(join(dir, 'job.out'), 'utf8')).toContain('for pod default/inject-text on');
    expect(existsSync(canary)).toBe(false);
  });
});
