import { describe, expect, it } from 'vitest';
import {
  Codec,
  ContractError,
  CreateStructCodec,
  LogStructCodec,
  PingResponseCodec,
  PodCodec,
  PodCreateRequestsCodec,
  PodListCodec,
  RemotePodListCodec,
  PodStatusListCodec,
  RetrievedPodDataCodec,
} from './index';
import { fixture, fixtureNames, fixtureText } from '../test/fixtures';

type AnyCodec = Codec<unknown>;
const byFixture: Record<string, AnyCodec> = {
  'pod-create-requests.json': PodCreateRequestsCodec as AnyCodec,
  'go-style-create-requests.json': PodCreateRequestsCodec as AnyCodec,
  'retrieved-pod-data.json': RetrievedPodDataCodec as AnyCodec,
  'create-struct.json': CreateStructCodec as AnyCodec,
  'status-request.json': PodListCodec as AnyCodec,
  'status-response.json': PodStatusListCodec as AnyCodec,
  'go-style-status.json': PodStatusListCodec as AnyCodec,
  'log-struct-follow.json': LogStructCodec as AnyCodec,
  'log-struct-since-time.json': LogStructCodec as AnyCodec,
  'ping-response.json': PingResponseCodec as AnyCodec,
  'ping-response-minimal.json': PingResponseCodec as AnyCodec,
  'delete-pod.json': PodCodec as AnyCodec,
};

describe('golden fixtures', () => {
  it('every fixture file has a codec', () => {
    const untested = fixtureNames.filter(
      (f) => !(f in byFixture) && f !== 'retrieved-pod-data-legacy-array.json',
    );
    expect(untested).toEqual([]);
  });

  for (const [name, codec] of Object.entries(byFixture)) {
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
  ];
  for (const [title, codec, make, expected] of cases) {
    it(title, () => {
      const result = codec.safeDecode(make());
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.error.issues.join('; ')).toContain(expected);
    });
  }

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
