import { describe, expect, it } from 'vitest';
import {
  CreateStructCodec,
  GO_ZERO_TIME,
  LogStructCodec,
  PodCodec,
  PodCreateRequestsCodec,
  RetrievedPodDataCodec,
  emptyScriptBuildConfig,
  imageReferenceProblem,
} from './index';
import { fixture, fixtureText } from '../test/fixtures';

type Edit = (body: any) => void;

function hop1(edit: Edit): unknown {
  const body = fixture<any>('pod-create-requests.json');
  edit(body);
  return body;
}

function hop2(edit: Edit): unknown {
  const body = fixture<any>('retrieved-pod-data.json');
  edit(body);
  return body;
}

function issuesOf(decode: () => unknown): string {
  try {
    decode();
  } catch (err) {
    return (err as { issues: string[] }).issues.join('; ');
  }
  throw new Error('decoded although it should have been refused');
}

describe('Go zero values: what Go decodes, we decode', () => {
  it('reads a jobConfig that is {} , null or has null/missing groups as the all-zero config', () => {
    for (const jobConfig of [{}, null, { SingularityHubProxy: null }, { ApptainerOptions: {} }]) {
      const data = RetrievedPodDataCodec.decode(hop2((b) => (b.jobConfig = jobConfig)));
      expect(data.jobConfig).toEqual(emptyScriptBuildConfig());
    }
  });

  it('keeps an absent jobConfig absent (a hop-2 create without it is accepted)', () => {
    const data = RetrievedPodDataCodec.decode(hop2((b) => delete b.jobConfig));
    expect(data).not.toHaveProperty('jobConfig');
  });

  it('decodes the go-style zero-value fixture: null lists empty, partial groups filled with zeros', () => {
    const data = RetrievedPodDataCodec.parse(fixtureText('go-style-zero-values.json'));
    expect(data.container).toEqual([]);
    expect(data.jobConfig?.Volumes).toEqual({
      scratch_area: '/scratch',
      apptainer_cachedir: '',
      image_dir: '',
      additional_directories_in_path: [],
      fuse_sleep_seconds: 0,
    });
    expect(data.jobConfig?.SingularityHubProxy).toEqual(emptyScriptBuildConfig().SingularityHubProxy);
    expect(data.pod.spec?.restartPolicy).toBe('');
  });

  it('reads log options that are missing, null or partial as Go zero values', () => {
    const zero = {
      Tail: 0,
      Bytes: 0,
      Timestamps: false,
      Follow: false,
      Previous: false,
      SinceSeconds: 0,
      SinceTime: GO_ZERO_TIME,
    };
    expect(LogStructCodec.decode({ Namespace: 'a', PodUID: 'b' }).Opts).toEqual(zero);
    expect(LogStructCodec.decode({ Namespace: 'a', PodUID: 'b', Opts: null }).Opts).toEqual(zero);
    expect(LogStructCodec.parse(fixtureText('go-style-log-struct-zero.json')).Opts).toEqual(zero);
  });

  it('reads a CreateStruct without PodJID and keeps optional Warnings', () => {
    expect(CreateStructCodec.decode({ PodUID: 'u' })).toEqual({ PodUID: 'u', PodJID: '' });
    const warned = CreateStructCodec.parse(fixtureText('create-struct-warnings.json'));
    expect(warned.Warnings).toHaveLength(1);
    expect(issuesOf(() => CreateStructCodec.decode({ PodUID: 'u', Warnings: [1] }))).toContain(
      'Warnings[0]: must be string',
    );
  });
});

