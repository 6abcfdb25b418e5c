import { describe, expect, it } from 'vitest';
import * as api from './index';
import {
  Codec,
  ConfigMapCodec,
  ContainerStatusCodec,
  ContractError,
  CreateStructCodec,
  LogStructCodec,
  PingResponseCodec,
  PodCodec,
  PodCreateRequestsCodec,
  PodListCodec,
  RemotePodListCodec,
  PodStatusCodec,
  PodStatusListCodec,
  RetrievedPodDataCodec,
  SecretCodec,
} from './index';
import { fixture, fixtureNames, fixtureText } from '../test/fixtures';

type AnyCodec = Codec<unknown>;
const byFixture: Record<string, AnyCodec> = {
  'pod-create-requests.json': PodCreateRequestsCodec as AnyCodec,
  'go-style-create-requests.json': PodCreateRequestsCodec as AnyCodec,
  'retrieved-pod-data.json': RetrievedPodDataCodec as AnyCodec,
  'create-struct.json': CreateStructCodec as AnyCodec,
  'create-struct-warnings.json': CreateStructCodec as AnyCodec,
  'go-style-zero-values.json': RetrievedPodDataCodec as AnyCodec,
  'go-style-log-struct-zero.json': LogStructCodec as AnyCodec,
  'status-request.json': PodListCodec as AnyCodec,
  'status-response.json': PodStatusListCodec as AnyCodec,
  'go-style-status.json': PodStatusListCodec as AnyCodec,
  'log-struct-follow.json': LogStructCodec as AnyCodec,
  'log-struct-since-time.json': LogStructCodec as AnyCodec,
  'ping-response.json': PingResponseCodec as AnyCodec,
  'ping-response-minimal.json': PingResponseCodec as AnyCodec,
  'delete-pod.json': PodCodec as AnyCodec,
  'config-map-projected.json': ConfigMapCodec as AnyCodec,
  'secret.json': SecretCodec as AnyCodec,
  'container-status-go-zero.json': ContainerStatusCodec as AnyCodec,
  'pod-status.json': PodStatusCodec as AnyCodec,
  'remote-pod-list.json': RemotePodListCodec as AnyCodec,
};

/**
 * Our encoders write `[]` where Go wrote `null` for an empty slice (both read alike); map those
 * back so the rest must match the fixture exactly. Anything else that differs stays different.
 */
function nullWhereGoWroteNull(ours: unknown, go: unknown): unknown {
  if (go === null && Array.isArray(ours) && ours.length === 0) return null;
  if (Array.isArray(ours) && Array.isArray(go)) return ours.map((v, i) => nullWhereGoWroteNull(v, go[i]));
  if (ours && go && typeof ours === 'object' && typeof go === 'object' && !Array.isArray(ours)) {
    const g = go as Record<string, unknown>;
    return Object.fromEntries(Object.entries(ours).map(([k, v]) => [k, nullWhereGoWroteNull(v, g[k])]));
  }
  return ours;
}

/** Every Codec the library exports, by export name. */
const allCodecs = (Object.entries(api) as Array<[string, unknown]>).filter(
  (e): e is [string, AnyCodec] => e[1] instanceof Codec,
);

describe('golden fixtures', () => {
  it('every fixture file has a codec', () => {
    const untested = fixtureNames.filter(
      (f) => !(f in byFixture) && f !== 'retrieved-pod-data-legacy-array.json',
    );
    expect(untested).toEqual([]);
  });

  it('every exported codec has at least one golden fixture', () => {
    expect(allCodecs.length).toBeGreaterThanOrEqual(13);
    const covered = new Set(Object.values(byFixture));
    expect(allCodecs.filter(([, c]) => !covered.has(c)).map(([name]) => name)).toEqual([]);
  });

  for (const [name, codec] of Object.entries(byFixture)) {
    if (!name.startsWith('go-style-'))
      it(`${name} is re-encoded as the Go side wrote it (same keys and values; [] for Go's null)`, () => {
        const written = JSON.parse(codec.encode(codec.parse(fixtureText(name))));
        expect(nullWhereGoWroteNull(written, fixture(name))).toEqual(fixture(name));
      });
    it(`${name} decodes and round-trips stably`, () => {
      const first = codec.parse(fixtureText(name));
      const encoded = codec.encode(first);
      const second = codec.parse(encoded);
      expect(second).toEqual(first);
      expect(codec.encode(second)).toBe(encoded);
    });
  }
});

