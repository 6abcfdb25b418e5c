import { describe, expect, it } from 'vitest';
import { stack } from '@interlink/testbench';
import { useStackNamespace } from './support/stack-namespace';

const { apply, box, containerStatus, logs, virtualPod, waitPhase } = stack;

// What the workload sees: cpu/memory limits, and its arguments after $(VAR) expansion. Docker enforces them through the container's
// cgroup (v1 on this bench); Slurm here runs TaskPlugin=task/none, so what reaches the job is
// the allocation sbatch was given (--cpus-per-task, --mem), visible as SLURM_* variables.

const LIMITS = { cpu: '500m', memory: '48Mi' };

let ns = '';
useStackNamespace('e2e-resources', (created) => {
  ns = created;
});

describe('cpu and memory limits on the docker virtual node', () => {
  it('appear as the container cgroup quota (500m = 50000/100000 µs) and memory limit (48Mi)', async () => {
    await apply(
      ns,
      virtualPod('docker', 'limits-docker', {
        containers: [
          box(
            'main',
            'cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/cpu/cpu.cfs_period_us /sys/fs/cgroup/memory/memory.limit_in_bytes',
            { resources: { limits: LIMITS, requests: LIMITS } },
          ),
        ],
      }),
    );
    await waitPhase(ns, 'limits-docker', ['Succeeded']);
    expect((await logs(ns, 'limits-docker')).split('\n')).toEqual([
      '50000',
      '100000',
      String(48 * 2 ** 20),
      '',
    ]);
  }, 180_000);

  it('a container that outgrows its memory limit ends OOMKilled with exit code 137', async () => {
    // The shell holds a 100 MiB command substitution in memory: more than the 48Mi limit.
    await apply(
      ns,
      virtualPod('docker', 'oom-docker', {
        containers: [
          box('main', 'x=$(head -c 100m /dev/zero | tr "\\0" a); echo survived ${#x}', {
            resources: { limits: LIMITS },
          }),
        ],
      }),
    );
    const p = await waitPhase(ns, 'oom-docker', ['Failed']);
    expect(containerStatus(p, 'main')?.state?.terminated).toMatchObject({
      reason: 'OOMKilled',
      exitCode: 137,
    });
  }, 180_000);
});

describe('cpu and memory limits on the slurm virtual node', () => {
  it('become the job allocation: 1 CPU per task (500m rounded up), 48 MB of memory', async () => {
    await apply(
      ns,
      virtualPod('slurm', 'limits-slurm', {
        containers: [
          box('main', 'echo "cpus=$SLURM_CPUS_PER_TASK mem=$SLURM_MEM_PER_NODE"', {
            resources: { limits: LIMITS, requests: LIMITS },
          }),
        ],
      }),
    );
    await waitPhase(ns, 'limits-slurm', ['Succeeded']);
    expect(await logs(ns, 'limits-slurm')).toBe('cpus=1 mem=48\n');
  }, 180_000);

  it('two containers of 1 CPU each get a 2-CPU job (app containers run at once)', async () => {
    const oneCpu = { resources: { limits: { cpu: '1', memory: '16Mi' } } };
    await apply(
      ns,
      virtualPod('slurm', 'sum-slurm', {
        containers: [
          box('a', 'echo "cpus=$SLURM_CPUS_PER_TASK mem=$SLURM_MEM_PER_NODE"', oneCpu),
          box('b', 'true', oneCpu),
        ],
      }),
    );
    await waitPhase(ns, 'sum-slurm', ['Succeeded']);
    expect(await logs(ns, 'sum-slurm', 'a')).toBe('cpus=2 mem=32\n');
  }, 180_000);
});

describe.each(['docker', 'slurm'] as const)('$(VAR) expansion on the %s virtual node', (backend) => {
  it('happens exactly once, as under the kubelet ($$ escapes, undefined references stay)', async () => {
    const name = `expand-${backend}`;
    await apply(
      ns,
      virtualPod(backend, name, {
        containers: [
          {
            name: 'main',
            image: 'busybox:latest',
            imagePullPolicy: 'IfNotPresent',
            command: ['printf', '[%s]\n'],
            args: ['$$', '$$$$', '$(FOO)', '$$(FOO)', '$(NOPE)', '$(BAR)'],
            env: [
              { name: 'FOO', value: 'foo' },
              { name: 'BAR', value: '$(FOO) $$(FOO)' },
            ],
          },
        ],
      }),
    );
    await waitPhase(ns, name, ['Succeeded']);
    expect(await logs(ns, name)).toBe('[$]\n[$$]\n[foo]\n[$(FOO)]\n[$(NOPE)]\n[foo $(FOO)]\n');
  }, 180_000);
});
