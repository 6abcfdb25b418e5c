import { describe, expect, it } from 'vitest';
import type { V1Container, V1Volume } from '@kubernetes/client-node';
import type { RetrievedPodData } from '@interlink/api';
import { planVolumes, type PlannedVolume } from '../../src/pod/volume-planner';
import { PodSpecError } from '../../src/pod/pod-spec-error';

const UID = '3b1f6a52-0d84-4c57-9e3a-7a2c1d9e4b10';
const b64 = (s: string): string => Buffer.from(s).toString('base64');

function data(
  volumes: V1Volume[],
  mounts: V1Container['volumeMounts'],
  shipped: Partial<RetrievedPodData['container'][number]> = {},
): RetrievedPodData {
  return {
    pod: {
      metadata: { name: 'p', namespace: 'ns', uid: UID, labels: { a: 'b' } },
      spec: { volumes, containers: [{ name: 'main', image: 'busybox', volumeMounts: mounts }] },
    },
    container: [
      { name: 'main', configMaps: [], secrets: [], projectedvolumemaps: [], emptyDirs: [], ...shipped },
    ],
  };
}

function plan(
  d: RetrievedPodData,
  extra: { hostPathAllowList?: string[]; exportPodData?: boolean } = {},
): Map<string, PlannedVolume> {
  return planVolumes({
    data: d,
    podDir: '/pods/ns-uid',
    hostPathAllowList: extra.hostPathAllowList ?? [],
    exportPodData: extra.exportPodData ?? true,
  }).volumes;
}

function files(v: PlannedVolume | undefined): Record<string, [string, string]> {
  if (v?.kind !== 'files') throw new Error(`not a files volume: ${v?.kind}`);
  return Object.fromEntries(v.files.map((f) => [f.relPath, [f.content.toString(), f.mode.toString(8)]]));
}

