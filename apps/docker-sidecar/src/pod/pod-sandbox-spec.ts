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
 * Whether the pod needs a sandbox container holding its namespaces. A pod with one container,
 * no init containers and nothing shared does not: its container owns the network itself, which
 * halves the containers Docker has to start (starting containers is what the engine is slow at).
 */
export function needsSandbox(pod: V1Pod, plan: VolumePlan): boolean {
  const spec = pod.spec;
  return (
    (spec?.initContainers?.length ?? 0) > 0 ||
    (spec?.containers?.length ?? 0) !== 1 ||
    Boolean(spec?.shareProcessNamespace) ||
    [...plan.volumes.values()].some((v) => v.kind === 'memory') ||
    // The pod IP must be known before the container exists.
    (spec?.containers ?? []).some((c) =>
      c.env?.some((e) => e.valueFrom?.fieldRef?.fieldPath?.startsWith('status.podIP')),
    )
  );
}

/** What the owner of the pod's network namespace carries: hostname, ports, DNS, hosts, sysctls. */
export interface NetworkOwnerConfig {
  config: Pick<Docker.ContainerCreateOptions, 'Hostname' | 'Domainname' | 'ExposedPorts'>;
  host: Pick<
    Docker.HostConfig,
    'NetworkMode' | 'PortBindings' | 'Dns' | 'DnsSearch' | 'DnsOptions' | 'ExtraHosts' | 'Sysctls'
  >;
}

export function networkOwnerConfig(pod: V1Pod, ref: PodRef, network: string): NetworkOwnerConfig {
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
  const sysctls = Object.fromEntries((spec?.securityContext?.sysctls ?? []).map((x) => [x.name, x.value]));
  return {
    config: {
      ...(hostNetwork ? {} : { Hostname: hostname }),
      ...(spec?.subdomain ? { Domainname: spec.subdomain } : {}),
      ExposedPorts: exposed,
    },
    host: {
      NetworkMode: hostNetwork ? 'host' : network,
      PortBindings: bindings,
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

/**
 * The pod's "pause" container: owns the network, IPC and UTS namespaces the pod's containers
 * join and keeps memory-backed emptyDirs mounted.
 */
export function buildSandboxSpec(
  pod: V1Pod,
  ref: PodRef,
  plan: VolumePlan,
  s: SandboxSettings,
): Docker.ContainerCreateOptions {
  const owner = networkOwnerConfig(pod, ref, s.network);
  const mounts: Docker.MountSettings[] = [...plan.volumes.values()].flatMap((v) =>
    v.kind === 'memory'
      ? [{ Type: 'volume' as const, Source: v.dockerVolume, Target: `${SANDBOX_VOLUME_ROOT}/${v.name}` }]
      : [],
  );
  return {
    name: sandboxName(ref),
    Image: s.image,
    Entrypoint: s.command.slice(0, 1),
    Cmd: s.command.slice(1),
    ...owner.config,
    Labels: { ...podLabels(s.sidecar, ref), [Labels.role]: 'sandbox' },
    StopSignal: 'SIGKILL',
    HostConfig: {
      ...owner.host,
      IpcMode: 'shareable',
      Mounts: mounts,
      RestartPolicy: { Name: 'no' },
      CpuShares: 2,
    },
  };
}
