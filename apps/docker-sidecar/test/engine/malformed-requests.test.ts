import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { V1Pod } from '@kubernetes/client-node';
import type { RetrievedPodData } from '@interlink/api';
import { b64, docker, makePod, purge, send, startHarness, type Harness } from './harness';

type Mutate = (d: RetrievedPodData, pod: V1Pod & { spec: NonNullable<V1Pod['spec']> }) => void;

const base = (): RetrievedPodData =>
  makePod({
    configMaps: [{ metadata: { name: 'cfg' }, data: { k: 'v' } }],
    secrets: [{ metadata: { name: 'sec' }, data: { k: b64('v') } }],
    containers: [{ name: 'main', command: ['true'] }],
  });

const mount = (name: string, extra: object = {}) => [{ name, mountPath: '/m', ...extra }];

interface Case {
  name: string;
  mutate: Mutate;
  status?: number;
  error: RegExp;
}

let hostDir = '';

const cases: Case[] = [
  {
    name: 'namespace with upper case',
    mutate: (_d, p) => (p.metadata!.namespace = 'Default'),
    error: /namespace "Default" is not a DNS label/,
  },
  {
    name: 'namespace with path traversal',
    mutate: (_d, p) => (p.metadata!.namespace = '../../etc'),
    error: /namespace/,
  },
  { name: 'empty namespace', mutate: (_d, p) => (p.metadata!.namespace = ''), error: /namespace is empty/ },
  {
    name: 'pod UID not a UUID',
    mutate: (_d, p) => (p.metadata!.uid = 'pod-1'),
    error: /pod UID "pod-1" is not a lowercase UUID/,
  },
  {
    name: 'pod UID in upper case',
    mutate: (_d, p) => (p.metadata!.uid = p.metadata!.uid!.toUpperCase()),
    error: /pod UID/,
  },
  { name: 'pod name with a slash', mutate: (_d, p) => (p.metadata!.name = 'a/b'), error: /pod name "a\/b"/ },
  {
    name: 'container name with upper case',
    mutate: (_d, p) => (p.spec.containers[0]!.name = 'Main'),
    error: /container name "Main"/,
  },
  {
    name: 'duplicate container names',
    mutate: (_d, p) => (p.spec.initContainers = [{ name: 'main', image: 'busybox' }]),
    error: /"main" is used twice/,
  },
  {
    name: 'volume name invalid',
    mutate: (_d, p) => (p.spec.volumes = [{ name: 'Vol_1', emptyDir: {} }]),
    error: /volume name "Vol_1"/,
  },
  {
    name: 'mount of an undeclared volume',
    mutate: (_d, p) => (p.spec.containers[0]!.volumeMounts = mount('ghost')),
    error: /refers to no volume/,
  },
  {
    name: 'relative mountPath',
    mutate: (_d, p) => {
      p.spec.volumes = [{ name: 'v', emptyDir: {} }];
      p.spec.containers[0]!.volumeMounts = [{ name: 'v', mountPath: 'data' }];
    },
    error: /mountPath "data" must be absolute/,
  },
  {
    name: 'persistentVolumeClaim volume',
    mutate: (_d, p) => {
      p.spec.volumes = [{ name: 'v', persistentVolumeClaim: { claimName: 'c' } }];
      p.spec.containers[0]!.volumeMounts = mount('v');
    },
    error: /type persistentVolumeClaim is not supported/,
  },
  {
    name: 'nfs volume',
    mutate: (_d, p) => {
      p.spec.volumes = [{ name: 'v', nfs: { server: 's', path: '/x' } }];
      p.spec.containers[0]!.volumeMounts = mount('v');
    },
    error: /type nfs is not supported/,
  },
  {
    name: 'hostPath outside the allow-list',
    mutate: (_d, p) => {
      p.spec.volumes = [{ name: 'v', hostPath: { path: '/etc' } }];
      p.spec.containers[0]!.volumeMounts = mount('v');
    },
    error: /not allowed/,
  },
  {
    name: 'hostPath escaping the allow-list with ..',
    mutate: (_d, p) => {
      p.spec.volumes = [{ name: 'v', hostPath: { path: `${hostDir}/../../etc` } }];
      p.spec.containers[0]!.volumeMounts = mount('v');
    },
    error: /not allowed/,
  },
  {
    name: 'relative hostPath',
    mutate: (_d, p) => {
      p.spec.volumes = [{ name: 'v', hostPath: { path: 'etc' } }];
      p.spec.containers[0]!.volumeMounts = mount('v');
    },
    error: /must be absolute/,
  },
  {
    name: 'hostPath Directory that does not exist',
    mutate: (_d, p) => {
      p.spec.volumes = [{ name: 'v', hostPath: { path: `${hostDir}/missing`, type: 'Directory' } }];
      p.spec.containers[0]!.volumeMounts = mount('v');
    },
    error: /is not an existing directory/,
  },
  {
    name: 'hostPath with an unknown type',
    mutate: (_d, p) => {
      p.spec.volumes = [{ name: 'v', hostPath: { path: hostDir, type: 'Weird' } }];
      p.spec.containers[0]!.volumeMounts = mount('v');
    },
    error: /unknown hostPath type/,
  },
  {
    name: 'configMap key escaping the volume',
    mutate: (d, p) => {
      d.container[0]!.configMaps = [{ metadata: { name: 'cfg' }, data: { '../../x': 'v' } }];
      p.spec.volumes = [{ name: 'v', configMap: { name: 'cfg' } }];
      p.spec.containers[0]!.volumeMounts = mount('v');
    },
    error: /must not contain "\.\."/,
  },
  {
    name: 'secret item path absolute',
    mutate: (_d, p) => {
      p.spec.volumes = [
        {
          name: 'v',
          secret: { secretName: 'sec', items: [{ key: 'k', path: '/root/.ssh/authorized_keys' }] },
        },
      ];
      p.spec.containers[0]!.volumeMounts = mount('v');
    },
    error: /must be a relative path/,
  },
  {
    name: 'projected path escaping',
    mutate: (d, p) => {
      d.container[0]!.projectedvolumemaps = [{ metadata: { name: 'v' }, data: { 'a/../../../b': 'x' } }];
      p.spec.volumes = [{ name: 'v', projected: { sources: [] } }];
      p.spec.containers[0]!.volumeMounts = mount('v');
    },
    error: /must not contain "\.\."/,
  },
  {
    name: 'subPath with ..',
    mutate: (_d, p) => {
      p.spec.volumes = [{ name: 'v', emptyDir: {} }];
      p.spec.containers[0]!.volumeMounts = mount('v', { subPath: '../../..' });
    },
    error: /subPath/,
  },
  {
    name: 'absolute subPath',
    mutate: (_d, p) => {
      p.spec.volumes = [{ name: 'v', emptyDir: {} }];
      p.spec.containers[0]!.volumeMounts = mount('v', { subPath: '/etc' });
    },
    error: /subPath "\/etc" must be a relative path/,
  },
  {
    name: 'subPath on a memory emptyDir',
    mutate: (_d, p) => {
      p.spec.volumes = [{ name: 'v', emptyDir: { medium: 'Memory' } }];
      p.spec.containers[0]!.volumeMounts = mount('v', { subPath: 'x' });
    },
    error: /memory-backed emptyDir/,
  },
  {
    name: 'configMap not sent with the pod',
    mutate: (_d, p) => {
      p.spec.volumes = [{ name: 'v', configMap: { name: 'absent' } }];
      p.spec.containers[0]!.volumeMounts = mount('v');
    },
    error: /configMap "absent" was not sent/,
  },
  {
    name: 'secret not sent with the pod',
    mutate: (_d, p) => {
      p.spec.volumes = [{ name: 'v', secret: { secretName: 'absent' } }];
      p.spec.containers[0]!.volumeMounts = mount('v');
    },
    error: /secret "absent" was not sent/,
  },
  {
    name: 'configMap item key missing',
    mutate: (_d, p) => {
      p.spec.volumes = [{ name: 'v', configMap: { name: 'cfg', items: [{ key: 'nope', path: 'n' }] } }];
      p.spec.containers[0]!.volumeMounts = mount('v');
    },
    error: /key "nope" not found/,
  },
  {
    name: "memory limit below Docker's minimum",
    mutate: (_d, p) => (p.spec.containers[0]!.resources = { limits: { memory: '1Mi' } }),
    error: /minimum of 6Mi/,
  },
  {
    name: 'cpu limit that is not a quantity',
    mutate: (_d, p) => (p.spec.containers[0]!.resources = { limits: { cpu: 'lots' } }),
    error: /invalid quantity "lots"/,
  },
  {
    name: "cpu limit below Docker's minimum",
    mutate: (_d, p) => (p.spec.containers[0]!.resources = { limits: { cpu: '1m' } }),
    error: /minimum of 10m/,
  },
  {
    name: 'fractional GPU count',
    mutate: (_d, p) => (p.spec.containers[0]!.resources = { limits: { 'nvidia.com/gpu': '1.5' } }),
    error: /must be a whole number/,
  },
  {
    name: 'GPUs on an engine without GPUs',
    mutate: (_d, p) => (p.spec.containers[0]!.resources = { limits: { 'nvidia.com/gpu': '1' } }),
    status: 409,
    error: /insufficient nvidia.com\/gpu/,
  },
  {
    name: 'Localhost seccomp profile',
    mutate: (_d, p) =>
      (p.spec.containers[0]!.securityContext = {
        seccompProfile: { type: 'Localhost', localhostProfile: 'x.json' },
      }),
    error: /Localhost seccomp/,
  },
];