describe('planVolumes', () => {
  it('configMap: every key with defaultMode, binaryData decoded; items select keys with per-item modes', () => {
    const cm = {
      metadata: { name: 'cfg' },
      data: { 'a.conf': 'A', 'b.conf': 'B' },
      binaryData: { 'bin.dat': b64('\x01\x02') },
    };
    const all = plan(
      data(
        [{ name: 'c', configMap: { name: 'cfg', defaultMode: 0o640 } }],
        [{ name: 'c', mountPath: '/c' }],
        { configMaps: [cm] },
      ),
    );
    expect(files(all.get('c'))).toEqual({
      'a.conf': ['A', '640'],
      'b.conf': ['B', '640'],
      'bin.dat': ['\x01\x02', '640'],
    });
    const some = plan(
      data(
        [
          {
            name: 'c',
            configMap: { name: 'cfg', items: [{ key: 'a.conf', path: 'sub/dir/a', mode: 0o400 }] },
          },
        ],
        [{ name: 'c', mountPath: '/c' }],
        { configMaps: [cm] },
      ),
    );
    expect(files(some.get('c'))).toEqual({ 'sub/dir/a': ['A', '400'] });
  });

  it('secret: base64-decoded, 0600 unless the pod says otherwise', () => {
    const secret = { metadata: { name: 's' }, data: { token: b64('hunter2\n') } };
    const dflt = plan(
      data([{ name: 's', secret: { secretName: 's' } }], [{ name: 's', mountPath: '/s' }], {
        secrets: [secret],
      }),
    );
    expect(files(dflt.get('s'))).toEqual({ token: ['hunter2\n', '600'] });
    const mode = plan(
      data(
        [{ name: 's', secret: { secretName: 's', defaultMode: 0o440 } }],
        [{ name: 's', mountPath: '/s' }],
        { secrets: [secret] },
      ),
    );
    expect(files(mode.get('s'))).toEqual({ token: ['hunter2\n', '440'] });
  });

  it('projected: pseudo-ConfigMap data with modes from the spec, missing secret/downward files filled in', () => {
    const vol: V1Volume = {
      name: 'kube-api',
      projected: {
        defaultMode: 0o444,
        sources: [
          { serviceAccountToken: { path: 'token' } },
          { secret: { name: 'extra', items: [{ key: 'k', path: 'extra/k', mode: 0o400 }] } },
          {
            downwardAPI: {
              items: [
                { path: 'namespace', fieldRef: { fieldPath: 'metadata.namespace' } },
                { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' }, mode: 0o600 },
              ],
            },
          },
        ],
      },
    };
    const pseudo = { metadata: { name: 'kube-api' }, data: { token: 'jwt', namespace: 'ns' } };
    const secret = { metadata: { name: 'extra' }, data: { k: b64('v') } };
    const p = plan(
      data([vol], [{ name: 'kube-api', mountPath: '/var/run/secrets' }], {
        projectedvolumemaps: [pseudo],
        secrets: [secret],
      }),
    );
    expect(files(p.get('kube-api'))).toEqual({
      token: ['jwt', '444'],
      namespace: ['ns', '444'],
      'extra/k': ['v', '400'],
      labels: ['a="b"', '600'],
    });
  });

  it('downwardAPI volume without a pseudo-ConfigMap is computed from the pod', () => {
    const vol: V1Volume = {
      name: 'info',
      downwardAPI: { items: [{ path: 'name', fieldRef: { fieldPath: 'metadata.name' } }] },
    };
    expect(files(plan(data([vol], [{ name: 'info', mountPath: '/info' }])).get('info'))).toEqual({
      name: ['p', '644'],
    });
  });

  it('emptyDir becomes a directory, medium Memory a tmpfs Docker volume with its size limit', () => {
    const p = plan(
      data(
        [
          { name: 'scratch', emptyDir: {} },
          { name: 'fast', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } },
        ],
        [
          { name: 'scratch', mountPath: '/scratch' },
          { name: 'fast', mountPath: '/fast' },
        ],
      ),
    );
    expect(p.get('scratch')).toEqual({
      name: 'scratch',
      kind: 'emptyDir',
      dir: '/pods/ns-uid/volumes/scratch',
    });
    expect(p.get('fast')).toEqual({
      name: 'fast',
      kind: 'memory',
      dockerVolume: `il_${UID}_fast`,
      sizeBytes: 64 * 2 ** 20,
    });
  });

  it('hostPath only under the allow-list', () => {
    const d = data(
      [{ name: 'h', hostPath: { path: '/srv/data/x', type: 'Directory' } }],
      [{ name: 'h', mountPath: '/h' }],
    );
    expect(plan(d, { hostPathAllowList: ['/srv/data'] }).get('h')).toEqual({
      name: 'h',
      kind: 'hostPath',
      path: '/srv/data/x',
      type: 'Directory',
    });
    expect(() => plan(d)).toThrow(/HostPathAllowList: empty, hostPath disabled/);
    expect(() => plan(d, { hostPathAllowList: ['/srv/dat'] })).toThrow(/not allowed/);
    const sneaky = data(
      [{ name: 'h', hostPath: { path: '/srv/data/../../etc' } }],
      [{ name: 'h', mountPath: '/h' }],
    );
    expect(() => plan(sneaky, { hostPathAllowList: ['/srv/data'] })).toThrow(/not allowed/);
  });

  it.each([
    [
      'a key with ..',
      { configMaps: [{ metadata: { name: 'cfg' }, data: { '../../evil': 'x' } }] },
      [{ name: 'c', configMap: { name: 'cfg' } }],
      [{ name: 'c', mountPath: '/c' }],
    ],
    [
      'an absolute item path',
      { configMaps: [{ metadata: { name: 'cfg' }, data: { k: 'x' } }] },
      [{ name: 'c', configMap: { name: 'cfg', items: [{ key: 'k', path: '/etc/passwd' }] } }],
      [{ name: 'c', mountPath: '/c' }],
    ],
    [
      'a projected path escaping',
      { projectedvolumemaps: [{ metadata: { name: 'c' }, data: { 'a/../../b': 'x' } }] },
      [{ name: 'c', projected: { sources: [] } }],
      [{ name: 'c', mountPath: '/c' }],
    ],
    [
      'a subPath with ..',
      {},
      [{ name: 'c', emptyDir: {} }],
      [{ name: 'c', mountPath: '/c', subPath: '../../../etc' }],
    ],
    [
      'an unsupported volume type',
      {},
      [{ name: 'c', persistentVolumeClaim: { claimName: 'x' } }],
      [{ name: 'c', mountPath: '/c' }],
    ],
    ['a mount without volume', {}, [], [{ name: 'c', mountPath: '/c' }]],
    [
      'a configMap that was not sent',
      {},
      [{ name: 'c', configMap: { name: 'missing' } }],
      [{ name: 'c', mountPath: '/c' }],
    ],
    [
      'a missing item key',
      { configMaps: [{ metadata: { name: 'cfg' }, data: {} }] },
      [{ name: 'c', configMap: { name: 'cfg', items: [{ key: 'k', path: 'k' }] } }],
      [{ name: 'c', mountPath: '/c' }],
    ],
  ] as const)('rejects %s', (_what, shipped, volumes, mounts) => {
    expect(() =>
      plan(
        data(
          volumes as unknown as V1Volume[],
          mounts as unknown as V1Container['volumeMounts'],
          shipped as never,
        ),
      ),
    ).toThrow(PodSpecError);
  });

  it('tolerates optional sources, unmounted unsupported volumes and ExportPodData: false', () => {
    const d = data(
      [
        { name: 'c', configMap: { name: 'missing', optional: true } },
        { name: 'unused', persistentVolumeClaim: { claimName: 'x' } },
      ],
      [{ name: 'c', mountPath: '/c' }],
    );
    expect(files(plan(d).get('c'))).toEqual({});
    expect(plan(d).has('unused')).toBe(false);
    expect(plan(d, { exportPodData: false }).size).toBe(0);
  });
});
