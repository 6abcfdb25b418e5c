import type { PingResponse } from '@interlink/api';
import type { SidecarSettings } from '../config/sidecar-settings';
import type { SlurmCli } from '../slurm/slurm-cli';

/**
 * Ping answer: capacity of the configured partition (or of all nodes) from sinfo. When sinfo
 * fails the ping still succeeds (the sidecar works; submission may too) without resources,
 * and `status` says why.
 */
export async function nodePing(cli: SlurmCli, settings: SidecarSettings): Promise<PingResponse> {
  const taints = settings.raw.Taints.map((t) => ({ key: t.Key, value: t.Value, effect: t.Effect }));
  let nodes;
  try {
    nodes = await cli.nodes(settings.raw.Partition || undefined);
  } catch (err) {
    return { status: `degraded: ${(err as Error).message}`, ...(taints.length ? { taints } : {}) };
  }
  const cpus = nodes.reduce((s, n) => s + n.cpus, 0);
  const memoryMb = nodes.reduce((s, n) => s + n.memoryMb, 0);
  const gpus = nodes.reduce((s, n) => s + n.gpus, 0);
  return {
    status: 'ok',
    resources: {
      cpu: String(cpus),
      memory: `${memoryMb}Mi`,
      ...(settings.raw.MaxPods ? { pods: settings.raw.MaxPods } : {}),
      accelerators: gpus > 0 ? [{ resourceType: 'nvidia.com/gpu', available: String(gpus) }] : [],
    },
    ...(taints.length ? { taints } : {}),
  };
}
