import type { V1ConfigMap, V1Secret, V1Service, V1ServiceList } from '@kubernetes/client-node';
import { isNotFound, type KubeClient } from '../kube/kube-client';
import type { PodObjectSource } from './object-source';

interface Entry<T> {
  at: number;
  value: Promise<T>;
}

/**
 * Reads ConfigMaps, Secrets and Services with GETs (no cluster-wide informers, so the
 * controller needs no list/watch on every Secret of the cluster). Answers are shared for
 * `ttlMs` so that a burst of 1,000 pods using the same ConfigMap costs one request.
 */
export class ApiObjectSource implements PodObjectSource {
  private readonly cache = new Map<string, Entry<unknown>>();

  constructor(
    private readonly kube: KubeClient,
    private readonly ttlMs = 2_000,
  ) {}

  configMap(namespace: string, name: string): Promise<V1ConfigMap | undefined> {
    return this.cached(`cm/${namespace}/${name}`, () => this.getOrUndefined<V1ConfigMap>(`/api/v1/namespaces/${enc(namespace)}/configmaps/${enc(name)}`));
  }

  secret(namespace: string, name: string): Promise<V1Secret | undefined> {
    return this.cached(`secret/${namespace}/${name}`, () => this.getOrUndefined<V1Secret>(`/api/v1/namespaces/${enc(namespace)}/secrets/${enc(name)}`));
  }

  services(namespace: string): Promise<V1Service[]> {
    return this.cached(`svc/${namespace}`, async () => {
      const list = await this.kube.request<V1ServiceList>({ method: 'GET', path: `/api/v1/namespaces/${enc(namespace)}/services` });
      return list.items ?? [];
    });
  }

  /** Forget cached answers (a retry after CreateContainerConfigError must see the new object). */
  invalidate(): void {
    this.cache.clear();
  }

  private cached<T>(key: string, load: () => Promise<T>): Promise<T> {
    const now = Date.now();
    const hit = this.cache.get(key);
    if (hit && now - hit.at < this.ttlMs) return hit.value as Promise<T>;
    const value = load();
    this.cache.set(key, { at: now, value });
    value.catch(() => this.cache.delete(key));
    if (this.cache.size > 5_000) {
      for (const [k, e] of this.cache) if (now - e.at >= this.ttlMs) this.cache.delete(k);
    }
    return value;
  }

  private async getOrUndefined<T>(path: string): Promise<T | undefined> {
    try {
      return await this.kube.request<T>({ method: 'GET', path });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }
}

export function enc(s: string): string {
  return encodeURIComponent(s);
}
