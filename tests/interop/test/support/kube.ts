import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { benchEnv, eventually, run, runOk } from '@interlink/testbench';

/** kubectl with the bench's admin kubeconfig (the chains' node controllers use it too). */
export function kubectl(args: string[], input?: string): Promise<string> {
  return runOk('kubectl', args, { env: { KUBECONFIG: benchEnv.kubeconfig }, input, timeoutMs: 60_000 });
}

export async function kubectlJson<T>(args: string[]): Promise<T> {
  return JSON.parse(await kubectl([...args, '-o', 'json'])) as T;
}

export async function createNamespace(name: string): Promise<string> {
  await kubectl(['create', 'namespace', name]);
  await eventually(
    `default ServiceAccount in ${name}`,
    async () =>
      (
        await run('kubectl', ['get', 'sa', 'default', '-n', name], {
          env: { KUBECONFIG: benchEnv.kubeconfig },
        })
      ).code === 0
        ? true
        : undefined,
    30_000,
    200,
  );
  return name;
}

export async function deleteNamespace(name: string): Promise<void> {
  await run('kubectl', ['delete', 'namespace', name, '--wait=false'], {
    env: { KUBECONFIG: benchEnv.kubeconfig },
  });
}

export async function deleteNode(name: string): Promise<void> {
  await run('kubectl', ['delete', 'node', name, '--ignore-not-found', '--wait=false'], {
    env: { KUBECONFIG: benchEnv.kubeconfig },
  });
}

export async function apply(ns: string, objs: object[]): Promise<void> {
  await kubectl(
    ['apply', '-n', ns, '-f', '-'],
    JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objs }),
  );
}

export async function getPod(ns: string, name: string): Promise<V1Pod | undefined> {
  const r = await run('kubectl', ['get', 'pod', '-n', ns, name, '-o', 'json'], {
    env: { KUBECONFIG: benchEnv.kubeconfig },
  });
  if (r.code !== 0) {
    if (/NotFound/.test(r.stderr)) return undefined;
    throw new Error(r.stderr);
  }
  return JSON.parse(r.stdout) as V1Pod;
}

export async function listPods(ns: string): Promise<V1Pod[]> {
  return (await kubectlJson<{ items: V1Pod[] }>(['get', 'pods', '-n', ns])).items;
}

export async function getNode(name: string): Promise<V1Node | undefined> {
  const r = await run('kubectl', ['get', 'node', name, '-o', 'json'], {
    env: { KUBECONFIG: benchEnv.kubeconfig },
  });
  return r.code === 0 ? (JSON.parse(r.stdout) as V1Node) : undefined;
}

export function nodeReady(node: V1Node | undefined): boolean {
  return node?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** Waits for one of `phases`; another terminal phase fails at once, with the pod's status. */
export async function waitPhase(
  ns: string,
  name: string,
  phases: string[],
  timeoutMs: number,
): Promise<V1Pod> {
  let last: V1Pod | undefined;
  try {
    return await eventually(
      `pod ${ns}/${name} in ${phases.join('|')}`,
      async () => {
        last = await getPod(ns, name);
        const phase = last?.status?.phase ?? '';
        if (phases.includes(phase)) return last;
        if (phase === 'Succeeded' || phase === 'Failed') throw new Error(`pod ended ${phase}`);
        return undefined;
      },
      timeoutMs,
      500,
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}\nlast status: ${JSON.stringify(last?.status).slice(0, 3000)}`);
  }
}

export async function podLogs(ns: string, pod: string, container?: string): Promise<string> {
  return kubectl(['logs', '-n', ns, pod, ...(container ? ['-c', container] : [])]);
}

export async function waitGone(ns: string, name: string, timeoutMs: number): Promise<void> {
  await eventually(
    `pod ${ns}/${name} deleted`,
    async () => ((await getPod(ns, name)) ? undefined : true),
    timeoutMs,
    500,
  );
}
