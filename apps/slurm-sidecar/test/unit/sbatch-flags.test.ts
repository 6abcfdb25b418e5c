import { describe, expect, it } from 'vitest';
import { FlagError, parseAdminFlags, parseFlagWords } from '../../src/pod/annotation-flags';
import {
  assembleSbatchFlags,
  deadlineMinutes,
  memoryMegabytes,
  podResources,
  selectFlavor,
} from '../../src/pod/resource-flags';
import { flagsToArgv, mergeFlags } from '../../src/pod/sbatch-flags';
import { makePod, testSettings } from '../fixtures';

describe('AnnotationFlags (slurm-job.vk.io/flags)', () => {
  it('parses long, short, attached and separate values (interlink-slurm-plugin#116)', () => {
    expect(
      parseFlagWords(['-p geant4 -t 2800 --mem-per-cpu=2G --exclusive -A "my acct" -c4 --qos normal']),
    ).toEqual([
      { name: 'partition', value: 'geant4' },
      { name: 'time', value: '2800' },
      { name: 'mem-per-cpu', value: '2G' },
      { name: 'exclusive' },
      { name: 'account', value: 'my acct' },
      { name: 'cpus-per-task', value: '4' },
      { name: 'qos', value: 'normal' },
    ]);
  });

  it('refuses shell syntax, stray words and newlines instead of passing them on', () => {
    expect(() => parseFlagWords(['--time=10; rm -rf /'])).toThrow(/operator ';'/);
    expect(() => parseFlagWords(['debug'])).toThrow(FlagError);
    expect(() => parseFlagWords(["--comment='a\nb'"])).toThrow(/newlines/);
    expect(() => parseFlagWords(['-p'])).toThrow(/needs a value/);
    expect(() => parseFlagWords(['-X 3'])).toThrow(/unknown short option "-X"/);
  });

  it('administrator flags are not allow-listed, but still may not break the sidecar', () => {
    expect(parseAdminFlags(['--propagate=NONE', '--export=NONE', '--priority=10'])).toHaveLength(3);
    expect(() => parseAdminFlags(['--output=x'])).toThrow(/--output is managed by the sidecar/);
    expect(() => parseAdminFlags(['-J name'])).toThrow(/--job-name is managed by the sidecar/);
  });
});

describe('mergeFlags', () => {
  it('later lists win, at the position of the first occurrence', () => {
    const merged = mergeFlags(
      [
        { name: 'partition', value: 'a' },
        { name: 'time', value: '5' },
      ],
      [
        { name: 'qos', value: 'q' },
        { name: 'partition', value: 'b' },
      ],
    );
    expect(flagsToArgv(merged)).toEqual(['--partition=b', '--time=5', '--qos=q']);
  });
});

