// tools/testbench/testbench.sh as tests and developers call it, against the running bench.
// Never takes the bench down: `down` is only called with arguments it must refuse.
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { benchScript, ensureBench } from '../src';

interface Result {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

function bench(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Result> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    execFile('bash', [benchScript(), ...args], { env, timeout: 600_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr, ms: Date.now() - t0 });
    });
  });
}

/** `component.name` → pid from `status` (docker.pid, registry.pid, slurm.slurmctld, k8s.etcd, ...). */
function pids(status: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of status.split('\n')) {
    const component = line.split(/\s+/)[0];
    for (const [, key, value] of line.matchAll(/\b([a-z][\w-]*)=(\d+)(?=\s|$)/g)) {
      if (key !== 'containers') out[`${component}.${key}`] = value!;
    }
  }
  return out;
}

describe('testbench.sh up/status/env on a running bench', () => {
  beforeAll(async () => {
    await ensureBench(['docker', 'slurm', 'k8s']); // not 'registry': the last test needs it uncached
  }, 3_600_000);

  it('status reports every component running and exits 0', async () => {
    const r = await bench(['status']);
    expect(r.code).toBe(0);
    for (const c of ['docker', 'registry', 'slurm', 'k8s'])
      expect(r.stdout).toMatch(new RegExp(`^${c}\\s+running`, 'm'));
  });

  it('up all is idempotent: exit 0, quick, and no service restarted', async () => {
    const before = pids((await bench(['status'])).stdout);
    expect(Object.keys(before)).toEqual(
      expect.arrayContaining([
        'docker.pid',
        'registry.pid',
        'slurm.slurmctld',
        'slurm.slurmd',
        'k8s.etcd',
        'k8s.apiserver',
        'k8s.scheduler',
      ]),
    );
    const first = await bench(['up', 'all']);
    const second = await bench(['up']);
    expect([first.code, second.code]).toEqual([0, 0]);
    expect(second.ms).toBeLessThan(60_000);
    const after = await bench(['status']);
    expect(after.code).toBe(0);
    expect(pids(after.stdout)).toEqual(before);
  }, 300_000);

  it('env prints the same exports every time, pointing at the running services', async () => {
    const [a, b] = [await bench(['env']), await bench(['env'])];
    expect(a.code).toBe(0);
    expect(b.stdout).toBe(a.stdout);
    expect(a.stdout).toMatch(/^export KUBECONFIG=\/\S+\/kubeconfig$/m);
    expect(a.stdout).toContain('export DOCKER_HOST=unix:///var/run/docker.sock');
    expect(a.stdout).toContain('export TESTBENCH_SLURM_READY=1');
    expect(a.stdout).toMatch(/^export TESTBENCH_K8S_VERSION=v1\.\d+\.\d+$/m);
  });

  it.each([['status'], ['up'], ['down'], ['selftest']])(
    '%s with an unknown component exits 2 and touches nothing',
    async (cmd) => {
      const before = pids((await bench(['status'])).stdout);
      const r = await bench([cmd, 'no-such-component']);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("unknown component 'no-such-component'");
      expect(pids((await bench(['status'])).stdout)).toEqual(before);
    },
    120_000,
  );
});

describe('a bench service that cannot start', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-fail-'));
  const script = join(dir, 'testbench.sh');
  const saved = { script: process.env.TESTBENCH_SCRIPT, ci: process.env.CI };
  beforeAll(() => {
    writeFileSync(script, '#!/usr/bin/env bash\necho "slurmctld: cannot bind 6817" >&2\nexit 1\n');
    chmodSync(script, 0o755);
  });
  afterAll(() => {
    if (saved.script === undefined) delete process.env.TESTBENCH_SCRIPT;
    else process.env.TESTBENCH_SCRIPT = saved.script;
    if (saved.ci === undefined) delete process.env.CI;
    else process.env.CI = saved.ci;
    rmSync(dir, { recursive: true, force: true });
  });

  it('fails ensureBench under CI=true (an error naming the service and the fix, never a skip)', async () => {
    process.env.TESTBENCH_SCRIPT = script;
    process.env.CI = 'true';
    // 'registry' is not used by the other tests of this file, so nothing is cached for it
    const err = await ensureBench(['registry']).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err).toBeInstanceOf(Error);
    expect(err!.message).toContain('test bench component "registry" could not be started');
    expect(err!.message).toContain('testbench.sh up registry');
    expect(err!.message).toContain('slurmctld: cannot bind 6817');
  });

  it('fails ensureBench when "up" succeeds but the service is still unhealthy, and retries next time', async () => {
    const liar = join(dir, 'liar.sh');
    writeFileSync(liar, '#!/usr/bin/env bash\n[[ $1 == up ]] && exit 0\nexit 1\n');
    chmodSync(liar, 0o755);
    process.env.TESTBENCH_SCRIPT = liar;
    process.env.CI = 'true';
    await expect(ensureBench(['registry'])).rejects.toThrow(/"registry" is not healthy after "up"/);
    // a failure is not cached: once the service is healthy, the next call succeeds
    writeFileSync(liar, '#!/usr/bin/env bash\nexit 0\n');
    await expect(ensureBench(['registry'])).resolves.toMatchObject({ registry: expect.any(String) });
  });
});
