import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { V1Pod } from '@kubernetes/client-node';
import { ensureBench } from './bench';
import { eventually, run, runOk } from './run';

/**
 * The e2e suite and the benchmarks run against the README's one-command stack (tools/scripts/stack.sh): two
 * relays, both sidecars and the virtual nodes vk-docker and vk-slurm on the bench's real
 * control plane, Docker Engine and Slurm.
 */
export const STACK_DIR = '/var/lib/interlink-stack';
export type Backend = 'docker' | 'slurm';
export const NODE: Record<Backend, string> = { docker: 'vk-docker', slurm: 'vk-slurm' };

let kubeconfig = '';

export async function stackUp(): Promise<void> {
  kubeconfig = (await ensureBench(['docker', 'slurm', 'k8s'])).kubeconfig;
  await runOk('bash', ['tools/scripts/stack.sh', 'up'], {
    env: { STACK_SKIP_DEPS: '1' },
    timeoutMs: 40 * 60_000,
  });
}

export function kubeconfigPath(): string {
  return kubeconfig;
}

export async function stackStop(): Promise<void> {
  await runOk('bash', ['tools/scripts/stack.sh', 'stop'], { timeoutMs: 300_000 });
}

export function kubectl(args: string[], input?: string): Promise<string> {
  return runOk('kubectl', args, {
    env: { KUBECONFIG: kubeconfig },
    ...(input !== undefined ? { input } : {}),
  });
}

export async function kubectlJson<T>(args: string[]): Promise<T> {
  return JSON.parse(await kubectl([...args, '-o', 'json'])) as T;
}

export async function createNamespace(prefix: string): Promise<string> {
  const ns = `${prefix}-${process.pid}-${Date.now().toString(36)}`;
  await kubectl(['create', 'namespace', ns]);
  // The controller-manager creates the default ServiceAccount shortly after the namespace.
  await eventually(
    'default ServiceAccount',
    async () =>
      (await run('kubectl', ['get', 'sa', 'default', '-n', ns], { env: { KUBECONFIG: kubeconfig } })).code ===
      0
        ? true
        : undefined,
    30_000,
    200,
  );
  return ns;
}

export async function deleteNamespace(ns: string): Promise<void> {
  await run('kubectl', ['delete', 'namespace', ns, '--wait=false'], { env: { KUBECONFIG: kubeconfig } });
}

export type PodSpecInput = NonNullable<V1Pod['spec']>;

/** A pod for the given virtual node: nodeSelector on the backend label plus the virtual-node toleration. */
export function virtualPod(
  backend: Backend,
  name: string,
  spec: Partial<PodSpecInput>,
  annotations: Record<string, string> = {},
): V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, annotations },
    spec: {
      restartPolicy: 'Never',
      terminationGracePeriodSeconds: 5,
      nodeSelector: { 'virtual-node.interlink/backend': backend },
      tolerations: [{ key: 'virtual-node.interlink/no-schedule', operator: 'Exists' }],
      containers: [],
      ...spec,
    },
  };
}

/** busybox from the bench's local image, never pulled. */
export function box(
  name: string,
  script: string,
  extra: Record<string, unknown> = {},
): NonNullable<PodSpecInput['containers']>[number] {
  return {
    name,
    image: 'busybox:latest',
    imagePullPolicy: 'IfNotPresent',
    command: ['sh', '-c', script],
    ...extra,
  };
}

export async function apply(ns: string, obj: object): Promise<void> {
  await kubectl(['apply', '-n', ns, '-f', '-'], JSON.stringify(obj));
}

export async function getPod(ns: string, name: string): Promise<V1Pod> {
  return kubectlJson<V1Pod>(['get', 'pod', '-n', ns, name]);
}

/** Waits until the pod's phase is one of `phases`; fails early, with the pod's status, on any other terminal phase. */
export async function waitPhase(
  ns: string,
  name: string,
  phases: string[],
  timeoutMs = 120_000,
): Promise<V1Pod> {
  let last: V1Pod | undefined;
  try {
    return await eventually(
      `pod ${ns}/${name} in ${phases.join('|')}`,
      async () => {
        last = await getPod(ns, name);
        const phase = last.status?.phase ?? '';
        if (phases.includes(phase)) return last;
        if ((phase === 'Succeeded' || phase === 'Failed') && !phases.includes(phase))
          throw new Error(`pod ended ${phase}: ${JSON.stringify(last.status)}`);
        return undefined;
      },
      timeoutMs,
      300,
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}\nlast status: ${JSON.stringify(last?.status).slice(0, 3000)}`);
  }
}

export async function logs(ns: string, pod: string, container?: string): Promise<string> {
  return kubectl(['logs', '-n', ns, pod, ...(container ? ['-c', container] : [])]);
}

export function containerStatus(p: V1Pod, name: string) {
  return [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])].find(
    (s) => s.name === name,
  );
}

export function stackPid(component: string): number | undefined {
  try {
    return Number(readFileSync(join(STACK_DIR, 'run', `${component}.pid`), 'utf8'));
  } catch {
    return undefined;
  }
}

/** True while a process with this pid exists. */
export function isAlive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function dockerContainersOf(uid: string): Promise<string[]> {
  return runOk('docker', ['ps', '-aq', '--filter', `label=interlink.pod-uid=${uid}`]).then((o) =>
    o.split('\n').filter(Boolean),
  );
}

/** Slurm jobs still queued or running for a pod (its job name is the pod UID). */
export async function slurmJobsOf(uid: string): Promise<string[]> {
  const out = await runOk('squeue', ['--noheader', '--format=%i %T', `--name=${uid}`]);
  return out.split('\n').filter(Boolean);
}

/** Every remote instance a pod ever had: Docker containers by pod-uid label, Slurm jobs (any state) by name = pod uid. */
export async function remoteInstances(backend: Backend, uid: string): Promise<number> {
  if (backend === 'docker') return (await dockerContainersOf(uid)).length;
  const out = await runOk('sacct', [
    '--noheader',
    '--allocations',
    '--parsable2',
    '--format=JobID',
    `--name=${uid}`,
    '--starttime=now-1hour',
  ]);
  return out.split('\n').filter(Boolean).length;
}

/** What still runs or waits remotely for a pod: Docker containers, or Slurm jobs queued or running. */
export async function remoteLive(backend: Backend, uid: string): Promise<number> {
  return (backend === 'docker' ? await dockerContainersOf(uid) : await slurmJobsOf(uid)).length;
}

/** SIGKILL of a stack component; resolves once the process is gone. */
export async function killComponent(component: string): Promise<number> {
  const pid = stackPid(component);
  if (pid === undefined || !isAlive(pid)) throw new Error(`${component} is not running`);
  process.kill(pid, 'SIGKILL');
  await eventually(`${component} gone`, async () => (isAlive(pid) ? undefined : true), 10_000, 100);
  return pid;
}
