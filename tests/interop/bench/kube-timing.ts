import { CoreV1Api, KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { benchEnv, sleep } from '@interlink/testbench';
import { podOn, box } from '../test/support/pod-kinds';

/** Client-node API for the bench: cheap 100 ms polls (kubectl would cost more than it measures). */
export function coreApi(): CoreV1Api {
  const kc = new KubeConfig();
  kc.loadFromFile(benchEnv.kubeconfig);
  return kc.makeApiClient(CoreV1Api);
}

export interface PodTimes {
  running: number;
  finished: number;
  phase: string;
}

const TERMINAL = new Set(['Succeeded', 'Failed']);

/** Creates one pod and polls it every 100 ms: seconds from the create call to Running and to the end. */
export async function timeOnePod(
  api: CoreV1Api,
  ns: string,
  pod: V1Pod,
  timeoutMs = 180_000,
): Promise<PodTimes> {
  const t0 = Date.now();
  await api.createNamespacedPod({ namespace: ns, body: pod });
  const name = pod.metadata?.name ?? '';
  let running = Number.NaN;
  while (Date.now() - t0 < timeoutMs) {
    const phase = (await api.readNamespacedPod({ name, namespace: ns })).status?.phase ?? '';
    if (phase === 'Running' && Number.isNaN(running)) running = (Date.now() - t0) / 1000;
    if (TERMINAL.has(phase)) return { running, finished: (Date.now() - t0) / 1000, phase };
    await sleep(100);
  }
  throw new Error(`pod ${ns}/${name} did not finish within ${timeoutMs / 1000} s`);
}

export interface Burst {
  ns: string;
  node: string;
  count: number;
  /** pod name prefix */
  tag: string;
}

/** Creates `count` pods at once; seconds until every one of them has finished. */
export async function timeBurst(api: CoreV1Api, burst: Burst): Promise<number> {
  const { ns, node, count, tag } = burst;
  const t0 = Date.now();
  const pods = Array.from({ length: count }, (_, i) =>
    podOn(node, `${tag}-${i}`, { containers: [box('c', 'echo done')] }),
  );
  await Promise.all(pods.map((body) => api.createNamespacedPod({ namespace: ns, body })));
  for (;;) {
    const list = (await api.listNamespacedPod({ namespace: ns })).items.filter((p) =>
      p.metadata?.name?.startsWith(`${tag}-`),
    );
    const finished = list.filter((p) => TERMINAL.has(p.status?.phase ?? '')).length;
    if (finished === count) {
      reportFailed(list, count, tag);
      return (Date.now() - t0) / 1000;
    }
    if (Date.now() - t0 > 900_000) throw new Error(`burst ${tag}: ${finished}/${count} finished after 900 s`);
    await sleep(250);
  }
}

/** Failed pods are counted, not timed; the first one's reason says why. */
function reportFailed(pods: V1Pod[], count: number, tag: string): void {
  const failed = pods.filter((p) => p.status?.phase === 'Failed');
  if (failed.length === 0) return;
  const first = failed[0]?.status;
  const why =
    first?.containerStatuses?.[0]?.state?.terminated?.message ?? first?.message ?? first?.reason ?? '?';
  console.log(
    `side-by-side burst ${tag}: ${failed.length} of ${count} pods Failed (first: ${why.slice(0, 300)})`,
  );
}

/** Deletes every pod of the namespace and waits until none is left. */
export async function clearPods(api: CoreV1Api, ns: string): Promise<void> {
  await api.deleteCollectionNamespacedPod({ namespace: ns });
  const t0 = Date.now();
  while ((await api.listNamespacedPod({ namespace: ns })).items.length > 0) {
    if (Date.now() - t0 > 300_000) throw new Error(`pods of ${ns} not gone after 300 s`);
    await sleep(500);
  }
}
