import { describe, expect, it } from 'vitest';
import { PodSpecError } from '../../src/pod/annotations';
import { buildJob, resolveImage } from '../../src/pod/job-plan-builder';
import { insideDir, planVolumes } from '../../src/pod/volume-plan';
import { renderSbatchScript } from '../../src/script/sbatch-script';
import { makeCreate, makePod, testSettings } from '../fixtures';

// These tests run as uid 0 and are about the plan, not about who may run it (job-user.test.ts).
const settings = testSettings({ ContainerRuntime: 'none', AllowRootWithRuntimeNone: true });
const job = (overrides: Parameters<typeof makePod>[0], extra = {}) =>
  buildJob(makeCreate(makePod(overrides), extra), settings, 0);
const sh = { name: 'main', image: 'busybox', command: ['sh', '-c', 'true'] };

describe('JobPlan builder validation', () => {
  it('rejects names that would become unsafe paths', () => {
    expect(() => job({ namespace: '../etc', containers: [sh] })).toThrow(
      /namespace "..\/etc" is not a valid DNS label/,
    );
    expect(() => job({ uid: '../../x', containers: [sh] })).toThrow(/metadata.uid/);
    expect(() => job({ containers: [{ ...sh, name: 'A/b' }] })).toThrow(/container name "A\/b"/);
    expect(() => job({ containers: [sh, sh] })).toThrow(/used twice/);
  });

  it('pod names must be DNS-1123 subdomains, as Kubernetes requires', () => {
    const label = 'a'.repeat(63);
    for (const good of ['a', 'web-0', 'job.v1.example', [label, label, label, 'a'.repeat(61)].join('.')])
      expect(job({ name: good, containers: [sh] }).plan.podName).toBe(good);
    for (const bad of [
      'x\n#SBATCH --uid=0',
      'x\rcurl evil|sh',
      'Web',
      'under_score',
      '-lead',
      'trail-',
      'a..b',
      '.a',
      'a b',
      '$(id)',
      'é',
      [label, label, label, 'a'.repeat(62)].join('.'),
    ]) {
      expect(() => job({ name: bad, containers: [sh] }), JSON.stringify(bad)).toThrow(PodSpecError);
      expect(() => job({ name: bad, containers: [sh] })).toThrow(
        `metadata.name ${JSON.stringify(bad)} is not a valid DNS-1123 subdomain`,
      );
    }
  });

  it('rejects values no process could receive', () => {
    expect(() => job({ containers: [{ ...sh, args: ['a\0b'] }] })).toThrow(/args\[0\] contains a NUL byte/);
    expect(() => job({ containers: [{ ...sh, env: [{ name: 'X', value: 'bad\uD800' }] }] })).toThrow(
      /lone surrogate/,
    );
    expect(() => job({ containers: [{ ...sh, env: [{ name: 'A=B', value: '1' }] }] })).toThrow(
      /invalid name/,
    );
  });

  it('pre-exec is refused unless enabled; tunnel commands are ignored unless enabled', () => {
    const ann = { 'slurm-job.vk.io/pre-exec': 'module load x' };
    expect(() => job({ annotations: ann, containers: [sh] })).toThrow(/EnablePreExec: false/);
    const enabled = buildJob(
      makeCreate(makePod({ annotations: ann, containers: [sh] })),
      testSettings({ ContainerRuntime: 'none', EnablePreExec: true, AllowRootWithRuntimeNone: true }),
      0,
    );
    expect(enabled.plan.preExec).toBe('module load x');
    const tunnel = job({
      annotations: { 'interlink.eu/wstunnel-client-commands': 'wstunnel client ...' },
      containers: [sh],
    });
    expect(tunnel.plan.tunnelCommands).toBeUndefined();
    expect(tunnel.warnings.join()).toMatch(/EnableTunnelCommands/);
  });

  it('runtime per pod is limited to the allowed list', () => {
    const restricted = testSettings({
      ContainerRuntime: 'none',
      AllowedContainerRuntimes: ['none'],
      AllowRootWithRuntimeNone: true,
    });
    const pod = makePod({ annotations: { 'slurm-job.vk.io/container-runtime': 'docker' }, containers: [sh] });
    expect(() => buildJob(makeCreate(pod), restricted, 0)).toThrow(
      /"docker" is not allowed \(allowed: none\)/,
    );
    expect(
      job({ annotations: { 'slurm-job.vk.io/container-runtime': 'docker' }, containers: [sh] }).plan
        .containers[0]?.runtime,
    ).toBe('docker');
  });

  it('runtime constraints become clear errors', () => {
    const appt = { 'slurm-job.vk.io/container-runtime': 'apptainer' };
    expect(() =>
      job({ annotations: appt, containers: [{ ...sh, env: [{ name: 'not-an-identifier', value: '1' }] }] }),
    ).toThrow(/env name "not-an-identifier" cannot be set by apptainer/);
    expect(() => job({ containers: [{ name: 'x', image: 'busybox' }] })).toThrow(
      /runtime "none" has no image entrypoint/,
    );
    expect(() =>
      job({
        annotations: { 'slurm-job.vk.io/container-runtime': 'docker', 'slurm-job.vk.io/mpi-flags': 'true' },
        containers: [sh],
      }),
    ).toThrow(/mpi-flags is not supported with runtime "docker"/);
  });

  it('uses only env values, last duplicate wins, unresolved references are reported', () => {
    const built = job({
      containers: [
        {
          ...sh,
          env: [
            { name: 'A', value: '1' },
            { name: 'B', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
            { name: 'A', value: '2' },
            { name: 'E' },
          ],
        },
      ],
    });
    expect(built.plan.containers[0]?.env).toEqual([
      { name: 'A', value: '2' },
      { name: 'E', value: '' },
    ]);
    expect(built.warnings.join()).toMatch(/env "B": valueFrom was not resolved/);
  });

  it('image prefixes: annotation, runtime-specific prefix, ImagePrefix; schemes and paths untouched', () => {
    const s = testSettings({ ImagePrefix: 'docker://', SingularityPrefix: 'oras://reg/' });
    expect(resolveImage('busybox', 'apptainer', s, undefined)).toBe('oras://reg/busybox');
    expect(resolveImage('busybox', 'enroot', s, undefined)).toBe('docker://busybox');
    expect(resolveImage('busybox', 'apptainer', s, 'library://')).toBe('library://busybox');
    expect(resolveImage('/images/a.sif', 'apptainer', s, undefined)).toBe('/images/a.sif');
    expect(resolveImage('docker://x', 'apptainer', s, undefined)).toBe('docker://x');
    expect(resolveImage('busybox', 'docker', s, undefined)).toBe('busybox');
  });

  it('slurm-job.vk.io/image-root is honoured through the job plan and the script', () => {
    const s = testSettings({
      ImagePrefix: 'docker://',
      SingularityPrefix: 'oras://site/',
      EnrootPrefix: 'docker://',
    });
    const pod = (runtime: string, annotations: Record<string, string> = {}) =>
      makePod({
        annotations: { 'slurm-job.vk.io/container-runtime': runtime, ...annotations },
        initContainers: [{ name: 'stage', image: 'alpine:3', command: ['true'] }],
        containers: [
          { name: 'main', image: 'busybox:1.36', command: ['true'] },
          { name: 'local', image: '/images/a.sif', command: ['true'] },
          { name: 'schemed', image: 'docker://x:1', command: ['true'] },
        ],
      });
    const images = (b: ReturnType<typeof buildJob>) =>
      [...b.plan.initContainers, ...b.plan.containers].map((c) => c.image);
    const root = { 'slurm-job.vk.io/image-root': 'library://lab/' };
    for (const runtime of ['apptainer', 'singularity', 'enroot']) {
      const built = buildJob(makeCreate(pod(runtime, root)), s, 0);
      expect(images(built), runtime).toEqual([
        'library://lab/alpine:3',
        'library://lab/busybox:1.36',
        '/images/a.sif',
        'docker://x:1',
      ]);
      expect(renderSbatchScript(built.plan)).toContain(' library://lab/busybox:1.36');
      // without the annotation the runtime's own prefix applies
      expect(images(buildJob(makeCreate(pod(runtime)), s, 0))[1]).toBe(
        runtime === 'enroot' ? 'docker://busybox:1.36' : 'oras://site/busybox:1.36',
      );
    }
    // OCI CLIs take plain references: the annotation does not apply
    expect(images(buildJob(makeCreate(pod('docker', root)), s, 0))[1]).toBe('busybox:1.36');
  });
});

describe('VolumePlan', () => {
  const root = '/data/jobs/ns-uid';
  const b64 = (s: string) => Buffer.from(s).toString('base64');

  it('configMap, secret (owner-only modes), projected, emptyDir, hostPath, items and subPath', () => {
    const pod = makePod({
      volumes: [
        { name: 'cm', configMap: { name: 'cfg', items: [{ key: 'a', path: 'dir/a.txt', mode: 0o640 }] } },
        { name: 'sec', secret: { secretName: 's', defaultMode: 0o644 } },
        { name: 'proj', projected: { sources: [], defaultMode: 0o644 } },
        { name: 'tmp', emptyDir: {} },
        { name: 'host', hostPath: { path: '/opt/data/', type: 'Directory' } },
      ],
      containers: [
        {
          ...sh,
          volumeMounts: [
            { name: 'cm', mountPath: '/etc/cfg' },
            { name: 'sec', mountPath: '/etc/sec', readOnly: false },
            { name: 'proj', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' },
            { name: 'tmp', mountPath: '/tmp' },
            { name: 'host', mountPath: '/data', readOnly: true },
            { name: 'cm', mountPath: '/one-file', subPath: 'dir/a.txt' },
          ],
        },
      ],
    });
    const plan = planVolumes(
      pod,
      [
        {
          name: 'main',
          configMaps: [{ metadata: { name: 'cfg' }, data: { a: 'A', b: 'B' } }],
          secrets: [{ metadata: { name: 's' }, data: { token: b64('t0k'), 'ca.crt': b64('pem') } }],
          projectedvolumemaps: [{ metadata: { name: 'proj' }, data: { token: 'jwt', namespace: 'ns' } }],
          emptyDirs: [],
        },
      ],
      { jobDir: root, exportPodData: true, allowedHostPathPrefixes: ['/opt'] },
    );
    const files = Object.fromEntries(
      plan.files.map((f) => [f.path.slice(root.length + 1), [f.content.toString(), f.mode.toString(8)]]),
    );
    expect(files).toEqual({
      'configMaps/cm/dir/a.txt': ['A', '640'],
      'secrets/sec/token': ['t0k', '600'],
      'secrets/sec/ca.crt': ['pem', '600'],
      'projectedVolumeMaps/proj/token': ['jwt', '600'],
      'projectedVolumeMaps/proj/namespace': ['ns', '600'],
    });
    expect(plan.mounts.get('main')).toEqual([
      { source: `${root}/configMaps/cm`, target: '/etc/cfg', readOnly: true },
      { source: `${root}/secrets/sec`, target: '/etc/sec', readOnly: true },
      {
        source: `${root}/projectedVolumeMaps/proj`,
        target: '/var/run/secrets/kubernetes.io/serviceaccount',
        readOnly: true,
      },
      { source: `${root}/emptyDirs/tmp`, target: '/tmp', readOnly: false },
      { source: '/opt/data', target: '/data', readOnly: true },
      { source: `${root}/configMaps/cm/dir/a.txt`, target: '/one-file', readOnly: true },
    ]);
    expect(plan.dirs.find((d) => d.path.endsWith('secrets/sec'))?.mode).toBe(0o700);
    expect(plan.hostPaths).toEqual([{ volume: 'host', path: '/opt/data', type: 'Directory' }]);
  });

  it('rejects traversal, unsupported types, hostPaths outside the allow-list and missing data', () => {
    const mk = (volumes: object[], mounts: object[]) =>
      makePod({ volumes: volumes as never, containers: [{ ...sh, volumeMounts: mounts as never }] });
    const opts = { jobDir: root, exportPodData: true, allowedHostPathPrefixes: ['/opt'] };
    const rc = [
      {
        name: 'main',
        configMaps: [{ metadata: { name: 'c' }, data: { '../../../etc/passwd': 'x' } }],
        secrets: [],
        projectedvolumemaps: [],
        emptyDirs: [],
      },
    ];
    expect(() =>
      planVolumes(mk([{ name: 'v', configMap: { name: 'c' } }], [{ name: 'v', mountPath: '/x' }]), rc, opts),
    ).toThrow(/must be relative without/);
    expect(() =>
      planVolumes(
        mk([{ name: 'v', emptyDir: {} }], [{ name: 'v', mountPath: '/x', subPath: '../..' }]),
        [],
        opts,
      ),
    ).toThrow(/subPath: path/);
    expect(() =>
      planVolumes(
        mk([{ name: 'v', persistentVolumeClaim: { claimName: 'c' } }], [{ name: 'v', mountPath: '/x' }]),
        [],
        opts,
      ),
    ).toThrow(/type persistentVolumeClaim is not supported/);
    expect(() =>
      planVolumes(
        mk([{ name: 'v', hostPath: { path: '/etc' } }], [{ name: 'v', mountPath: '/x' }]),
        [],
        opts,
      ),
    ).toThrow(/outside AllowedHostPathPrefixes/);
    expect(() =>
      planVolumes(
        mk([{ name: 'v', secret: { secretName: 'nope' } }], [{ name: 'v', mountPath: '/x' }]),
        [],
        opts,
      ),
    ).toThrow(/secret "nope" was not sent/);
    expect(
      planVolumes(
        mk([{ name: 'v', secret: { secretName: 'nope', optional: true } }], [{ name: 'v', mountPath: '/x' }]),
        [],
        opts,
      ).files,
    ).toEqual([]);
    expect(() => planVolumes(mk([], [{ name: 'v', mountPath: '/x' }]), [], opts)).toThrow(
      /no pod volume with that name/,
    );
  });

  it('ExportPodData false mounts no pod data (upstream semantics)', () => {
    const pod = makePod({
      volumes: [{ name: 'v', emptyDir: {} }],
      containers: [{ ...sh, volumeMounts: [{ name: 'v', mountPath: '/x' }] }],
    });
    const plan = planVolumes(pod, [], { jobDir: root, exportPodData: false, allowedHostPathPrefixes: ['/'] });
    expect(plan.mounts.get('main')).toEqual([]);
    expect(plan.warnings[0]).toMatch(/ExportPodData is false/);
  });

  it('insideDir never leaves the directory', () => {
    expect(insideDir('/r', 'a/b', 'x')).toBe('/r/a/b');
    for (const bad of ['', '/abs', 'a/../../b', './a', 'a//b', '..'])
      expect(() => insideDir('/r', bad, 'x'), bad).toThrow(PodSpecError);
  });
});
