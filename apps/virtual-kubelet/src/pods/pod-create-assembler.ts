import type { V1ConfigMap, V1Container, V1Pod, V1PodStatus, V1Secret, V1Volume } from '@kubernetes/client-node';
import type { PodCreateRequests } from '@interlink/api';
import type { EnvResolver } from './env/env-resolver';
import { expandVars } from './env/expansion';
import type { PodAddresses } from './env/field-ref';
import { MissingObjectError, type PodObjectSource } from './object-source';
import { ProjectedVolumeResolver } from './volumes/projected-volume-resolver';

export interface PodCreateAssemblerOptions {
  /** `DisableProjectedVolumes`: skip projected and downwardAPI volumes entirely. */
  disableProjectedVolumes: boolean;
  /** `JobScriptBuilderURL`, copied into every request. */
  jobScriptBuilderURL: string;
}

/** The pod's address when it is known ahead of time (VPN allocation or the user's choice). */
/** The files a pod's ConfigMap, Secret and projected/downwardAPI volumes hold, as sent on the wire. */
export type VolumeContent = Pick<PodCreateRequests, 'configmaps' | 'secrets' | 'projectedvolumesmaps'>;

export const POD_IP_ANNOTATION = 'interlink.eu/pod-ip';

/**
 * Builds the hop-1 `/create` body from a pod: every container's environment resolved to
 * literal values (`envFrom` flattened and emptied, `$(VAR)` expanded in command and args,
 * `subPathExpr` expanded), the ConfigMaps and Secrets its volumes use, and one pseudo-ConfigMap
 * per projected/downwardAPI volume (downwardAPI volumes rewritten as projected ones).
 * Throws MissingObjectError (pod waits with CreateContainerConfigError) or PodSpecError.
 */
export class PodCreateAssembler {
  constructor(
    private readonly objects: PodObjectSource,
    private readonly env: EnvResolver,
    private readonly projected: ProjectedVolumeResolver,
    private readonly options: PodCreateAssemblerOptions,
  ) {}

  async assemble(source: V1Pod, status: V1PodStatus, addr: PodAddresses): Promise<PodCreateRequests> {
    const pod = structuredClone(source);
    if (pod.metadata) delete pod.metadata.managedFields;
    const spec = pod.spec ?? { containers: [] };
    pod.spec = spec;
    const serviceEnv = await this.env.serviceEnv(pod);
    const resolveContainer = async (c: V1Container): Promise<V1Container> => {
      const resolved = await this.env.resolve(pod, c, serviceEnv, addr);
      const out: V1Container = { ...c, env: resolved.env };
      delete out.envFrom;
      if (resolved.command) out.command = resolved.command;
      if (resolved.args) out.args = resolved.args;
      if (c.volumeMounts) {
        const envMap = new Map(resolved.env.map((e) => [e.name, e.value ?? '']));
        out.volumeMounts = c.volumeMounts.map((m) => {
          if (!m.subPathExpr) return m;
          const { subPathExpr, ...rest } = m;
          return { ...rest, subPath: expandVars(subPathExpr, (n) => envMap.get(n)) };
        });
      }
      return out;
    };
    spec.initContainers = spec.initContainers ? await Promise.all(spec.initContainers.map(resolveContainer)) : undefined;
    if (!spec.initContainers) delete spec.initContainers;
    spec.containers = await Promise.all(spec.containers.map(resolveContainer));

    const { configmaps, secrets, projectedvolumesmaps, volumes } = await this.resolveVolumes(source, addr);
    if (spec.volumes) spec.volumes = volumes;
    pod.status = status;
    return { pod, configmaps, secrets, projectedvolumesmaps, jobscriptURL: this.options.jobScriptBuilderURL };
  }

  /**
   * Only the content the plugin writes into the pod's ConfigMap, Secret and projected volumes
   * (what `/updateVolumes` refreshes), without resolving env: cheap enough to compare
   * periodically for every running pod.
   */
  async volumeContent(source: V1Pod, addr: PodAddresses): Promise<VolumeContent> {
    const { configmaps, secrets, projectedvolumesmaps } = await this.resolveVolumes(source, addr);
    return { configmaps, secrets, projectedvolumesmaps };
  }

  private async resolveVolumes(source: V1Pod, addr: PodAddresses): Promise<VolumeContent & { volumes: V1Volume[] }> {
    const ns = source.metadata?.namespace ?? 'default';
    const configmaps: V1ConfigMap[] = [];
    const secrets: V1Secret[] = [];
    const projectedvolumesmaps: V1ConfigMap[] = [];
    const volumes: V1Volume[] = [];
    for (const volume of source.spec?.volumes ?? []) {
      if (volume.configMap) {
        const name = volume.configMap.name ?? '';
        const cm = await this.objects.configMap(ns, name);
        if (cm) configmaps.push(stripMeta(cm));
        else if (!volume.configMap.optional) throw new MissingObjectError('ConfigMap', ns, name);
        volumes.push(volume);
      } else if (volume.secret) {
        const name = volume.secret.secretName ?? '';
        const secret = await this.objects.secret(ns, name);
        if (secret) secrets.push(stripMeta(secret));
        else if (!volume.secret.optional) throw new MissingObjectError('Secret', ns, name);
        volumes.push(volume);
      } else if (volume.projected || volume.downwardAPI) {
        const asProjected = ProjectedVolumeResolver.asProjected(volume);
        volumes.push(asProjected);
        if (!this.options.disableProjectedVolumes) projectedvolumesmaps.push(await this.projected.resolve(source, volume, addr));
      } else {
        volumes.push(volume);
      }
    }
    return { configmaps, secrets, projectedvolumesmaps, volumes };
  }
}

function stripMeta<T extends V1ConfigMap | V1Secret>(obj: T): T {
  if (!obj.metadata?.managedFields) return obj;
  const { managedFields: _drop, ...metadata } = obj.metadata;
  return { ...obj, metadata };
}
