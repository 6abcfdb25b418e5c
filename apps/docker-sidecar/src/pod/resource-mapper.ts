import type { V1Container } from '@kubernetes/client-node';
import type Docker from 'dockerode';
import { PodSpecError } from './pod-spec-error';
import { cpuToMilli, cpuToNanoCpus, memoryToBytes, milliCpuToShares, QuantityError } from './quantity';

export const NVIDIA_GPU = 'nvidia.com/gpu';
/** Docker refuses smaller memory limits (runc needs some room). */
export const DOCKER_MIN_MEMORY_BYTES = 6 * 1024 * 1024;

export type DockerResources = Pick<
  Docker.HostConfig,
  'NanoCpus' | 'CpuShares' | 'Memory' | 'MemorySwap' | 'MemoryReservation' | 'DeviceRequests'
>;

/** GPUs a container asks for (extended resources: the limit, or the request when only that is set). */
export function gpuCount(c: V1Container): number {
  const q = c.resources?.limits?.[NVIDIA_GPU] ?? c.resources?.requests?.[NVIDIA_GPU];
  if (q === undefined) return 0;
  const n = Number(q);
  if (!Number.isInteger(n) || n < 0)
    throw new PodSpecError(`container "${c.name}": ${NVIDIA_GPU} must be a whole number (got "${q}")`);
  return n;
}

/**
 * Kubernetes resources → Docker: cpu limit → NanoCpus (exact, 500m = 0.5 CPU), cpu request →
 * CpuShares (kubelet formula), memory limit → Memory with swap disabled (so the container is
 * OOM-killed rather than swapping, as under the kubelet), memory request → soft reservation,
 * GPUs → an NVIDIA device request for exactly the allocated device ids.
 */
export function mapResources(c: V1Container, gpuDevices: readonly string[]): DockerResources {
  const limits = c.resources?.limits ?? {};
  const requests = c.resources?.requests ?? {};
  const out: DockerResources = {};
  try {
    if (limits['cpu'] !== undefined) out.NanoCpus = cpuToNanoCpus(limits['cpu']);
    const cpuRequest = requests['cpu'] ?? limits['cpu'];
    if (cpuRequest !== undefined) out.CpuShares = milliCpuToShares(cpuToMilli(cpuRequest));
    if (limits['memory'] !== undefined) {
      const bytes = memoryToBytes(limits['memory']);
      if (bytes < DOCKER_MIN_MEMORY_BYTES) {
        throw new PodSpecError(
          `container "${c.name}": memory limit ${limits['memory']} is below Docker's minimum of 6Mi`,
        );
      }
      out.Memory = bytes;
      out.MemorySwap = bytes;
    }
    if (requests['memory'] !== undefined) {
      const reservation = memoryToBytes(requests['memory']);
      if (out.Memory === undefined || reservation < out.Memory) out.MemoryReservation = reservation;
    }
  } catch (err) {
    if (err instanceof QuantityError) throw new PodSpecError(`container "${c.name}": ${err.message}`);
    throw err;
  }
  if (out.NanoCpus !== undefined && out.NanoCpus < 1e7) {
    throw new PodSpecError(
      `container "${c.name}": cpu limit ${limits['cpu']} is below Docker's minimum of 10m`,
    );
  }
  if (gpuDevices.length > 0) {
    out.DeviceRequests = [{ Driver: 'nvidia', DeviceIDs: [...gpuDevices], Capabilities: [['gpu']] }];
  }
  return out;
}
