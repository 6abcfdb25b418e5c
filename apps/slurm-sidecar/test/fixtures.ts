import { randomUUID } from 'node:crypto';
import { Value } from '@sinclair/typebox/value';
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import type { RetrievedContainer, RetrievedPodData } from '@interlink/api';
import { SlurmSidecarConfigSchema, type SlurmSidecarConfig } from '../src/config/sidecar-config';
import { resolveSettings, type SidecarSettings } from '../src/config/sidecar-settings';

/** The configuration with schema defaults and the given overrides. */
export function testConfig(overrides: Partial<SlurmSidecarConfig> = {}): SlurmSidecarConfig {
  const cfg = Value.Create(SlurmSidecarConfigSchema) as SlurmSidecarConfig;
  return { ...cfg, ...overrides };
}

export function testSettings(overrides: Partial<SlurmSidecarConfig> = {}): SidecarSettings {
  return resolveSettings(testConfig({ DataRootFolder: '/data/jobs', ...overrides }), '/');
}

export interface PodOptions {
  name?: string;
  namespace?: string;
  uid?: string;
  containers: V1Container[];
  initContainers?: V1Container[];
  annotations?: Record<string, string>;
  volumes?: NonNullable<V1Pod['spec']>['volumes'];
  spec?: Partial<NonNullable<V1Pod['spec']>>;
}

export function makePod(o: PodOptions): V1Pod {
  return {
    metadata: {
      name: o.name ?? 'test-pod',
      namespace: o.namespace ?? 'default',
      uid: o.uid ?? randomUUID(),
      ...(o.annotations ? { annotations: o.annotations } : {}),
    },
    spec: {
      containers: o.containers,
      ...(o.initContainers ? { initContainers: o.initContainers } : {}),
      ...(o.volumes ? { volumes: o.volumes } : {}),
      restartPolicy: 'Never',
      ...o.spec,
    },
  };
}

/** A hop-2 create body, with per-container volume data as the relay would send it. */
export function makeCreate(
  pod: V1Pod,
  perContainer: Partial<Omit<RetrievedContainer, 'name'>> & { name?: string } = {},
): RetrievedPodData {
  const names = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].map((c) => c.name);
  return {
    pod,
    container: names.map((name) => ({
      name,
      configMaps: perContainer.configMaps ?? [],
      projectedvolumemaps: perContainer.projectedvolumemaps ?? [],
      secrets: perContainer.secrets ?? [],
      emptyDirs: [],
    })),
  };
}
