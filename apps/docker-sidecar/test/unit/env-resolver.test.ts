import { describe, expect, it } from 'vitest';
import type { V1ConfigMap, V1Container, V1Pod, V1Secret } from '@kubernetes/client-node';
import { ContainerConfigError, resolveEnv, type EnvSources } from '../../src/pod/env-resolver';

const b64 = (s: string): string => Buffer.from(s).toString('base64');
const pod: V1Pod = {
  metadata: {
    name: 'web',
    namespace: 'shop',
    uid: 'u-1',
    labels: { app: 'web', tier: 'front' },
    annotations: { owner: 'team "a"' },
  },
  spec: {
    nodeName: 'vk-1',
    serviceAccountName: 'sa',
    containers: [{ name: 'main', resources: { limits: { cpu: '500m', memory: '64Mi' } } }],
  },
};
const sources = (over: Partial<EnvSources> = {}): EnvSources => ({
  pod,
  configMaps: new Map<string, V1ConfigMap>([
    ['cfg', { metadata: { name: 'cfg' }, data: { MODE: 'fast', 'bad=key': 'x', LEVEL: '3' } }],
  ]),
  secrets: new Map<string, V1Secret>([
    ['creds', { metadata: { name: 'creds' }, data: { PASSWORD: b64('s3cr3t $x'), TOKEN: b64('t') } }],
  ]),
  podIP: '172.17.0.9',
  nodeCpuCores: 2,
  nodeMemoryBytes: 1024,
  ...over,
});

describe('resolveEnv', () => {
  it('applies envFrom (with prefix, skipping invalid names) then env, env winning; plain values are literal (expanded upstream)', () => {
    const c: V1Container = {
      name: 'main',
      envFrom: [{ configMapRef: { name: 'cfg' } }, { secretRef: { name: 'creds' }, prefix: 'S_' }],
      env: [
        { name: 'MODE', value: 'slow' },
        { name: 'GREETING', value: 'mode=$(MODE) level=$(LEVEL) keep=$(NOPE) esc=$$(MODE)' },
      ],
    };
    const env = resolveEnv(c, sources());
    expect(Object.fromEntries(env)).toEqual({
      MODE: 'slow',
      LEVEL: '3',
      S_PASSWORD: 's3cr3t $x',
      S_TOKEN: 't',
      GREETING: 'mode=$(MODE) level=$(LEVEL) keep=$(NOPE) esc=$$(MODE)',
    });
  });

  it('resolves configMapKeyRef, secretKeyRef (decoded), fieldRef and resourceFieldRef with divisor', () => {
    const c: V1Container = {
      name: 'main',
      resources: { limits: { cpu: '500m', memory: '64Mi' } },
      env: [
        { name: 'MODE', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'MODE' } } },
        { name: 'PW', valueFrom: { secretKeyRef: { name: 'creds', key: 'PASSWORD' } } },
        { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        { name: 'NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
        { name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
        { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
        { name: 'APP', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
        { name: 'LABELS', valueFrom: { fieldRef: { fieldPath: 'metadata.labels' } } },
        { name: 'OWNER', valueFrom: { fieldRef: { fieldPath: "metadata.annotations['owner']" } } },
        { name: 'CPU_M', valueFrom: { resourceFieldRef: { resource: 'limits.cpu', divisor: '1m' } } },
        { name: 'CPU', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } },
        { name: 'MEM_MI', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
      ],
    };
    expect(Object.fromEntries(resolveEnv(c, sources()))).toEqual({
      MODE: 'fast',
      PW: 's3cr3t $x',
      POD: 'web',
      NS: 'shop',
      IP: '172.17.0.9',
      NODE: 'vk-1',
      APP: 'web',
      LABELS: 'app="web"\ntier="front"',
      OWNER: 'team "a"',
      CPU_M: '500',
      CPU: '1',
      MEM_MI: '64',
    });
  });

  it('uses node capacity for limits the container does not set', () => {
    const c: V1Container = {
      name: 'main',
      env: [{ name: 'C', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } }],
    };
    expect(resolveEnv(c, sources()).get('C')).toBe('2');
  });

  it('skips optional missing references and fails on mandatory ones with CreateContainerConfigError material', () => {
    const optional: V1Container = {
      name: 'main',
      envFrom: [{ configMapRef: { name: 'nope', optional: true } }],
      env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'creds', key: 'NOPE', optional: true } } }],
    };
    expect(resolveEnv(optional, sources()).size).toBe(0);
    const missingMap: V1Container = { name: 'main', envFrom: [{ configMapRef: { name: 'nope' } }] };
    expect(() => resolveEnv(missingMap, sources())).toThrow(ContainerConfigError);
    const missingKey: V1Container = {
      name: 'main',
      env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'NOPE' } } }],
    };
    expect(() => resolveEnv(missingKey, sources())).toThrow(/key "NOPE" of configmap "cfg" not found/);
    const badField: V1Container = {
      name: 'main',
      env: [{ name: 'X', valueFrom: { fieldRef: { fieldPath: 'spec.nope' } } }],
    };
    expect(() => resolveEnv(badField, sources())).toThrow(/unsupported fieldRef/);
  });
});
