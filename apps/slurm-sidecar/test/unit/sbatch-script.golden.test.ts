import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RuntimeName } from '../../src/config/sidecar-config';
import { buildJob } from '../../src/pod/job-plan-builder';
import { renderSbatchScript, scriptSupportFiles } from '../../src/script/sbatch-script';
import { makeCreate, makePod, testSettings } from '../fixtures';

const GOLDEN_DIR = join(__dirname, '..', 'golden');
const UPDATE = process.env['UPDATE_GOLDEN'] === '1';

/** One pod exercising init + parallel containers, env, volumes, GPU, working dir and user. */
function goldenPod(runtime: RuntimeName) {
  const pod = makePod({
    name: 'golden',
    namespace: 'physics',
    uid: '0b6c2a8e-5f7d-4c1e-9a3b-2d4e6f8a0c1e',
    annotations: {
      'slurm-job.vk.io/container-runtime': runtime,
      'slurm-job.vk.io/flags': '-p debug --time=30 --exclusive',
      ...(runtime === 'apptainer' || runtime === 'singularity'
        ? {
            'slurm-job.vk.io/singularity-options': '--fakeroot',
            'slurm-job.vk.io/singularity-mounts': '--bind /cvmfs:/cvmfs:ro',
          }
        : {}),
      ...(runtime === 'enroot' ? { 'slurm-job.vk.io/enroot-options': '--rw' } : {}),
      ...(runtime !== 'docker' && runtime !== 'podman'
        ? { 'slurm-job.vk.io/mpi-flags': '--bind-to core' }
        : {}),
      'interlink.eu/pod-ip': '10.0.0.7',
    },
    volumes: [
      { name: 'config', configMap: { name: 'app-config' } },
      { name: 'scratch', emptyDir: {} },
    ],
    initContainers: [
      {
        name: 'stage',
        image: 'busybox:1.36',
        command: ['sh', '-c', "cp /config/run.mac /scratch/ && echo 'staged $(nothing)'"],
        volumeMounts: [
          { name: 'config', mountPath: '/config' },
          { name: 'scratch', mountPath: '/scratch' },
        ],
      },
    ],
    containers: [
      {
        name: 'simulate',
        image: 'ghcr.io/example/g4sim:11.2',
        command: ['/opt/g4sim/run.sh'],
        args: ['--macro', '/scratch/run.mac', "it's"],
        env: [
          { name: 'THREADS', value: '4' },
          { name: 'SECRET', value: "p@ss'wo\nrd" },
        ],
        resources: { limits: { cpu: '2', memory: '2Gi', 'nvidia.com/gpu': '1' } },
        volumeMounts: [{ name: 'scratch', mountPath: '/scratch' }],
        ...(runtime === 'enroot' ? {} : { workingDir: '/scratch' }),
      },
      { name: 'sidecar', image: 'docker://busybox:1.36', args: ['sleep', '3600'] },
    ],
  });
  return makeCreate(pod, {
    configMaps: [{ metadata: { name: 'app-config' }, data: { 'run.mac': '/run/beamOn 10\n' } }],
  });
}

const RUNTIMES: RuntimeName[] = ['apptainer', 'singularity', 'enroot', 'podman', 'docker', 'none'];

describe('SbatchScript golden scripts', () => {
  const settings = testSettings({
    ImagePrefix: 'docker://',
    DataRootFolder: '/data/jobs',
    // the golden pod asks for --exclusive, which pods get only when the administrator allows it
    ExtraAllowedSlurmFlags: ['exclusive'],
    AllowRootWithRuntimeNone: true,
  });
  for (const runtime of RUNTIMES) {
    it(`renders the ${runtime} script`, () => {
      const create = goldenPod(runtime);
      if (runtime === 'none') {
        // none has no image entrypoint: every container needs a command or args
        expect(create.pod.spec!.containers[1]!.args).toBeDefined();
      }
      const { plan } = buildJob(create, settings, 0);
      const script = renderSbatchScript(plan);
      const support = scriptSupportFiles(plan)
        .map(
          (f) => `### ${f.path} (mode ${f.mode.toString(8)})\n${JSON.stringify(f.content.toString('utf8'))}`,
        )
        .join('\n');
      const text = `### sbatch flags\n${JSON.stringify(plan.sbatchFlags)}\n### job.slurm\n${script}${support ? support + '\n' : ''}`;
      const file = join(GOLDEN_DIR, `${runtime}.golden.txt`);
      if (UPDATE || !existsSync(file)) writeFileSync(file, text);
      expect(text).toBe(readFileSync(file, 'utf8'));
      // The script is valid bash.
      expect(script).toMatch(/^#!\/bin\/bash\n/);
    });
  }
});
