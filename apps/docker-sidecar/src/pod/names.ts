/** Labels every object the sidecar creates carries; state is rebuilt from them after a restart. */
export const Labels = {
  /** Which sidecar instance owns the object; lets several sidecars share one engine. */
  sidecar: 'interlink.sidecar',
  podUid: 'interlink.pod-uid',
  namespace: 'interlink.pod-namespace',
  podName: 'interlink.pod-name',
  container: 'interlink.container',
  /** `sandbox`, `init` or `app`. */
  role: 'interlink.role',
  /** Position among the pod's init or app containers (spec order). */
  index: 'interlink.index',
  /** Restart attempt of this container instance (0 for the first). */
  attempt: 'interlink.attempt',
  /** GPU device ids given to this container, comma-separated. */
  gpus: 'interlink.gpus',
} as const;

export type ContainerRole = 'sandbox' | 'init' | 'app';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const UID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Why a name cannot be used to build paths and container names, or undefined when it can. */
export function nameProblem(
  kind: 'namespace' | 'pod name' | 'pod UID' | 'container name' | 'volume name',
  value: string | undefined,
): string | undefined {
  if (!value) return `${kind} is empty`;
  switch (kind) {
    case 'pod UID':
      return UID.test(value) ? undefined : `${kind} "${value}" is not a lowercase UUID`;
    case 'pod name':
      return value.length <= 253 && DNS_SUBDOMAIN.test(value)
        ? undefined
        : `${kind} "${value}" is not a DNS subdomain`;
    default:
      return value.length <= 63 && DNS_LABEL.test(value)
        ? undefined
        : `${kind} "${value}" is not a DNS label`;
  }
}

/** Docker name of a container instance, kubelet style: unique per pod, container and attempt. */
export function dockerContainerName(
  p: { namespace: string; podName: string; uid: string },
  container: string,
  attempt: number,
): string {
  return `il_${container}_${p.podName}_${p.namespace}_${p.uid}_${attempt}`;
}

export function sandboxName(p: { namespace: string; podName: string; uid: string }): string {
  return `il_POD_${p.podName}_${p.namespace}_${p.uid}`;
}

/**
 * The pod's job id (CreateStruct.PodJID, PodStatus.JID): the name of its sandbox container, the
 * same whether or not the pod needed one, stable across restarts of its containers.
 */
export function podJobId(p: { namespace: string; podName: string; uid: string }): string {
  return sandboxName(p);
}

/** Docker volume holding a `medium: Memory` emptyDir (tmpfs shared by the pod's containers). */
export function memoryVolumeName(uid: string, volume: string): string {
  return `il_${uid}_${volume}`;
}
