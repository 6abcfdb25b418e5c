import type Docker from 'dockerode';
import { Labels, type ContainerRole } from '../pod/names';

/** One container instance as the list call shows it, with our labels decoded. */
export interface ContainerInstance {
  id: string;
  role: ContainerRole;
  /** Kubernetes container name ("" for the sandbox). */
  container: string;
  index: number;
  attempt: number;
  /** Docker list state: created, running, paused, restarting, removing, exited, dead. */
  state: string;
  /** Docker list status text, e.g. "Exited (1) 3 seconds ago". */
  status: string;
  image: string;
  imageId: string;
  gpus: string[];
}

/** Everything Docker holds for one pod. Instances per container are sorted by attempt. */
export interface PodContainers {
  uid: string;
  namespace: string;
  podName: string;
  sandbox: ContainerInstance | undefined;
  instances: Map<string, ContainerInstance[]>;
}

/** The sidecar's containers by pod UID, and when the list call that produced them was sent. */
export class PodListing extends Map<string, PodContainers> {
  constructor(
    pods: Map<string, PodContainers>,
    /** performance.now() just before the list call: containers created later are not in it. */
    readonly startedAt: number,
  ) {
    super(pods);
  }
}

/**
 * Reads the sidecar's containers with ONE list call filtered by our label (never one inspect per
 * pod). Concurrent callers share the call in flight.
 */
export class ContainerInventory {
  private inflight: Promise<PodListing> | undefined;

  constructor(
    private readonly docker: Docker,
    private readonly sidecar: string,
  ) {}

  /** All pods of this sidecar. */
  listAll(): Promise<PodListing> {
    if (this.inflight) return this.inflight;
    const call = this.list([]).finally(() => {
      if (this.inflight === call) this.inflight = undefined;
    });
    this.inflight = call;
    return call;
  }

  /**
   * Called after the sidecar changed containers: a list already in flight may predate the change,
   * so later callers must not share it (read-your-writes for status right after create/delete).
   */
  invalidate(): void {
    this.inflight = undefined;
  }

  /** One pod (still one list call, filtered by the pod label on the engine side). */
  async listPod(uid: string): Promise<PodContainers | undefined> {
    return (await this.list([`${Labels.podUid}=${uid}`])).get(uid);
  }

  private async list(extra: string[]): Promise<PodListing> {
    const startedAt = performance.now();
    const raw = await this.docker.listContainers({
      all: true,
      filters: { label: [`${Labels.sidecar}=${this.sidecar}`, ...extra] },
    });
    return new PodListing(groupByPod(raw), startedAt);
  }
}

export function groupByPod(raw: Docker.ContainerInfo[]): Map<string, PodContainers> {
  const pods = new Map<string, PodContainers>();
  for (const info of raw) {
    const l = info.Labels ?? {};
    const uid = l[Labels.podUid];
    if (!uid) continue;
    let pod = pods.get(uid);
    if (!pod) {
      pod = {
        uid,
        namespace: l[Labels.namespace] ?? '',
        podName: l[Labels.podName] ?? '',
        sandbox: undefined,
        instances: new Map(),
      };
      pods.set(uid, pod);
    }
    const inst = toInstance(info);
    if (inst.role === 'sandbox') {
      pod.sandbox = inst;
      continue;
    }
    const list = pod.instances.get(inst.container) ?? [];
    list.push(inst);
    pod.instances.set(inst.container, list);
  }
  for (const pod of pods.values())
    for (const list of pod.instances.values()) list.sort((a, b) => a.attempt - b.attempt);
  return pods;
}

function toInstance(info: Docker.ContainerInfo): ContainerInstance {
  const l = info.Labels ?? {};
  const role = (l[Labels.role] ?? 'app') as ContainerRole;
  return {
    id: info.Id,
    role,
    container: l[Labels.container] ?? '',
    index: Number(l[Labels.index] ?? 0),
    attempt: Number(l[Labels.attempt] ?? 0),
    state: info.State,
    status: info.Status,
    image: info.Image,
    imageId: info.ImageID,
    gpus: l[Labels.gpus] ? (l[Labels.gpus] ?? '').split(',').filter(Boolean) : [],
  };
}

/** The exit code the list status text carries ("Exited (137) 2 minutes ago"), if any. */
export function exitCodeFromStatus(status: string): number | undefined {
  const m = /^Exited \((-?\d+)\)/.exec(status);
  return m ? Number(m[1]) : undefined;
}

/** The newest instance of a container. */
export function current(pod: PodContainers | undefined, name: string): ContainerInstance | undefined {
  const list = pod?.instances.get(name);
  return list?.[list.length - 1];
}

/** The instance before the newest (the kubelet's "previous" container). */
export function previous(pod: PodContainers | undefined, name: string): ContainerInstance | undefined {
  const list = pod?.instances.get(name);
  return list && list.length >= 2 ? list[list.length - 2] : undefined;
}
