import type { RetrievedPodData } from '@interlink/api';
import type { Logger } from '@interlink/logging';
import type { DockerBackendSettings } from '../backend-settings';
import type { GpuAllocator } from '../pod/gpu-allocator';
import type { PodRef } from '../pod/container-spec-builder';
import { PodSpecError } from '../pod/pod-spec-error';
import { planVolumes, type VolumePlan } from '../pod/volume-planner';
import { needsSandbox } from '../pod/pod-sandbox-spec';
import type { ContainerInventory } from './container-inventory';
import type { InspectCache } from './inspect-cache';
import { PodRuntime } from './pod-runtime';
import { wasLaunched, type PodStore } from './pod-store';

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
 * A pod directory with no container in Docker. Its pod.json is written only once the create
 * succeeded (sandbox included), so the pod was created here: if it ever had containers (a
 * sandbox, or the launched marker) they were removed behind our back and the pod is kept as
 * lost, to be reported terminated until its /delete. A sandbox-less pod never launched is still
 * waiting for its image and keeps running. Undefined: leftovers of an unreadable record.
 */
async function recordWithoutContainers(d: RecoveryDeps, dir: string): Promise<PodRuntime | undefined> {
  const data = await d.store.load(dir);
  const ref = data && recordedRef(d, data, dir);
  if (!data || !ref) return undefined;
  const plan = planOf(d, data, dir);
  const lost = needsSandbox(data.pod, plan ?? { volumes: new Map() }) || (await wasLaunched(dir));
  if (!lost && !plan) return undefined;
  const rt = new PodRuntime(ref, data, plan ?? { volumes: new Map() }, dir, '');
  if (lost) {
    rt.lost =
      'The Docker sidecar created this pod but found none of its containers when it restarted: they were removed outside interLink (no /delete arrived)';
    d.logger.warn('pod created here has no containers left; reporting it terminated', {
      uid: ref.uid,
      namespace: ref.namespace,
      pod: ref.podName,
    });
  }
  return rt;
}

/** The pod a directory's record names, when the record is complete and really belongs there. */
function recordedRef(d: RecoveryDeps, data: RetrievedPodData, dir: string): PodRef | undefined {
  const meta = data.pod.metadata;
  if (!meta?.uid || !meta.name || !meta.namespace) return undefined;
  if (dir !== d.store.podDir(meta.namespace, meta.uid)) return undefined;
  return { namespace: meta.namespace, podName: meta.name, uid: meta.uid };
}

/** The pod's volume plan under the current configuration, or undefined when it is no longer valid. */
function planOf(d: RecoveryDeps, data: RetrievedPodData, podDir: string): VolumePlan | undefined {
  try {
    return planVolumes({
      data,
      podDir,
      hostPathAllowList: d.settings.hostPathAllowList,
      exportPodData: d.settings.exportPodData,
    });
  } catch (err) {
    if (!(err instanceof PodSpecError)) throw err;
    return undefined;
  }
}

/**
 * After a restart: every pod is found again from Docker's labels, its create request from its
 * directory, GPU allocations from container labels. Recorded pods without containers are kept
 * (still pulling, or lost: see recordWithoutContainers); unreadable directories are removed.
 * Inspect results are warmed in the background so the first status call stays fast.
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
    const kept = await recordWithoutContainers(d, dir);
    if (kept) {
      d.runtimes.set(kept.ref.uid, kept);
      continue;
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
