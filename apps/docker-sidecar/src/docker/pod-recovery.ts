import type { Logger } from '@interlink/logging';
import type { DockerBackendSettings } from '../backend-settings';
import type { GpuAllocator } from '../pod/gpu-allocator';
import { PodSpecError } from '../pod/pod-spec-error';
import { planVolumes, type VolumePlan } from '../pod/volume-planner';
import { needsSandbox } from '../pod/pod-sandbox-spec';
import type { ContainerInventory } from './container-inventory';
import type { InspectCache } from './inspect-cache';
import { PodRuntime } from './pod-runtime';
import type { PodStore } from './pod-store';

export interface RecoveryDeps {
  inventory: ContainerInventory;
  store: PodStore;
  runtimes: Map<string, PodRuntime>;
  gpus: GpuAllocator;
  inspect: InspectCache;
  settings: DockerBackendSettings;
  logger: Logger;
}

/**
 * After a restart: every pod is found again from Docker's labels, its create request from its
 * directory, GPU allocations from container labels. Sandbox-less pods whose container does
 * not exist yet are adopted from their directory; other directories without containers are
 * leftovers of a create that never finished and are removed. Inspect results are warmed in the
 * background so the first status call stays fast.
 */
export async function recoverPods(d: RecoveryDeps): Promise<void> {
  const all = await d.inventory.listAll();
  for (const pc of all.values()) {
    const podDir = d.store.podDir(pc.namespace, pc.uid);
    const data = await d.store.load(podDir);
    let plan: VolumePlan = { volumes: new Map() };
    if (data) {
      try {
        plan = planVolumes({
          data,
          podDir,
          hostPathAllowList: d.settings.hostPathAllowList,
          exportPodData: d.settings.exportPodData,
        });
      } catch (err) {
        if (!(err instanceof PodSpecError)) throw err;
        d.logger.warn('stored pod no longer valid under the current configuration', { uid: pc.uid, err });
      }
    } else {
      d.logger.warn('pod found in Docker without its stored request: status, logs and delete only', {
        uid: pc.uid,
        namespace: pc.namespace,
        pod: pc.podName,
      });
    }
    const ref = { namespace: pc.namespace, podName: pc.podName, uid: pc.uid };
    d.runtimes.set(pc.uid, new PodRuntime(ref, data, plan, podDir, pc.sandbox?.id ?? ''));
    d.gpus.adopt(
      pc.uid,
      [...pc.instances.values()].flat().flatMap((i) => i.gpus),
    );
  }
  const known = new Set([...d.runtimes.values()].map((rt) => rt.podDir));
  for (const dir of await d.store.podDirs()) {
    if (known.has(dir)) continue;
    // A pod without a sandbox has no container until its image is there: keep running it.
    // Anything else without containers is what a failed or interrupted create left behind.
    const data = await d.store.load(dir);
    const meta = data?.pod.metadata;
    if (
      data &&
      meta?.uid &&
      meta.name &&
      meta.namespace &&
      dir === d.store.podDir(meta.namespace, meta.uid)
    ) {
      try {
        const plan = planVolumes({
          data,
          podDir: dir,
          hostPathAllowList: d.settings.hostPathAllowList,
          exportPodData: d.settings.exportPodData,
        });
        if (!needsSandbox(data.pod, plan)) {
          d.runtimes.set(
            meta.uid,
            new PodRuntime(
              { namespace: meta.namespace, podName: meta.name, uid: meta.uid },
              data,
              plan,
              dir,
              '',
            ),
          );
          continue;
        }
      } catch (err) {
        if (!(err instanceof PodSpecError)) throw err;
      }
    }
    d.logger.info('removing directory of a pod that has no containers', { dir });
    await d.store.remove(dir);
  }
  d.logger.info('recovered pods from Docker', { pods: all.size });
  const instances = [...all.values()]
    .flatMap((p) => [...p.instances.values()].flat())
    .filter((i) => i.state !== 'created');
  void Promise.all(instances.map((i) => d.inspect.facts(i).catch(() => undefined)));
}
