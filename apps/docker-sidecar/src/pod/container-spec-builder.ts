import type { V1Container, V1Pod } from '@kubernetes/client-node';
import type Docker from 'dockerode';
import { buildMounts } from './mount-builder';
import { dockerContainerName, Labels, type ContainerRole } from './names';
import { mapResources } from './resource-mapper';
import { mapSecurity } from './security-mapper';
import type { VolumePlan } from './volume-planner';
import type { NetworkOwnerConfig } from './pod-sandbox-spec';

export interface PodRef {
  namespace: string;
  podName: string;
  uid: string;
}

export interface ContainerBuildInput {
  pod: V1Pod;
  ref: PodRef;
  container: V1Container;
  role: Exclude<ContainerRole, 'sandbox'>;
  index: number;
  attempt: number;
  /** The sandbox whose namespaces the container joins, or the network settings it owns itself. */
  netns: { sandboxId: string } | { own: NetworkOwnerConfig };
  plan: VolumePlan;
  /** Resolved environment (see resolveEnv). */
  env: ReadonlyMap<string, string>;
  gpuDevices: readonly string[];
  /** The image's configured user (`Config.User`), "" for root. */
  imageUser: string;
  /** Value of the `interlink.sidecar` label. */
  sidecar: string;
  logMaxSize: string;
  logMaxFiles: number;
}

/** Common labels of every object belonging to a pod. */
export function podLabels(sidecar: string, ref: PodRef): Record<string, string> {
  return {
    [Labels.sidecar]: sidecar,
    [Labels.podUid]: ref.uid,
    [Labels.namespace]: ref.namespace,
    [Labels.podName]: ref.podName,
  };
}

/**
 * The Docker create options of one container instance. `command` replaces the image
 * ENTRYPOINT and `args` its CMD, each passed as an argument array (no shell ever sees them)
 * and literally: the node controller already expanded `$(VAR)` references. The container joins the sandbox's
 * network and IPC namespaces, so the pod's containers share localhost.
 */
export function buildContainerSpec(input: ContainerBuildInput): Docker.ContainerCreateOptions {
  const { container: c, env } = input;
  const command = c.command?.length ? [...c.command] : undefined;
  const args = c.args?.length ? [...c.args] : undefined;
  const grace = input.pod.spec?.terminationGracePeriodSeconds ?? 30;
  const spec: Docker.ContainerCreateOptions = {
    name: dockerContainerName(input.ref, c.name, input.attempt),
    Image: c.image,
    Env: [...env].map(([k, v]) => `${k}=${v}`),
    Labels: {
      ...podLabels(input.sidecar, input.ref),
      [Labels.container]: c.name,
      [Labels.role]: input.role,
      [Labels.index]: String(input.index),
      [Labels.attempt]: String(input.attempt),
      ...(input.gpuDevices.length ? { [Labels.gpus]: input.gpuDevices.join(',') } : {}),
    },
    Tty: Boolean(c.tty),
    StopTimeout: grace,
    ...mapSecurityUser(input),
    ...('own' in input.netns ? input.netns.own.config : {}),
    HostConfig: {
      ...namespaces(input),
      Mounts: buildMounts(c, input.plan, env),
      RestartPolicy: { Name: 'no' },
      LogConfig: {
        Type: 'json-file',
        Config: { 'max-size': input.logMaxSize, 'max-file': String(input.logMaxFiles) },
      },
      ...mapResources(c, input.gpuDevices),
      ...securityHostConfig(input),
    },
  };
  if (command) {
    spec.Entrypoint = command;
    spec.Cmd = args ?? [];
  } else if (args) {
    spec.Cmd = args;
  }
  if (c.workingDir) spec.WorkingDir = c.workingDir;
  return spec;
}

function namespaces(input: ContainerBuildInput): Partial<Docker.HostConfig> {
  if ('own' in input.netns) return input.netns.own.host;
  const id = input.netns.sandboxId;
  return {
    NetworkMode: `container:${id}`,
    IpcMode: `container:${id}`,
    ...(input.pod.spec?.shareProcessNamespace ? { PidMode: `container:${id}` } : {}),
  };
}

function mapSecurityUser(input: ContainerBuildInput): { User?: string } {
  const { User } = mapSecurity(input.pod, input.container, input.imageUser);
  return User !== undefined ? { User } : {};
}

function securityHostConfig(input: ContainerBuildInput): Partial<Docker.HostConfig> {
  const { User: _user, ...host } = mapSecurity(input.pod, input.container, input.imageUser);
  return host;
}