describe('ResourceFlags', () => {
  const c = (name: string, limits?: Record<string, string>, requests?: Record<string, string>) => ({
    name,
    image: 'x',
    resources: { ...(limits ? { limits } : {}), ...(requests ? { requests } : {}) },
  });

  it('aggregates max(max(init), sum(app)), limits else requests, CPUs rounded up', () => {
    const pod = makePod({
      initContainers: [c('i', { cpu: '3', memory: '1Gi' })],
      containers: [
        c('a', { cpu: '500m', memory: '512Mi' }),
        c('b', undefined, { cpu: '1200m', memory: '1Gi', 'nvidia.com/gpu': '2' }),
      ],
    });
    expect(podResources(pod)).toEqual({ cpus: 3, memoryBytes: 1.5 * 2 ** 30, nvidiaGpus: 2, amdGpus: 0 });
    const flags = assembleSbatchFlags({ pod, settings: testSettings(), annotationFlags: [] });
    expect(flagsToArgv(flags)).toEqual(['--cpus-per-task=3', '--mem=1536M', '--gres=gpu:2']);
  });

  it('never emits --mem=1: defaults come from the flavor, then the configuration', () => {
    const pod = makePod({ containers: [c('a')] });
    expect(flagsToArgv(assembleSbatchFlags({ pod, settings: testSettings(), annotationFlags: [] }))).toEqual([
      '--cpus-per-task=1',
      '--mem=1024M',
    ]);
    const settings = testSettings({
      Flavors: {
        big: {
          Name: '',
          Description: '',
          CPUDefault: 8,
          MemoryDefault: '16G',
          SlurmFlags: ['--partition=big'],
        },
      },
      DefaultFlavor: 'big',
    });
    const flavor = selectFlavor(pod, settings, undefined);
    expect(
      flagsToArgv(assembleSbatchFlags({ pod, settings, ...(flavor ? { flavor } : {}), annotationFlags: [] })),
    ).toEqual(['--partition=big', '--cpus-per-task=8', '--mem=16384M']);
    expect(
      flagsToArgv(
        assembleSbatchFlags({
          pod,
          settings: testSettings({ MemoryDefault: '', CPUDefault: 0 }),
          annotationFlags: [],
        }),
      ),
    ).toEqual([]);
  });

  it('pod limits beat annotation values; --mem is dropped when --mem-per-cpu is requested', () => {
    const pod = makePod({ containers: [c('a', { cpu: '2', memory: '3Gi' })] });
    const ann = parseFlagWords(['--cpus-per-task=16 --mem=100G']);
    expect(flagsToArgv(assembleSbatchFlags({ pod, settings: testSettings(), annotationFlags: ann }))).toEqual(
      ['--cpus-per-task=2', '--mem=3072M'],
    );
    const perCpu = parseFlagWords(['--mem-per-cpu=2G']);
    expect(
      flagsToArgv(assembleSbatchFlags({ pod, settings: testSettings(), annotationFlags: perCpu })),
    ).toEqual(['--mem-per-cpu=2G', '--cpus-per-task=2']);
    const noLimits = makePod({ containers: [c('a')] });
    expect(
      flagsToArgv(assembleSbatchFlags({ pod: noLimits, settings: testSettings(), annotationFlags: ann })),
    ).toEqual(['--cpus-per-task=16', '--mem=100G']);
  });

  it('GPUs as --gres or --gpus, unless flags already ask for GPUs; deadline as --time', () => {
    const pod = makePod({
      containers: [c('a', { 'nvidia.com/gpu': '1' }), c('b', { 'amd.com/gpu': '1' })],
      spec: { activeDeadlineSeconds: 90 },
    });
    expect(
      flagsToArgv(
        assembleSbatchFlags({ pod, settings: testSettings({ GPUFlag: 'gpus' }), annotationFlags: [] }),
      ),
    ).toContain('--gpus=2');
    expect(flagsToArgv(assembleSbatchFlags({ pod, settings: testSettings(), annotationFlags: [] }))).toEqual([
      '--cpus-per-task=1',
      '--mem=1024M',
      '--gres=gpu:2',
      '--time=2',
    ]);
    const own = parseFlagWords(['--gres=gpu:a100:2']);
    expect(
      flagsToArgv(assembleSbatchFlags({ pod, settings: testSettings(), annotationFlags: own })),
    ).not.toContain('--gres=gpu:2');
    expect(deadlineMinutes(60)).toBe(1);
    expect(deadlineMinutes(61)).toBe(2);
    expect(memoryMegabytes(1)).toBe(1);
    expect(memoryMegabytes(2 ** 20 + 1)).toBe(2);
  });

  it('selects flavors by annotation, GPU count, then default; unknown names are errors', () => {
    const settings = testSettings({
      Flavors: {
        small: { Name: '', Description: '', CPUDefault: 1, MemoryDefault: '1G', SlurmFlags: [] },
        'gpu-one': {
          Name: '',
          Description: '',
          CPUDefault: 4,
          MemoryDefault: '8G',
          SlurmFlags: ['--gres=gpu:1'],
        },
        'gpu-two': {
          Name: '',
          Description: '',
          CPUDefault: 8,
          MemoryDefault: '16G',
          SlurmFlags: ['--gres=gpu:2'],
        },
      },
      DefaultFlavor: 'small',
    });
    expect(selectFlavor(makePod({ containers: [c('a')] }), settings, undefined)?.name).toBe('small');
    expect(
      selectFlavor(makePod({ containers: [c('a', { 'nvidia.com/gpu': '2' })] }), settings, undefined)?.name,
    ).toBe('gpu-two');
    expect(
      selectFlavor(makePod({ containers: [c('a', { 'nvidia.com/gpu': '3' })] }), settings, undefined)?.name,
    ).toBe('gpu-one');
    expect(selectFlavor(makePod({ containers: [c('a')] }), settings, 'gpu-one')?.name).toBe('gpu-one');
    expect(() => selectFlavor(makePod({ containers: [c('a')] }), settings, 'huge')).toThrow(
      /unknown flavor "huge".*small, gpu-one, gpu-two/,
    );
  });
});
