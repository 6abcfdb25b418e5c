import type { V1ConfigMap, V1Pod, V1ProjectedVolumeSource, V1Volume, V1VolumeProjection } from '@kubernetes/client-node';
import { fieldRefValue, FieldRefError, resourceFieldValue, type PodAddresses } from '../env/field-ref';
import { MissingObjectError, PodSpecError, type PodObjectSource } from '../object-source';
import type { TokenSpec } from './token-issuer';
import { QuantityError } from '@interlink/kube-quantity';

export interface TokenSource {
  token(pod: V1Pod, spec: TokenSpec): Promise<string>;
}

export interface ProjectedVolumeOptions {
  /** `KubernetesApiCaCrt`: replaces kube-root-ca.crt for a remote side that reaches another API endpoint. */
  apiCaOverride?: string;
  nodeAllocatable: () => Record<string, string>;
}

/** Text stays text; bytes that are not valid UTF-8 go to binaryData (base64). */
function put(target: V1ConfigMap, path: string, bytes: Buffer): void {
  const text = bytes.toString('utf8');
  if (Buffer.from(text, 'utf8').equals(bytes)) (target.data ??= {})[path] = text;
  else (target.binaryData ??= {})[path] = bytes.toString('base64');
}

/**
 * Flattens a `projected` or `downwardAPI` volume into the pseudo-ConfigMap of the wire
 * contract: named after the volume, `data` maps file paths to plain-text content. Supports
 * serviceAccountToken (TokenRequest with the source's audience and expirationSeconds),
 * configMap (kube-root-ca.crt override), secret, and downwardAPI (fieldRef, resourceFieldRef).
 */
export class ProjectedVolumeResolver {
  constructor(
    private readonly objects: PodObjectSource,
    private readonly tokens: TokenSource,
    private readonly options: ProjectedVolumeOptions,
  ) {}

  async resolve(pod: V1Pod, volume: V1Volume, addr: PodAddresses): Promise<V1ConfigMap> {
    const out: V1ConfigMap = { metadata: { name: volume.name, creationTimestamp: null as unknown as Date }, data: {} };
    const sources: V1VolumeProjection[] = volume.projected?.sources ?? (volume.downwardAPI ? [{ downwardAPI: volume.downwardAPI }] : []);
    for (const source of sources) await this.addSource(pod, volume.name, source, out, addr);
    return out;
  }

  /** The equivalent projected volume of a downwardAPI volume, as the offloaded spec carries it. */
  static asProjected(volume: V1Volume): V1Volume {
    if (!volume.downwardAPI) return volume;
    const projected: V1ProjectedVolumeSource = { sources: [{ downwardAPI: { items: volume.downwardAPI.items ?? [] } }] };
    if (volume.downwardAPI.defaultMode !== undefined) projected.defaultMode = volume.downwardAPI.defaultMode;
    return { name: volume.name, projected };
  }

  private async addSource(pod: V1Pod, volumeName: string, source: V1VolumeProjection, out: V1ConfigMap, addr: PodAddresses): Promise<void> {
    const ns = pod.metadata?.namespace ?? 'default';
    if (source.serviceAccountToken) {
      const t = source.serviceAccountToken;
      const spec: TokenSpec = {};
      if (t.audience) spec.audience = t.audience;
      if (t.expirationSeconds !== undefined) spec.expirationSeconds = t.expirationSeconds;
      put(out, t.path, Buffer.from(await this.tokens.token(pod, spec)));
      return;
    }
    if (source.configMap) {
      const ref = source.configMap;
      const name = ref.name ?? '';
      if (name === 'kube-root-ca.crt' && this.options.apiCaOverride) {
        const items = ref.items?.length ? ref.items : [{ key: 'ca.crt', path: 'ca.crt' }];
        for (const item of items) if (item.key === 'ca.crt') put(out, item.path, Buffer.from(this.options.apiCaOverride));
        return;
      }
      const cm = await this.objects.configMap(ns, name);
      if (!cm) {
        if (ref.optional) return;
        throw new MissingObjectError('ConfigMap', ns, name);
      }
      const entries = new Map<string, Buffer>();
      for (const [k, v] of Object.entries(cm.data ?? {})) entries.set(k, Buffer.from(v));
      for (const [k, v] of Object.entries(cm.binaryData ?? {})) entries.set(k, Buffer.from(v, 'base64'));
      this.project(entries, ref.items, ref.optional, out, () => new MissingObjectError('ConfigMap', ns, name, ''));
      return;
    }
    if (source.secret) {
      const ref = source.secret;
      const name = ref.name ?? '';
      const secret = await this.objects.secret(ns, name);
      if (!secret) {
        if (ref.optional) return;
        throw new MissingObjectError('Secret', ns, name);
      }
      const entries = new Map(Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')]));
      this.project(entries, ref.items, ref.optional, out, () => new MissingObjectError('Secret', ns, name, ''));
      return;
    }
    if (source.downwardAPI) {
      for (const item of source.downwardAPI.items ?? []) {
        try {
          let value: string;
          if (item.fieldRef) value = fieldRefValue(pod, item.fieldRef.fieldPath, addr);
          else if (item.resourceFieldRef) {
            const ref = item.resourceFieldRef;
            const container = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].find((c) => c.name === ref.containerName);
            value = resourceFieldValue(container, ref.resource, ref.divisor as string | undefined, this.options.nodeAllocatable());
          } else continue;
          put(out, item.path, Buffer.from(value));
        } catch (err) {
          if (err instanceof FieldRefError || err instanceof QuantityError) {
            throw new PodSpecError(`volume ${volumeName}: downwardAPI item ${item.path}: ${err.message}`);
          }
          throw err;
        }
      }
      return;
    }
    const kind = Object.keys(source).find((k) => (source as Record<string, unknown>)[k] !== undefined) ?? 'unknown';
    throw new PodSpecError(`volume ${volumeName}: projected source "${kind}" is not supported by this node`);
  }

  private project(
    entries: Map<string, Buffer>,
    items: Array<{ key: string; path: string }> | undefined,
    optional: boolean | undefined,
    out: V1ConfigMap,
    missing: () => MissingObjectError,
  ): void {
    if (!items || items.length === 0) {
      for (const [k, v] of entries) put(out, k, v);
      return;
    }
    for (const item of items) {
      const v = entries.get(item.key);
      if (v === undefined) {
        if (optional) continue;
        const err = missing();
        throw new MissingObjectError(err.kind, err.namespace, err.objectName, item.key);
      }
      put(out, item.path, v);
    }
  }
}
