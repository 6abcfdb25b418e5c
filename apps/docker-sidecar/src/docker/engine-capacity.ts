import type Docker from 'dockerode';
import type { PingResponse, TaintResponse } from '@interlink/api';
import { NVIDIA_GPU } from '../pod/resource-mapper';

/**
 * The ping answer: the engine's real capacity (CPUs and memory from `docker info`), the pod
 * limit and GPUs from the configuration, and the configured taints (`[]` clears old ones).
 */
export async function engineCapacity(
  docker: Docker,
  c: { maxPods: number; gpuCount: number; taints: TaintResponse[] },
): Promise<PingResponse> {
  const info = await docker.info();
  return {
    status: 'ok',
    resources: {
      cpu: String(info.NCPU),
      memory: `${Math.floor(info.MemTotal / 1024)}Ki`,
      pods: String(c.maxPods),
      accelerators: c.gpuCount > 0 ? [{ resourceType: NVIDIA_GPU, available: String(c.gpuCount) }] : [],
    },
    taints: c.taints,
  };
}
