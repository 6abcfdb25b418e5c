import type { V1Node, V1NodeStatus, V1Taint } from '@kubernetes/client-node';
import { isConflict, isNotFound, type KubeClient } from '../kube/kube-client';
import { enc } from '../pods/api-object-source';

const STRATEGIC = 'application/strategic-merge-patch+json';
const MERGE = 'application/merge-patch+json';

/**
 * Node object I/O: create when missing, patch labels/annotations and taints (keeping taints
 * others own, such as node.kubernetes.io/not-ready), patch status (strategic merge, so
 * conditions of other writers survive).
 */
export class NodeRegistrar {
  private readonly path: string;

  constructor(
    private readonly kube: KubeClient,
    readonly nodeName: string,
  ) {
    this.path = `/api/v1/nodes/${enc(nodeName)}`;
  }

  async get(): Promise<V1Node | undefined> {
    try {
      return await this.kube.request<V1Node>({ method: 'GET', path: this.path });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** Creates the node, or returns the existing one (a restart keeps the node and its pods). */
  async ensure(template: V1Node): Promise<{ node: V1Node; created: boolean }> {
    const existing = await this.get();
    if (existing) return { node: existing, created: false };
    try {
      return { node: await this.kube.request<V1Node>({ method: 'POST', path: '/api/v1/nodes', body: template }), created: true };
    } catch (err) {
      if (isConflict(err)) {
        const node = await this.get();
        if (node) return { node, created: false };
      }
      throw err;
    }
  }

  async patchMetadata(labels: Record<string, string>, annotations: Record<string, string>): Promise<V1Node> {
    return this.kube.request<V1Node>({ method: 'PATCH', path: this.path, contentType: MERGE, body: { metadata: { labels, annotations } } });
  }

  /**
   * Our taints first, then every taint someone else put on the node. `managedKeys` are the
   * keys we own now or owned before (so removed plugin taints disappear). Optimistic: the
   * patch carries the resourceVersion it was computed from and is retried on conflict.
   */
  async syncTaints(desired: V1Taint[], managedKeys: Set<string>): Promise<V1Node> {
    for (let attempt = 0; ; attempt++) {
      const node = await this.get();
      if (!node) throw new Error(`node ${this.nodeName} disappeared`);
      const foreign = (node.spec?.taints ?? []).filter((t) => !managedKeys.has(t.key) && !desired.some((d) => d.key === t.key && d.effect === t.effect));
      const taints = [...desired.map(stripTime), ...foreign];
      if (JSON.stringify(node.spec?.taints ?? []) === JSON.stringify(taints)) return node;
      try {
        return await this.kube.request<V1Node>({
          method: 'PATCH',
          path: this.path,
          contentType: MERGE,
          body: { metadata: { resourceVersion: node.metadata?.resourceVersion }, spec: { taints } },
        });
      } catch (err) {
        if (!isConflict(err) || attempt >= 5) throw err;
      }
    }
  }

  async patchStatus(status: V1NodeStatus, removedResources: string[] = []): Promise<V1Node> {
    const capacity: Record<string, string | null> = { ...(status.capacity ?? {}) };
    const allocatable: Record<string, string | null> = { ...(status.allocatable ?? {}) };
    for (const r of removedResources) {
      capacity[r] = null;
      allocatable[r] = null;
    }
    return this.kube.request<V1Node>({
      method: 'PATCH',
      path: `${this.path}/status`,
      contentType: STRATEGIC,
      body: { status: { ...status, capacity, allocatable } },
    });
  }
}

function stripTime(t: V1Taint): V1Taint {
  const out: V1Taint = { key: t.key, effect: t.effect };
  if (t.value) out.value = t.value;
  return out;
}