describe('what the API server would refuse is refused, naming the field', () => {
  const cases: Array<[string, Edit, string]> = [
    [
      'negative grace period',
      (b) => (b.pod.spec.terminationGracePeriodSeconds = -1),
      'pod.spec.terminationGracePeriodSeconds: must be >= 0',
    ],
    [
      'unknown restartPolicy',
      (b) => (b.pod.spec.restartPolicy = 'Sometimes'),
      'pod.spec.restartPolicy: must be one of Always, OnFailure, Never',
    ],
    [
      'activeDeadlineSeconds 1e30',
      (b) => (b.pod.spec.activeDeadlineSeconds = 1e30),
      'pod.spec.activeDeadlineSeconds: must fit in a 64-bit integer',
    ],
    [
      'activeDeadlineSeconds 0',
      (b) => (b.pod.spec.activeDeadlineSeconds = 0),
      'pod.spec.activeDeadlineSeconds: must be >= 1',
    ],
    [
      'runAsUser -1',
      (b) => (b.pod.spec.securityContext = { runAsUser: -1 }),
      'pod.spec.securityContext.runAsUser: must be >= 0',
    ],
    [
      'runAsUser "0; id"',
      (b) => (b.pod.spec.containers[0].securityContext = { runAsUser: '0; id' }),
      'pod.spec.containers[0].securityContext.runAsUser: must be integer',
    ],
    [
      'runAsGroup -1',
      (b) => (b.pod.spec.containers[0].securityContext = { runAsGroup: -1 }),
      'pod.spec.containers[0].securityContext.runAsGroup: must be >= 0',
    ],
    [
      'runAsGroup 1.5',
      (b) => (b.pod.spec.securityContext = { runAsGroup: 1.5 }),
      'pod.spec.securityContext.runAsGroup: must be integer',
    ],
    [
      'image with $(...)',
      (b) => (b.pod.spec.containers[0].image = 'busybox$(id)'),
      'pod.spec.containers[0].image: "busybox$(id)" is not a valid image reference',
    ],
    [
      'image with a space',
      (b) => (b.pod.spec.containers[0].image = 'busybox latest'),
      'pod.spec.containers[0].image',
    ],
    [
      'upper-case repository',
      (b) => (b.pod.spec.containers[0].image = 'BusyBox'),
      'repository name must be lowercase',
    ],
    [
      'negative deletion grace',
      (b) => (b.pod.metadata.deletionGracePeriodSeconds = -5),
      'pod.metadata.deletionGracePeriodSeconds: must be >= 0',
    ],
    [
      'runAsUser beyond int32',
      (b) => (b.pod.spec.securityContext = { runAsUser: 2 ** 31 }),
      'pod.spec.securityContext.runAsUser: must be <= 2147483647',
    ],
    [
      'negative supplemental group',
      (b) => (b.pod.spec.securityContext = { supplementalGroups: [10, -1] }),
      'pod.spec.securityContext.supplementalGroups[1]: must be >= 0',
    ],
    [
      'containerPort 0',
      (b) => (b.pod.spec.containers[0].ports = [{ containerPort: 0 }]),
      'pod.spec.containers[0].ports[0].containerPort: must be >= 1',
    ],
    [
      'hostPort 70000',
      (b) => (b.pod.spec.containers[0].ports = [{ containerPort: 80, hostPort: 70000 }]),
      'pod.spec.containers[0].ports[0].hostPort: must be <= 65535',
    ],
    [
      'port protocol ICMP',
      (b) => (b.pod.spec.containers[0].ports = [{ containerPort: 80, protocol: 'ICMP' }]),
      'pod.spec.containers[0].ports[0].protocol: must be one of TCP, UDP, SCTP',
    ],
  ];
  for (const [title, edit, expected] of cases) {
    it(`${title}: hop 1 (relay) and hop 2 (plugin)`, () => {
      expect(issuesOf(() => PodCreateRequestsCodec.decode(hop1(edit)))).toContain(expected);
      expect(issuesOf(() => RetrievedPodDataCodec.decode(hop2(edit)))).toContain(expected);
    });
  }

  it('names an invalid init container image', () => {
    const body = hop2((b) => (b.pod.spec.initContainers = [{ name: 'init', image: 'a/$(reboot)' }]));
    expect(issuesOf(() => RetrievedPodDataCodec.decode(body))).toContain('pod.spec.initContainers[0].image');
  });

  it('accepts the values the API server accepts', () => {
    const ok = hop1((b) => {
      b.pod.spec.restartPolicy = 'OnFailure';
      b.pod.spec.terminationGracePeriodSeconds = 0;
      b.pod.spec.activeDeadlineSeconds = 9007199254740991;
      b.pod.spec.securityContext = { runAsUser: 0, runAsGroup: 0, fsGroup: 2000, runAsNonRoot: false };
      b.pod.spec.containers[0].securityContext = { runAsUser: 1000, privileged: false };
      b.pod.spec.containers[0].ports = [{ containerPort: 8080, hostPort: 0, protocol: 'TCP', name: 'http' }];
      b.pod.spec.containers[0].image = `localhost:5000/team/app@sha256:${'a'.repeat(64)}`;
    });
    expect(() => PodCreateRequestsCodec.decode(ok)).not.toThrow();
  });

  it('leaves delete and status requests alone (the pod is already on the node)', () => {
    const pod = fixture<any>('delete-pod.json');
    pod.spec = { ...pod.spec, restartPolicy: 'Sometimes', containers: [{ name: 'c', image: 'X$(y)' }] };
    expect(() => PodCodec.decode(pod)).not.toThrow();
  });

  it('describes image problems for callers that check references themselves', () => {
    expect(imageReferenceProblem('127.0.0.1:5000/busybox:1.36')).toBeUndefined();
    expect(imageReferenceProblem('')).toMatch(/not a valid image reference/);
  });
});

describe('log options are refused where Go or the kubelet would fail', () => {
  const log = (Opts: Record<string, unknown>) => ({ Namespace: 'default', PodUID: 'u', Opts });
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ SinceSeconds: 1e20 }, 'Opts.SinceSeconds: must fit in a 64-bit integer'],
    [{ SinceSeconds: -1 }, 'Opts.SinceSeconds: must be >= 0'],
    [{ SinceTime: 'garbage' }, 'Opts.SinceTime: "garbage" is not an RFC 3339 time'],
    [{ SinceTime: '2026-13-45T99:00:00Z' }, 'Opts.SinceTime'],
    [{ SinceTime: 12 }, 'Opts.SinceTime: must be string or null'],
    [{ Tail: -1 }, 'Opts.Tail: must be >= 0'],
    [{ Bytes: -1 }, 'Opts.Bytes: must be >= 0'],
    [{ Tail: 1.5 }, 'Opts.Tail: must be integer'],
  ];
  for (const [opts, expected] of cases) {
    it(`refuses ${JSON.stringify(opts)}`, () => {
      expect(issuesOf(() => LogStructCodec.decode(log(opts)))).toContain(expected);
    });
  }

  it('accepts RFC 3339 times with offsets and fractions, the Go zero time and null', () => {
    for (const SinceTime of [
      '2026-05-11T09:01:00Z',
      '2026-05-11T09:01:00.123456789+02:00',
      GO_ZERO_TIME,
      null,
    ]) {
      expect(() => LogStructCodec.decode(log({ SinceTime }))).not.toThrow();
    }
  });
});
