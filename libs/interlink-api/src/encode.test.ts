import { describe, expect, it } from 'vitest';
import {
  PodCreateRequestsCodec,
  RetrievedPodDataCodec,
  buildRetrievedPodData,
  logRequestProblem,
  makeLogStruct,
  makePodStatus,
  sinceTimeOf,
  emptyScriptBuildConfig,
} from './index';
import { fixtureText } from '../test/fixtures';

describe('buildRetrievedPodData', () => {
  it('gives each container only what it mounts, init containers first, matching the hop-2 fixture', () => {
    const req = PodCreateRequestsCodec.parse(fixtureText('pod-create-requests.json'));
    const expected = RetrievedPodDataCodec.parse(fixtureText('retrieved-pod-data.json'));
    const built = buildRetrievedPodData(req);
    expect(built.container).toEqual(expected.container);
    expect(built.pod).toBe(req.pod);
    expect(RetrievedPodDataCodec.parse(RetrievedPodDataCodec.encode(built))).toEqual(expected);
  });

  it('lists an object once even when a container mounts it twice', () => {
    const req = PodCreateRequestsCodec.parse(fixtureText('pod-create-requests.json'));
    const solver = buildRetrievedPodData(req).container.find((c) => c.name === 'solver');
    expect(solver?.configMaps.map((c) => c.metadata?.name)).toEqual(['lattice-params']);
  });

  it('always emits jobConfig, all zero by default', () => {
    const req = PodCreateRequestsCodec.parse(fixtureText('pod-create-requests.json'));
    const json = JSON.parse(RetrievedPodDataCodec.encode(buildRetrievedPodData(req)));
    expect(json.jobConfig).toEqual(emptyScriptBuildConfig());
    expect(json).not.toHaveProperty('jobScript');
  });
});

describe('log requests', () => {
  const base = {
    Namespace: 'default',
    PodUID: '0f8e7d6c-5b4a-4392-8180-7f6e5d4c3b2a',
    PodName: 'p',
    ContainerName: 'c',
  };
  it('completes options with Go defaults', () => {
    expect(makeLogStruct(base).Opts.SinceTime).toBe('0001-01-01T00:00:00Z');
    expect(sinceTimeOf(makeLogStruct(base).Opts)).toBeUndefined();
    expect(
      sinceTimeOf(
        makeLogStruct({ ...base, Opts: { SinceTime: '2026-01-02T03:04:05Z' } }).Opts,
      )?.toISOString(),
    ).toBe('2026-01-02T03:04:05.000Z');
  });
  const table: Array<[string, Parameters<typeof makeLogStruct>[0], string | undefined]> = [
    ['valid', base, undefined],
    ['bad namespace', { ...base, Namespace: 'Bad_NS' }, 'invalid namespace: must be a valid DNS label'],
    [
      'upper-case uid',
      { ...base, PodUID: '0F8E7D6C-5B4A-4392-8180-7F6E5D4C3B2A' },
      'invalid pod UID: must be a valid UUID',
    ],
    ['bad container', { ...base, ContainerName: '-x' }, 'invalid container name: must be a valid DNS label'],
    ['empty container is fine', { ...base, ContainerName: '' }, undefined],
    [
      'since both ways',
      { ...base, Opts: { SinceSeconds: 5, SinceTime: '2026-01-01T00:00:00Z' } },
      'Both SinceSeconds and SinceTime set. Set only one of them',
    ],
    ['tail with bytes is allowed (kubelet semantics)', { ...base, Opts: { Tail: 5, Bytes: 10 } }, undefined],
  ];
  for (const [title, req, problem] of table) {
    it(title, () => expect(logRequestProblem(makeLogStruct(req))).toBe(problem));
  }
  it('can apply upstream strictness on Tail with Bytes', () => {
    expect(
      logRequestProblem(makeLogStruct({ ...base, Opts: { Tail: 5, Bytes: 10 } }), {
        allowTailWithBytes: false,
      }),
    ).toBe('Both Tail and LimitBytes set. Set only one of them');
  });
});

describe('makePodStatus', () => {
  it('emits arrays, never nulls, and the upper-case identity keys', () => {
    const s = makePodStatus({ metadata: { name: 'n', namespace: 'ns', uid: 'u' } });
    expect(JSON.parse(JSON.stringify(s))).toEqual({
      name: 'n',
      UID: 'u',
      namespace: 'ns',
      JID: '',
      containers: [],
      initContainers: [],
    });
  });
});
