import type { V1ConfigMap, V1Secret, V1Service } from '@kubernetes/client-node';

/** Where the create flow reads the objects a pod refers to. `undefined` means NotFound. */
export interface PodObjectSource {
  configMap(namespace: string, name: string): Promise<V1ConfigMap | undefined>;
  secret(namespace: string, name: string): Promise<V1Secret | undefined>;
  /** Services of one namespace (for service-link variables). */
  services(namespace: string): Promise<V1Service[]>;
}

/**
 * A ConfigMap, Secret or key the pod needs is missing. The message uses the kubelet's wording,
 * so users see the same text as on a real node; the pod waits with CreateContainerConfigError.
 */
export class MissingObjectError extends Error {
  override readonly name = 'MissingObjectError';
  constructor(
    readonly kind: 'ConfigMap' | 'Secret',
    readonly namespace: string,
    readonly objectName: string,
    readonly key?: string,
  ) {
    super(
      key === undefined
        ? `${kind.toLowerCase()} "${objectName}" not found`
        : `couldn't find key ${key} in ${kind} ${namespace}/${objectName}`,
    );
  }
}

/** A pod spec the create flow cannot turn into a remote job (bad fieldRef, bad quantity...). */
export class PodSpecError extends Error {
  override readonly name = 'PodSpecError';
}
