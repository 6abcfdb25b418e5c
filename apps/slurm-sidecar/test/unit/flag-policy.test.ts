import { describe, expect, it } from 'vitest';
import { FlagError, parsePodFlags } from '../../src/pod/annotation-flags';
import { PodSpecError } from '../../src/pod/annotations';
import { buildJob } from '../../src/pod/job-plan-builder';
import { flagsToArgv } from '../../src/pod/sbatch-flags';
import type { SlurmSidecarConfig } from '../../src/config/sidecar-config';
import { makeCreate, makePod, testSettings } from '../fixtures';

const FLAGS = 'slurm-job.vk.io/flags';
const sh = { name: 'main', image: 'busybox', command: ['sh', '-c', 'true'] };
const defaults = testSettings().flagPolicy;
const screen = (text: string, policy = defaults) => parsePodFlags([text], policy);
const build = (annotation: string, cfg: Partial<SlurmSidecarConfig> = {}) =>
  buildJob(
    makeCreate(makePod({ containers: [sh], annotations: { [FLAGS]: annotation } })),
    testSettings({ ContainerRuntime: 'singularity', ...cfg }),
    1000,
  );

describe('pod flags the sidecar manages itself are dropped, the pod runs', () => {
  it("upstream's example annotation: --job-name dropped with a reason, -t 2800 kept", () => {
    expect(screen('--job-name=test-pod-cfg -t 2800')).toEqual({
      flags: [{ name: 'time', value: '2800' }],
      dropped: [
        {
          flag: { name: 'job-name', value: 'test-pod-cfg' },
          reason: 'the sidecar names the job after the pod UID',
        },
      ],
    });
  });

  it('the built job carries -t as --time and a warning naming the dropped option', () => {
    const built = build('--job-name=test-pod-cfg -t 2800');
    expect(flagsToArgv(built.plan.sbatchFlags)).toContain('--time=2800');
    expect(built.plan.sbatchFlags.map((f) => f.name)).not.toContain('job-name');
    expect(built.warnings).toEqual([
      `annotation ${FLAGS}: --job-name dropped (the sidecar names the job after the pod UID)`,
    ]);
  });

  it.each([
    ['-o /tmp/x', 'output'],
    ['--error=/tmp/e', 'error'],
    ['-D /', 'chdir'],
    ['-J other', 'job-name'],
    ['--wrap=id', 'wrap'],
    ['--array=1-10', 'array'],
    ['-W', 'wait'],
    ['--parsable', 'parsable'],
    ['-M other', 'clusters'],
  ])('%s is dropped as --%s', (text, name) => {
    const { flags, dropped } = screen(`${text} -p debug`);
    expect(flags).toEqual([{ name: 'partition', value: 'debug' }]);
    expect(dropped.map((d) => d.flag.name)).toEqual([name]);
  });

  it('harmless options outside the allow-list are dropped and say which keys allow them', () => {
    const { flags, dropped } = screen('--exclusive --exclusive=user --propagate=ALL -H --time=5');
    expect(flags).toEqual([{ name: 'time', value: '5' }]);
    expect(dropped.map((d) => d.flag.name)).toEqual(['exclusive', 'exclusive', 'propagate', 'hold']);
    expect(dropped[0]?.reason).toMatch(/AllowedSlurmFlags, ExtraAllowedSlurmFlags/);
  });
});

describe('privileged pod flags are refused (400 naming the annotation and the option)', () => {
  it.each([
    ['--priority=100', 'priority', /Slurm operators and administrators/],
    ['--nice=-10', 'nice', /negative nice/],
    ['--reservation=maint', 'reservation', /reservations/],
    ['--uid=0', 'uid', /runAsUser/],
    ['--gid=0', 'gid', /job group/],
    ['--get-user-env', 'get-user-env', /only root/],
    ['--export=BASH_ENV=/tmp/x', 'export', /container runtime/],
    ['--export-file=/etc/shadow', 'export-file', /sidecar's host/],
    ['--container=/srv/bundle', 'container', /OCI bundle/],
    ['--mcs-label=x', 'mcs-label', /security label/],
    ['--reboot', 'reboot', /reboot nodes/],
  ])('%s', (text, name, why) => {
    expect(() => screen(`--time=5 ${text}`)).toThrow(FlagError);
    expect(() => screen(`--time=5 ${text}`)).toThrow(new RegExp(`^--${name} is refused: `));
    expect(() => screen(text)).toThrow(why);
    expect(() => build(text)).toThrow(PodSpecError);
    expect(() => build(text)).toThrow(`annotation ${FLAGS}: --${name} is refused`);
  });

  it('a positive nice only lowers the job among its own: allowed', () => {
    expect(screen('--nice=10 --nice').flags).toEqual([{ name: 'nice', value: '10' }, { name: 'nice' }]);
  });
});

describe('the administrator widens or narrows the allow-list', () => {
  it('ExtraAllowedSlurmFlags adds options, privileged ones included; the built-in list stays', () => {
    const policy = testSettings({
      ExtraAllowedSlurmFlags: ['priority', '--exclusive', 'reservation', 'nice'],
    }).flagPolicy;
    expect(screen('--priority=5 --exclusive --reservation=r --nice=-3 -p debug', policy)).toEqual({
      flags: [
        { name: 'priority', value: '5' },
        { name: 'exclusive' },
        { name: 'reservation', value: 'r' },
        { name: 'nice', value: '-3' },
        { name: 'partition', value: 'debug' },
      ],
      dropped: [],
    });
    expect(
      flagsToArgv(build('--priority=5', { ExtraAllowedSlurmFlags: ['priority'] }).plan.sbatchFlags),
    ).toContain('--priority=5');
  });

  it('AllowedSlurmFlags replaces the built-in list', () => {
    const policy = testSettings({ AllowedSlurmFlags: ['time'] }).flagPolicy;
    const { flags, dropped } = screen('-t 10 -p debug', policy);
    expect(flags).toEqual([{ name: 'time', value: '10' }]);
    expect(dropped.map((d) => d.flag.name)).toEqual(['partition']);
    expect(() => screen('--priority=1', policy)).toThrow(/--priority is refused/);
  });

  it('options the sidecar manages or the job identity cannot be allowed: start-up error naming the key', () => {
    expect(() => testSettings({ ExtraAllowedSlurmFlags: ['time', '--job-name'] })).toThrow(
      /config key "ExtraAllowedSlurmFlags\[1\]": --job-name cannot be allowed/,
    );
    expect(() => testSettings({ AllowedSlurmFlags: ['uid'] })).toThrow(
      /config key "AllowedSlurmFlags\[0\]": --uid cannot be allowed/,
    );
  });
});