describe('malformed pods are refused with 4xx naming the problem, and leave nothing behind', () => {
  let h: Harness;
  beforeAll(async () => {
    hostDir = mkdtempSync(join(tmpdir(), 'malformed-host-'));
    h = await startHarness({ settings: { hostPathAllowList: [hostDir] } });
  });
  afterAll(async () => {
    await h.stop();
    await purge(h);
    rmSync(hostDir, { recursive: true, force: true });
  });

  it('has more than 30 pod-level cases', () => expect(cases.length).toBeGreaterThan(30));

  it.each(cases)('$name', async ({ mutate, status, error }) => {
    const data = base();
    mutate(data, data.pod as V1Pod & { spec: NonNullable<V1Pod['spec']> });
    const r = await h.create(data);
    expect(r.status, r.body).toBe(status ?? 400);
    expect(r.json<{ error: string }>().error).toMatch(error);
  });

  it.each([
    ['create with a body that is not JSON', '/create', '{"pod": '],
    ['status for a pod without uid', '/status', '[{"metadata":{"name":"x"}}]'],
    ['delete with an array', '/delete', '[]'],
    [
      'logs for a namespace that is not a DNS label',
      '/getLogs',
      JSON.stringify({ Namespace: 'A_B', PodUID: '3b1f6a52-0d84-4c57-9e3a-7a2c1d9e4b10', Opts: {} }),
    ],
    [
      'logs with negative Tail',
      '/getLogs',
      JSON.stringify({ Namespace: 'a', PodUID: '3b1f6a52-0d84-4c57-9e3a-7a2c1d9e4b10', Opts: { Tail: -5 } }),
    ],
  ])('contract level: %s', async (_what, path, body) => {
    const r = await send(h.url, 'GET', path, body);
    expect(r.status).toBe(400);
    expect(r.json<{ error: string }>().error.length).toBeGreaterThan(5);
  });

  it('created nothing and still works', async () => {
    const list = await docker.listContainers({
      all: true,
      filters: { label: [`interlink.sidecar=${h.instance}`] },
    });
    expect(list).toHaveLength(0);
    expect(existsSync(h.dataRoot) ? readdirSync(h.dataRoot) : []).toEqual([]);
    expect((await send(h.url, 'GET', '/status', '[]')).status).toBe(200);
    expect((await h.create(base())).status).toBe(200);
  });
});