describe('Go tolerance', () => {
  it('reads null arrays as empty arrays and matches keys case-insensitively', () => {
    const [status] = PodStatusListCodec.parse(fixtureText('go-style-status.json'));
    expect(status).toMatchObject({
      UID: '0f8e7d6c-5b4a-4392-8180-7f6e5d4c3b2a',
      JID: '',
      containers: [],
      initContainers: [],
    });
    expect(status).not.toHaveProperty('uid');

    const req = PodCreateRequestsCodec.parse(fixtureText('go-style-create-requests.json'));
    expect(req.pod.metadata?.uid).toBe('9b8a7c6d-5e4f-4321-8765-43210fedcba9');
    expect(req.configmaps).toEqual([]);
    expect(req.projectedvolumesmaps).toEqual([]);
    expect(req.secrets).toEqual([]);
  });

  it('fills missing arrays and defaults of contract messages', () => {
    const req = PodCreateRequestsCodec.decode({
      pod: {
        metadata: { name: 'p', namespace: 'd', uid: 'u-1' },
        spec: { containers: [{ name: 'c', image: 'i' }] },
      },
    });
    expect(req).toMatchObject({ configmaps: [], secrets: [], projectedvolumesmaps: [], jobscriptURL: '' });
  });

  it('reads missing arrays inside nested entries as empty (container[] of hop-2 create)', () => {
    const data = RetrievedPodDataCodec.decode({
      pod: {
        metadata: { name: 'p', namespace: 'd', uid: 'u-1' },
        spec: { containers: [{ name: 'c', image: 'i' }] },
      },
      container: [{ name: 'c' }],
    });
    expect(data.container).toEqual([
      { name: 'c', configMaps: [], projectedvolumemaps: [], secrets: [], emptyDirs: [] },
    ]);
    const [status] = PodStatusListCodec.decode([{ name: 'n', UID: 'u' }]);
    expect(status).toMatchObject({ namespace: '', containers: [], initContainers: [] });
  });

  it('keeps Kubernetes objects as they were (no invented fields)', () => {
    const pod = fixture<Record<string, unknown>>('delete-pod.json');
    const before = JSON.stringify(pod);
    PodCodec.decode(pod);
    expect(JSON.stringify(pod)).toBe(before);
  });

  it('treats null, [] and a missing /status answer alike', () => {
    expect(PodStatusListCodec.parse('null')).toEqual([]);
    expect(PodStatusListCodec.parse('[]')).toEqual([]);
  });

  it('accepts the legacy one-element array on hop-2 create by decoding each element', () => {
    const arr = fixture<unknown[]>('retrieved-pod-data-legacy-array.json');
    expect(arr).toHaveLength(1);
    const decoded = RetrievedPodDataCodec.decode(arr[0]);
    expect(decoded.container.map((c) => c.name)).toEqual(['fetch-gauge', 'solver']);
  });

  it('keeps the Bytes key and the Go zero SinceTime in log requests', () => {
    const log = LogStructCodec.parse(fixtureText('log-struct-follow.json'));
    expect(log.Opts.Bytes).toBe(0);
    expect(log.Opts.SinceTime).toBe('0001-01-01T00:00:00Z');
    const minimal = LogStructCodec.decode({ Namespace: 'a', PodUID: 'b', Opts: {} });
    expect(minimal.Opts).toEqual({
      Tail: 0,
      Bytes: 0,
      Timestamps: false,
      Follow: false,
      Previous: false,
      SinceSeconds: 0,
      SinceTime: '0001-01-01T00:00:00Z',
    });
    expect(JSON.parse(LogStructCodec.encode(minimal)).Opts).toHaveProperty('Bytes', 0);
  });

  it('reads Go zero times written as null (metav1.Time) and keeps them null', () => {
    const status = ContainerStatusCodec.parse(fixtureText('container-status-go-zero.json'));
    expect(status.state?.terminated).toMatchObject({ exitCode: 1, startedAt: null, finishedAt: null });
    const cm = ConfigMapCodec.parse(fixtureText('config-map-projected.json'));
    expect(cm.metadata?.creationTimestamp).toBeNull();
    expect(JSON.parse(ConfigMapCodec.encode(cm)).metadata).toEqual({
      name: 'kube-api-access-x7k2p',
      creationTimestamp: null,
    });
  });

  it('keeps Secret data and ConfigMap binaryData as base64 text that decodes to the original bytes', () => {
    const secret = SecretCodec.parse(fixtureText('secret.json'));
    expect(secret.data?.['proxy.pem']).toBe('LS0tLS1CRUdJTiBQUk9YWS0tLS0tCg==');
    expect(Buffer.from(secret.data!['proxy.pem']!, 'base64').toString()).toBe('-----BEGIN PROXY-----\n');
    expect(secret.data?.['empty']).toBe('');
    const cm = ConfigMapCodec.parse(fixtureText('config-map-projected.json'));
    expect([...Buffer.from(cm.binaryData!['seed.bin']!, 'base64')]).toEqual([0, 1, 2, 3, 255]);
    // Go writes a nil map as null: tolerated, not turned into something else.
    expect(SecretCodec.decode({ metadata: { name: 's' }, data: null }).data).toBeNull();
  });

  it('reads a null pod list or remote pod list (Go nil slice) as empty', () => {
    expect(PodListCodec.parse('null')).toEqual([]);
    expect(RemotePodListCodec.parse('null')).toEqual([]);
    expect(PodListCodec.parse('[]')).toEqual([]);
  });

  it('reads the PingResponse resources, accelerators and taints, null accelerators as empty', () => {
    const ping = PingResponseCodec.parse(fixtureText('ping-response.json'));
    expect(ping.resources).toMatchObject({ cpu: '512', memory: '2048Gi', pods: '500' });
    expect(ping.resources?.accelerators).toEqual([
      { resourceType: 'nvidia.com/gpu', available: '16' },
      { resourceType: 'amd.com/gpu', available: '0' },
    ]);
    expect(ping.taints).toEqual([
      { key: 'hpc.example.org/drain', value: '2026-06-01', effect: 'NoSchedule' },
    ]);
    const nulls = PingResponseCodec.parse('{"status":"ok","resources":{"cpu":"4","accelerators":null}}');
    expect(nulls.resources?.accelerators ?? []).toEqual([]);
  });

  it('distinguishes absent taints from an empty taint list in ping answers', () => {
    expect(PingResponseCodec.parse('{"status":"ok"}')).not.toHaveProperty('taints');
    expect(PingResponseCodec.parse('{"status":"ok","taints":[]}').taints).toEqual([]);
  });
});

