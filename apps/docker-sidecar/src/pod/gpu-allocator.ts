/** Not enough free GPUs for a pod. */
export class GpuUnavailableError extends Error {
  override readonly name = 'GpuUnavailableError';
}

/**
 * Which GPU device ids are taken by which pod. The engine does not reserve devices named in
 * device requests, so without this two pods could be handed the same GPU. Allocations are
 * recorded in container labels and re-adopted after a restart.
 */
export class GpuAllocator {
  private readonly owner = new Map<string, string>();

  constructor(private readonly devices: readonly string[]) {}

  get total(): number {
    return this.devices.length;
  }

  get free(): number {
    return this.devices.length - this.owner.size;
  }

  /** Device ids held by `podUid`, in device order. */
  heldBy(podUid: string): string[] {
    return this.devices.filter((d) => this.owner.get(d) === podUid);
  }

  /** Give `count` devices to the pod, lowest free ids first; idempotent (a pod keeps what it holds). */
  allocate(podUid: string, count: number): string[] {
    const held = this.heldBy(podUid);
    if (held.length >= count) return held.slice(0, count);
    const free = this.devices.filter((d) => !this.owner.has(d));
    const missing = count - held.length;
    if (free.length < missing) {
      throw new GpuUnavailableError(
        `pod needs ${count} GPU(s) but only ${free.length} of ${this.devices.length} are free`,
      );
    }
    for (const d of free.slice(0, missing)) this.owner.set(d, podUid);
    return this.heldBy(podUid);
  }

  /** Record devices found on existing containers (restart recovery). Unknown ids are ignored. */
  adopt(podUid: string, devices: readonly string[]): void {
    for (const d of devices) if (this.devices.includes(d) && !this.owner.has(d)) this.owner.set(d, podUid);
  }

  release(podUid: string): void {
    for (const [d, owner] of this.owner) if (owner === podUid) this.owner.delete(d);
  }
}

/**
 * How many GPUs a pod needs, Kubernetes style: init containers run one at a time and can reuse
 * the devices of the app containers, which run together.
 */
export function podGpuCount(initCounts: readonly number[], appCounts: readonly number[]): number {
  const sum = appCounts.reduce((a, b) => a + b, 0);
  return Math.max(sum, ...initCounts, 0);
}

/** Split the pod's devices: each init container takes from the front, app containers get disjoint slices. */
export function splitPodGpus(
  devices: readonly string[],
  initCounts: readonly number[],
  appCounts: readonly number[],
): { init: string[][]; app: string[][] } {
  const init = initCounts.map((n) => devices.slice(0, n));
  let offset = 0;
  const app = appCounts.map((n) => {
    const slice = devices.slice(offset, offset + n);
    offset += n;
    return slice;
  });
  return { init, app };
}
