import { describe, expect, it } from 'vitest';
import { parseMemorySize } from '../../src/config/quantity';
import { resolveSettings } from '../../src/config/sidecar-settings';
import { testConfig } from '../fixtures';

describe('configuration', () => {
  it('defaults: upstream keys, sane memory, runtime singularity, data root made absolute', () => {
    const s = resolveSettings(testConfig(), '/srv');
    expect(s.dataRoot).toBe('/srv/.local/interlink/jobs');
    expect(s.memoryDefault).toBe(2 ** 30);
    expect(s.defaultRuntime).toBe('singularity');
    expect(s.raw.SbatchPath).toBe('sbatch');
    expect(s.raw.SidecarPort).toBe('4000');
  });

  it('bad values name the key', () => {
    expect(() => resolveSettings(testConfig({ MemoryDefault: 'lots' }))).toThrow(
      /config key "MemoryDefault": invalid memory size "lots"/,
    );
    expect(() => resolveSettings(testConfig({ MemoryDefault: '1' }))).toThrow(
      /MemoryDefault.*less than 1 MiB/,
    );
    expect(() => resolveSettings(testConfig({ DefaultFlavor: 'x' }))).toThrow(
      /config key "DefaultFlavor": no flavor named "x"/,
    );
    expect(() => resolveSettings(testConfig({ Socket: '/tmp/s' }))).toThrow(/config key "Socket"/);
    expect(() => resolveSettings(testConfig({ BashPath: 'bash' }))).toThrow(
      /config key "BashPath": must be an absolute path/,
    );
    expect(() => resolveSettings(testConfig({ AllowedContainerRuntimes: ['lxc'] }))).toThrow(
      /AllowedContainerRuntimes\[0\]": unknown runtime "lxc"/,
    );
    expect(() =>
      resolveSettings(
        testConfig({
          Flavors: {
            f: { Name: '', Description: '', CPUDefault: 1, MemoryDefault: '2G', SlurmFlags: ['partition=x'] },
          },
        }),
      ),
    ).toThrow(/config key "Flavors.f.SlurmFlags": "partition=x" is not an option/);
  });

  it('flavors take their map key as name; Partition becomes the first flag', () => {
    const s = resolveSettings(
      testConfig({
        Partition: 'debug',
        Flavors: {
          gpu: {
            Name: '',
            Description: '',
            CPUDefault: 4,
            MemoryDefault: '16G',
            SlurmFlags: ['--gres=gpu:1'],
          },
        },
      }),
    );
    expect(s.flavors.get('gpu')).toMatchObject({
      name: 'gpu',
      cpuDefault: 4,
      memoryDefault: 16 * 2 ** 30,
      flags: [{ name: 'gres', value: 'gpu:1' }],
    });
    expect(s.baseFlags).toEqual([{ name: 'partition', value: 'debug' }]);
  });

  it('memory sizes: upstream syntax and Kubernetes quantities', () => {
    expect(parseMemorySize('16G')).toBe(16 * 2 ** 30);
    expect(parseMemorySize('32000M')).toBe(32000 * 2 ** 20);
    expect(parseMemorySize('1024K')).toBe(2 ** 20);
    expect(parseMemorySize('2GB')).toBe(2 * 2 ** 30);
    expect(parseMemorySize('8Gi')).toBe(8 * 2 ** 30);
    expect(parseMemorySize('1.5Gi')).toBe(1.5 * 2 ** 30);
    expect(parseMemorySize(1024)).toBe(1024);
    expect(() => parseMemorySize('abc')).toThrow(/invalid quantity/);
  });
});
