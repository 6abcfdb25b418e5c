import type { V1ConfigMap, V1Container, V1EnvVarSource, V1Pod, V1Secret } from '@kubernetes/client-node';
import { cpuToMilli, memoryToBytes, quantityToNumber } from './quantity';

/** A reference the kubelet could not resolve: the container waits with CreateContainerConfigError. */
export class ContainerConfigError extends Error {
  override readonly name = 'ContainerConfigError';
}

export interface EnvSources {
  pod: V1Pod;
  /** ConfigMaps and Secrets shipped with the pod, by name. */
  configMaps: ReadonlyMap<string, V1ConfigMap>;
  secrets: ReadonlyMap<string, V1Secret>;
  /** Pod IP (the sandbox's address) for `status.podIP`. */
  podIP?: string;
  hostIP?: string;
  /** Used for resourceFieldRef when the container sets no limit, as the kubelet uses node allocatable. */
  nodeCpuCores: number;
  nodeMemoryBytes: number;
}

// Any printable ASCII except '=' is accepted by current Kubernetes for env names.
const ENV_NAME = /^[\x21-\x3c\x3e-\x7e]+$/;

/**
 * The final environment of a container: envFrom first, then env (which wins), values from the
 * ConfigMaps/Secrets shipped with the pod, the downward API and resource fields. The node
 * controller usually resolved everything already; this handles what is left. Plain values are
 * literal: the node controller already did the `$(VAR)` expansion, and a second one would turn
 * a user's escaped `$$(X)` into X's value.
 */
export function resolveEnv(container: V1Container, src: EnvSources): Map<string, string> {
  const env = new Map<string, string>();
  for (const from of container.envFrom ?? []) {
    const prefix = from.prefix ?? '';
    let data: Record<string, string> | undefined;
    if (from.configMapRef) {
      const cm = src.configMaps.get(from.configMapRef.name ?? '');
      if (!cm) {
        if (from.configMapRef.optional) continue;
        throw new ContainerConfigError(`configmap "${from.configMapRef.name}" not found (envFrom)`);
      }
      data = { ...(cm.data ?? {}) };
    } else if (from.secretRef) {
      const secret = src.secrets.get(from.secretRef.name ?? '');
      if (!secret) {
        if (from.secretRef.optional) continue;
        throw new ContainerConfigError(`secret "${from.secretRef.name}" not found (envFrom)`);
      }
      data = Object.fromEntries(Object.entries(secret.data ?? {}).map(([k, v]) => [k, decodeBase64(v)]));
    }
    for (const [key, value] of Object.entries(data ?? {})) {
      const name = prefix + key;
      if (ENV_NAME.test(name)) env.set(name, value);
    }
  }
  for (const e of container.env ?? []) {
    if (e.valueFrom) {
      const value = resolveValueFrom(e.name, e.valueFrom, container, src);
      if (value !== undefined) env.set(e.name, value);
    } else {
      env.set(e.name, e.value ?? '');
    }
  }
  return env;
}

function resolveValueFrom(
  name: string,
  from: V1EnvVarSource,
  container: V1Container,
  src: EnvSources,
): string | undefined {
  if (from.configMapKeyRef) {
    const { name: cmName, key, optional } = from.configMapKeyRef;
    const value = src.configMaps.get(cmName ?? '')?.data?.[key];
    if (value === undefined && !optional)
      throw new ContainerConfigError(`env ${name}: key "${key}" of configmap "${cmName}" not found`);
    return value;
  }
  if (from.secretKeyRef) {
    const { name: secretName, key, optional } = from.secretKeyRef;
    const raw = src.secrets.get(secretName ?? '')?.data?.[key];
    if (raw === undefined && !optional)
      throw new ContainerConfigError(`env ${name}: key "${key}" of secret "${secretName}" not found`);
    return raw === undefined ? undefined : decodeBase64(raw);
  }
  if (from.fieldRef) return fieldValue(name, from.fieldRef.fieldPath, src);
  if (from.resourceFieldRef) {
    const ref = from.resourceFieldRef;
    const target = ref.containerName ? findContainer(src.pod, ref.containerName) : container;
    if (!target)
      throw new ContainerConfigError(
        `env ${name}: container "${ref.containerName}" not found for resourceFieldRef`,
      );
    return resourceValue(name, target, ref.resource, ref.divisor, src);
  }
  return undefined;
}

function fieldValue(name: string, path: string, src: EnvSources): string {
  const meta = src.pod.metadata ?? {};
  const subscript = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
  if (subscript)
    return (subscript[1] === 'labels' ? meta.labels : meta.annotations)?.[subscript[2] ?? ''] ?? '';
  switch (path) {
    case 'metadata.name':
      return meta.name ?? '';
    case 'metadata.namespace':
      return meta.namespace ?? '';
    case 'metadata.uid':
      return meta.uid ?? '';
    case 'metadata.labels':
    case 'metadata.annotations':
      return formatMap((path === 'metadata.labels' ? meta.labels : meta.annotations) ?? {});
    case 'spec.nodeName':
      return src.pod.spec?.nodeName ?? '';
    case 'spec.serviceAccountName':
      return src.pod.spec?.serviceAccountName ?? '';
    case 'status.podIP':
    case 'status.podIPs':
      return src.podIP ?? src.pod.status?.podIP ?? '';
    case 'status.hostIP':
    case 'status.hostIPs':
      return src.hostIP ?? src.pod.status?.hostIP ?? '';
    default:
      throw new ContainerConfigError(`env ${name}: unsupported fieldRef "${path}"`);
  }
}

/** `key="value"` lines, sorted, as the downward API writes maps. */
export function formatMap(map: Record<string, string>): string {
  return Object.keys(map)
    .sort()
    .map((k) => `${k}=${JSON.stringify(map[k])}`)
    .join('\n');
}

function resourceValue(
  name: string,
  c: V1Container,
  resource: string,
  divisor: string | undefined,
  src: EnvSources,
): string {
  const [kind, res] = resource.split('.', 2) as [string, string | undefined];
  const limits = c.resources?.limits ?? {};
  const requests = c.resources?.requests ?? {};
  const pick = (r: string): string | number | undefined =>
    kind === 'limits' ? limits[r] : (requests[r] ?? limits[r]);
  const div = divisor ? quantityToNumber(divisor) : 1;
  if (res === 'cpu') {
    const q = pick('cpu');
    const cores = q === undefined ? (kind === 'limits' ? src.nodeCpuCores : 0) : cpuToMilli(q) / 1000;
    return String(Math.ceil(cores / div - 1e-9));
  }
  if (res === 'memory' || res === 'ephemeral-storage') {
    const q = pick(res);
    const bytes =
      q === undefined ? (kind === 'limits' && res === 'memory' ? src.nodeMemoryBytes : 0) : memoryToBytes(q);
    return String(Math.ceil(bytes / div - 1e-9));
  }
  throw new ContainerConfigError(`env ${name}: unsupported resourceFieldRef "${resource}"`);
}

function findContainer(pod: V1Pod, name: string): V1Container | undefined {
  return [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].find((c) => c.name === name);
}

export function decodeBase64(value: string): string {
  return Buffer.from(value, 'base64').toString('utf8');
}
