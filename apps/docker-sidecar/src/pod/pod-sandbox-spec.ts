import type { V1Pod } from '@kubernetes/client-node';
import type Docker from 'dockerode';
import { Labels, sandboxName } from './names';
import { podLabels, type PodRef } from './container-spec-builder';
import type { VolumePlan } from './volume-planner';

export interface SandboxSettings {
  image: string;
  /** Command of the sandbox process; it only holds the namespaces. */
  command: string[];
  /** Docker network pods join (`bridge` by default). */
  network: string;
  sidecar: string;
}

/** Where the sandbox keeps memory-backed emptyDirs mounted so their tmpfs lives as long as the pod. */
export const SANDBOX_VOLUME_ROOT = '/.interlink-volumes';

/**
 * The pod's "pause" container: owns the network, IPC and UTS namespaces the pod's containers
 * join, publishes hostPorts, carries the pod-level DNS, hosts and sysctl settings.
 */
export function buildSandboxSpec(
  pod: V1Pod,
  ref: PodRef,
  plan: VolumePlan,
  s: SandboxSettings,
): Docker.ContainerCreateOptions {
  const spec = pod.spec;
  const hostNetwork = Boolean(spec?.hostNetwork);
  const exposed: Record<string, object> = {};
  const bindings: Record<string, Array<{ HostIp?: string; HostPort: string }>> = {};
  for (const c of spec?.containers ?? []) {
    for (const p of c.ports ?? []) {
      const key = `${p.containerPort}/${(p.protocol ?? 'TCP').toLowerCase()}`;
      exposed[key] = {};
      if (p.hostPort && !hostNetwork)
        bindings[key] = [{ HostPort: String(p.hostPort), ...(p.hostIP ? { HostIp: p.hostIP } : {}) }];
    }
  }
  const hostname = (spec?.hostname ?? ref.podName).slice(0, 63).replace(/[.-]+$/, '');
  const dns = spec?.dnsConfig;
  const mounts: Docker.MountSettings[] = [...plan.volumes.values()]
    .filter((v) => v.kind === 'memory')
    .map((v) => ({
      Type: 'volume',
      Source: v.kind === 'memory' ? v.dockerVolume : '',
      Target: `${SANDBOX_VOLUME_ROOT}/${v.name}`,
    }));
  const sysctls = Object.fromEntries((spec?.securityContext?.sysctls ?? []).map((x) => [x.name, x.value]));
  return {
    name: sandboxName(ref),
    Image: s.image,
    Entrypoint: s.command.slice(0, 1),
    Cmd: s.command.slice(1),
    ...(hostNetwork ? {} : { Hostname: hostname }),
    ...(spec?.subdomain ? { Domainname: spec.subdomain } : {}),
    ExposedPorts: exposed,
    Labels: { ...podLabels(s.sidecar, ref), [Labels.role]: 'sandbox' },
    StopSignal: 'SIGKILL',
    HostConfig: {
      NetworkMode: hostNetwork ? 'host' : s.network,
      IpcMode: 'shareable',
      PortBindings: bindings,
      Mounts: mounts,
      RestartPolicy: { Name: 'no' },
      CpuShares: 2,
      ...(dns?.nameservers?.length ? { Dns: dns.nameservers } : {}),
      ...(dns?.searches?.length ? { DnsSearch: dns.searches } : {}),
      ...(dns?.options?.length
        ? {
            DnsOptions: dns.options.map((o) =>
              o.value !== undefined ? `${o.name}:${o.value}` : (o.name ?? ''),
            ),
          }
        : {}),
      ...(spec?.hostAliases?.length
        ? { ExtraHosts: spec.hostAliases.flatMap((a) => (a.hostnames ?? []).map((h) => `${h}:${a.ip}`)) }
        : {}),
      ...(Object.keys(sysctls).length ? { Sysctls: sysctls } : {}),
    },
  };
}
