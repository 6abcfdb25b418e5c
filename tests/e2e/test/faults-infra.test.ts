import { describe, expect, it } from 'vitest';
import type { V1Pod } from '@kubernetes/client-node';
import { eventually, run, runOk, sleep, stack } from '@interlink/testbench';
import { useStackNamespace } from './support/stack-namespace';

const {
  apply,
  box,
  containerStatus,
  getPod,
  kubectl,
  logs,
  remoteInstances,
  remoteLive,
  virtualPod,
  waitPhase,
} = stack;
type Backend = stack.Backend;

// The backends' own daemons restarted under running pods, as an operator's upgrade or a crash does.

let ns = '';
useStackNamespace('e2e-infra', (created) => {
  ns = created;
});

async function pidsOf(name: string): Promise<number[]> {
  const r = await run('pgrep', ['-x', name]);
  return r.stdout.split('\n').filter(Boolean).map(Number);
}

/** SIGTERM (what `systemctl stop` sends) and wait until the daemon has exited. */
async function stopDaemon(name: string): Promise<void> {
  const pids = await pidsOf(name);
  if (pids.length === 0) throw new Error(`${name} is not running`);
  for (const pid of pids) process.kill(pid, 'SIGTERM');
  await eventually(
    `${name} stopped`,
    async () => ((await pidsOf(name)).length ? undefined : true),
    60_000,
    200,
  );
}

async function benchUp(component: 'docker' | 'slurm'): Promise<void> {
  await runOk('bash', ['tools/testbench/testbench.sh', 'up', component], {
    env: { TESTBENCH_SKIP_CHECKS: '1' },
    timeoutMs: 300_000,
  });
}

/** Pods of a few seconds' work, applied while the backend daemon is down. */
async function applyDuring(backend: Backend, n: number): Promise<string[]> {
  const names = Array.from({ length: n }, (_, i) => `during-${backend}-${i}`);
  for (const name of names)
    await apply(ns, virtualPod(backend, name, { containers: [box('main', 'sleep 1; echo done')] }));
  return names;
}

async function expectRanOnce(backend: Backend, names: string[]): Promise<V1Pod[]> {
  const pods: V1Pod[] = [];
  for (const name of names) {
    const p = await waitPhase(ns, name, ['Succeeded'], 240_000);
    expect(await logs(ns, name)).toBe('done\n');
    expect(await remoteInstances(backend, p.metadata!.uid!), `${name} remote instances`).toBe(1);
    pods.push(p);
  }
  return pods;
}

async function deleteAndExpectNothingLeft(backend: Backend, pods: V1Pod[]): Promise<void> {
  await kubectl([
    'delete',
    'pod',
    '-n',
    ns,
    '--wait=true',
    '--timeout=120s',
    ...pods.map((p) => p.metadata!.name!),
  ]);
  await eventually(
    'no remote container/job left',
    async () => {
      for (const p of pods) if ((await remoteLive(backend, p.metadata!.uid!)) > 0) return undefined;
      return true;
    },
    60_000,
    1000,
  );
}

describe('Docker Engine restarted while containers run', () => {
  it('restartPolicy Always restarts the container, Never ends with its exit code, pods applied meanwhile run once', async () => {
    const loop = (code: number) => `trap "exit ${code}" TERM; while true; do sleep 1; done`;
    await apply(
      ns,
      virtualPod('docker', 'always', { restartPolicy: 'Always', containers: [box('main', loop(0))] }),
    );
    await apply(ns, virtualPod('docker', 'never', { containers: [box('main', loop(3))] }));
    await waitPhase(ns, 'always', ['Running']);
    await waitPhase(ns, 'never', ['Running']);

    await stopDaemon('dockerd');
    let during: string[] = [];
    try {
      during = await applyDuring('docker', 4);
      await sleep(5000); // creates reach a sidecar whose engine is gone
    } finally {
      await benchUp('docker');
    }

    const never = await waitPhase(ns, 'never', ['Failed'], 120_000);
    expect(containerStatus(never, 'main')?.state?.terminated?.exitCode).toBe(3);
    const always = await eventually(
      'pod "always" Running again after a restart',
      async () => {
        const p = await getPod(ns, 'always');
        const s = containerStatus(p, 'main');
        return p.status?.phase === 'Running' && s?.state?.running && (s.restartCount ?? 0) >= 1
          ? p
          : undefined;
      },
      120_000,
      500,
    );
    // The last termination is the engine's stop (exit 0) or, when the sidecar's restart raced the
    // engine's shutdown, that failed start (128, as the kubelet reports a StartError).
    expect([0, 128]).toContain(containerStatus(always, 'main')?.lastState?.terminated?.exitCode);
    const ran = await expectRanOnce('docker', during);
    await deleteAndExpectNothingLeft('docker', [never, always, ...ran]);
  }, 600_000);
});

describe('Slurm controller restarted while jobs run', () => {
  it('a running job finishes and reports, pods applied meanwhile are submitted once when it is back', async () => {
    await apply(ns, virtualPod('slurm', 'long', { containers: [box('main', 'sleep 20; echo done')] }));
    await waitPhase(ns, 'long', ['Running'], 120_000);

    await stopDaemon('slurmctld');
    let during: string[] = [];
    try {
      during = await applyDuring('slurm', 4);
      await sleep(8000); // status polls and submissions meet a controller that does not answer
      // Our own outage is not the pod's failure: it keeps its phase.
      expect((await getPod(ns, 'long')).status?.phase).toBe('Running');
    } finally {
      await benchUp('slurm');
    }

    const long = await waitPhase(ns, 'long', ['Succeeded'], 180_000);
    expect(await logs(ns, 'long')).toBe('done\n');
    expect(await remoteInstances('slurm', long.metadata!.uid!)).toBe(1);
    const ran = await expectRanOnce('slurm', during);
    await deleteAndExpectNothingLeft('slurm', [long, ...ran]);
  }, 600_000);
});