describe('rejections name the offending field', () => {
  const pod = () => fixture<{ pod: Record<string, never> }>('pod-create-requests.json');
  const cases: Array<[string, Codec<unknown>, () => unknown, string]> = [
    [
      'missing uid',
      PodCreateRequestsCodec as AnyCodec,
      () => {
        const r = pod() as any;
        delete r.pod.metadata.uid;
        return r;
      },
      'pod.metadata.uid: required',
    ],
    ['missing pod', PodCreateRequestsCodec as AnyCodec, () => ({ configmaps: [] }), 'pod: required'],
    [
      'no containers',
      PodCreateRequestsCodec as AnyCodec,
      () => {
        const r = pod() as any;
        r.pod.spec.containers = [];
        return r;
      },
      'pod.spec.containers',
    ],
    [
      'container without image',
      PodCreateRequestsCodec as AnyCodec,
      () => {
        const r = pod() as any;
        delete r.pod.spec.containers[0].image;
        return r;
      },
      'pod.spec.containers[0].image: required',
    ],
    [
      'uid of wrong type',
      PodCreateRequestsCodec as AnyCodec,
      () => {
        const r = pod() as any;
        r.pod.metadata.uid = 42;
        return r;
      },
      'pod.metadata.uid: must be string',
    ],
    [
      'configmaps not an array',
      PodCreateRequestsCodec as AnyCodec,
      () => {
        const r = pod() as any;
        r.configmaps = 'x';
        return r;
      },
      'configmaps: must be array or null',
    ],
    [
      'env entry without name',
      PodCreateRequestsCodec as AnyCodec,
      () => {
        const r = pod() as any;
        r.pod.spec.containers[0].env = [{ value: 'v' }];
        return r;
      },
      'pod.spec.containers[0].env[0].name: required',
    ],
    ['array instead of object', PodCreateRequestsCodec as AnyCodec, () => [], '(body): must be object'],
    [
      'status element without name',
      PodStatusListCodec as AnyCodec,
      () => [{ UID: 'x' }],
      '[0].name: required',
    ],
    [
      'status of wrong type',
      PodStatusListCodec as AnyCodec,
      () => ({ name: 'x' }),
      '(body): must be array or null',
    ],
    [
      'negative Tail',
      LogStructCodec as AnyCodec,
      () => ({ Namespace: 'a', PodUID: 'b', Opts: { Tail: -1 } }),
      'Opts.Tail',
    ],
    [
      'Follow as string',
      LogStructCodec as AnyCodec,
      () => ({ Namespace: 'a', PodUID: 'b', Opts: { Follow: 'yes' } }),
      'Opts.Follow: must be boolean',
    ],
    [
      'CreateStruct as array',
      CreateStructCodec as AnyCodec,
      () => [{ PodUID: 'a', PodJID: 'b' }],
      '(body): must be object',
    ],
    [
      'status list pod without metadata',
      PodListCodec as AnyCodec,
      () => [{ spec: {} }],
      '[0].metadata: required',
    ],
    [
      'exit code not an integer',
      PodStatusListCodec as AnyCodec,
      () => [{ name: 'n', UID: 'u', containers: [{ name: 'c', state: { terminated: { exitCode: 'x' } } }] }],
      '[0].containers[0].state.terminated.exitCode: must be integer',
    ],
    [
      'hop-2 create without container names',
      RetrievedPodDataCodec as AnyCodec,
      () => {
        const r = fixture<any>('retrieved-pod-data.json');
        delete r.container[0].name;
        return r;
      },
      'container[0].name: required',
    ],
    ['Pod without metadata', PodCodec as AnyCodec, () => ({ spec: {} }), 'metadata: required'],
    ['PodStatus without UID', PodStatusCodec as AnyCodec, () => ({ name: 'n' }), 'UID: required'],
    [
      'ping taint without key',
      PingResponseCodec as AnyCodec,
      () => ({ status: 'ok', taints: [{ value: 'v', effect: 'NoSchedule' }] }),
      'taints[0].key: required',
    ],
    [
      'ping accelerator without resourceType',
      PingResponseCodec as AnyCodec,
      () => ({ resources: { accelerators: [{ available: '1' }] } }),
      'resources.accelerators[0].resourceType: required',
    ],
    [
      'ConfigMap data value not a string',
      ConfigMapCodec as AnyCodec,
      () => ({ metadata: { name: 'c' }, data: { k: 1 } }),
      'data.k: must be string',
    ],
    [
      'Secret data value not a string',
      SecretCodec as AnyCodec,
      () => ({ metadata: { name: 's' }, data: { 'proxy.pem': 5 } }),
      'data.proxy.pem: must be string',
    ],
    [
      'ContainerStatus without name',
      ContainerStatusCodec as AnyCodec,
      () => ({ state: {}, ready: false, restartCount: 0, image: '', imageID: '' }),
      'name: required',
    ],
    [
      'RemotePod without UID',
      RemotePodListCodec as AnyCodec,
      () => [{ name: 'n', namespace: 'd' }],
      '[0].UID: required',
    ],
  ];
  for (const [title, codec, make, expected] of cases) {
    it(title, () => {
      const result = codec.safeDecode(make());
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.error.issues.join('; ')).toContain(expected);
    });
  }

  it('every exported codec has at least one rejection case', () => {
    const rejected = new Set(cases.map(([, codec]) => codec));
    expect(allCodecs.filter(([, c]) => !rejected.has(c)).map(([name]) => name)).toEqual([]);
  });

  it('reports invalid JSON and empty bodies', () => {
    expect(() => PodCodec.parse('{"metadata":')).toThrow(ContractError);
    expect(() => PodCodec.parse('')).toThrow(/empty body/);
  });
});

describe('RemotePodListCodec (/listPods extension)', () => {
  it('keeps nodeName and JID, and rejects an entry without a UID', () => {
    const list = RemotePodListCodec.decode([
      { name: 'p', namespace: 'ns', UID: 'u-1', nodeName: 'vk', JID: '42' },
      { name: 'q', namespace: 'ns', UID: 'u-2' },
    ]);
    expect(list).toEqual([
      { name: 'p', namespace: 'ns', UID: 'u-1', nodeName: 'vk', JID: '42' },
      { name: 'q', namespace: 'ns', UID: 'u-2' },
    ]);
    expect(() => RemotePodListCodec.decode([{ name: 'p', namespace: 'ns' }])).toThrow(/UID/);
  });
});
