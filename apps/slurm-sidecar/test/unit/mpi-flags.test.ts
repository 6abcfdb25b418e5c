import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildJob } from '../../src/pod/job-plan-builder';
import { splitNul } from '../arbitraries';
import { makeCreate, makePod, testSettings } from '../fixtures';
import { rawOutput, runScriptDirectly, stubCalls, writeArgvStub } from '../script-run';

const root = mkdtempSync(join(tmpdir(), 'mpi-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const mpiexec = writeArgvStub(join(root, 'bin'), 'mpiexec-stub');
const apptainer = writeArgvStub(join(root, 'bin'), 'apptainer-stub');
const settings = testSettings({
  DataRootFolder: root,
  LogTimestamps: false,
  MpiexecPath: mpiexec,
  ApptainerPath: apptainer,
  SingularityDefaultOptions: [],
  AllowRootWithRuntimeNone: true,
});
const env = (ntasks?: string): NodeJS.ProcessEnv => {
  const e = { ...process.env };
  delete e['SLURM_NTASKS'];
  if (ntasks !== undefined) e['SLURM_NTASKS'] = ntasks;
  return e;
};
const PRINT = ['/usr/bin/printf', '%s\\0', 'a b', '$(id)'];

/** A pod with one init container (never launched by mpiexec) and one app container. */
function run(mpiFlags: string | undefined, runtime = 'none', ntasks?: string) {
  const pod = makePod({
    annotations: {
      'slurm-job.vk.io/container-runtime': runtime,
      ...(mpiFlags !== undefined ? { 'slurm-job.vk.io/mpi-flags': mpiFlags } : {}),
    },
    initContainers: [{ name: 'setup', image: 'busybox', command: ['/usr/bin/printf', '%s\\0', 'init'] }],
    containers: [
      {
        name: 'main',
        image: 'busybox',
        command: PRINT.slice(0, 2),
        args: PRINT.slice(2),
        env: [{ name: 'RANKS', value: 'x y' }],
      },
    ],
  });
  const built = buildJob(makeCreate(pod), settings, 0);
  runScriptDirectly(built, env(ntasks));
  const dir = built.plan.jobDir;
  return {
    init: rawOutput(dir, 'setup', 'init'),
    main: rawOutput(dir, 'main'),
  };
}

describe('slurm-job.vk.io/mpi-flags (script run by bash, MpiexecPath = argv stub)', () => {
  it('"true" launches the container with mpiexec -np $SLURM_NTASKS and no extra flags', () => {
    const out = run('true');
    expect(stubCalls(out.main).map((c) => c.argv)).toEqual([
      ['-np', '1', 'env', '--', 'RANKS=x y', ...PRINT],
    ]);
    // init containers are not MPI programs
    expect(splitNul(out.init)).toEqual(['init']);
    expect(stubCalls(run(' true ', 'none', '8').main)[0]!.argv.slice(0, 2)).toEqual(['-np', '8']);
  });

  it('flags are split like shell words and passed literally before the command', () => {
    const flags = `--bind-to core -x "OMP_NUM_THREADS=2 4" --map-by 'ppr:1:node' '$(touch x)' \\;`;
    expect(stubCalls(run(flags, 'none', '4').main).map((c) => c.argv)).toEqual([
      [
        '-np',
        '4',
        '--bind-to',
        'core',
        '-x',
        'OMP_NUM_THREADS=2 4',
        '--map-by',
        'ppr:1:node',
        '$(touch x)',
        ';',
        'env',
        '--',
        'RANKS=x y',
        ...PRINT,
      ],
    ]);
  });

  it('"false", empty or absent: no mpiexec, the command runs itself', () => {
    for (const v of ['false', '', '  ', undefined]) expect(splitNul(run(v).main)).toEqual(PRINT.slice(2));
  });

  it('apptainer: mpiexec launches the runtime, which gets its usual argv', () => {
    const calls = stubCalls(run('--bind-to core', 'apptainer').main);
    expect(calls.map((c) => c.argv)).toEqual([
      [
        '-np',
        '1',
        '--bind-to',
        'core',
        apptainer,
        'exec',
        '--env-file',
        join(calls[0]!.cwd, 'env', 'run-main.apptainer-env'),
        'busybox',
        ...PRINT,
      ],
    ]);
  });

  it('docker and podman refuse it instead of ignoring it', () => {
    for (const runtime of ['docker', 'podman']) {
      const pod = makePod({
        annotations: { 'slurm-job.vk.io/container-runtime': runtime, 'slurm-job.vk.io/mpi-flags': 'true' },
        containers: [{ name: 'main', image: 'busybox', command: ['true'] }],
      });
      expect(() => buildJob(makeCreate(pod), settings, 0)).toThrow(
        `slurm-job.vk.io/mpi-flags is not supported with runtime "${runtime}"`,
      );
    }
  });
});
