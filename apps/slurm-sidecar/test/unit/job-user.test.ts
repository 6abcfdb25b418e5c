import { describe, expect, it } from 'vitest';
import type { V1PodSpec } from '@kubernetes/client-node';
import { PodSpecError } from '../../src/pod/annotations';
import { buildJob } from '../../src/pod/job-plan-builder';
import { flagValue } from '../../src/pod/sbatch-flags';
import type { SlurmSidecarConfig } from '../../src/config/sidecar-config';
import { makeCreate, makePod, testSettings } from '../fixtures';

const sh = { name: 'main', image: 'busybox', command: ['sh', '-c', 'id -u'] };
const ROOT = 0;

interface Case {
  cfg?: Partial<SlurmSidecarConfig>;
  spec?: Partial<V1PodSpec>;
  annotations?: Record<string, string>;
  processUid?: number;
  jobScript?: string;
}

function build(c: Case) {
  const pod = makePod({
    containers: [sh],
    ...(c.spec ? { spec: c.spec } : {}),
    ...(c.annotations ? { annotations: c.annotations } : {}),
  });
  return buildJob(
    { ...makeCreate(pod), ...(c.jobScript ? { jobScript: c.jobScript } : {}) },
    testSettings({ ContainerRuntime: 'none', ...c.cfg }),
    c.processUid ?? ROOT,
  );
}

describe('runtime "none" does not run pods as root unless the administrator allows it', () => {
  it('a root sidecar and no runAsUser: 400 saying why and naming the key', () => {
    expect(() => build({})).toThrow(PodSpecError);
    expect(() => build({})).toThrow(
      /would run as root \(uid 0\) directly on the Slurm node.*the sidecar submits as root.*AllowRootWithRuntimeNone: true/,
    );
  });

  it('runAsUser 0 is refused too, even from a sidecar that is not root', () => {
    const spec = { securityContext: { runAsUser: 0 } };
    expect(() => build({ spec })).toThrow(/runAsUser \(or the flavor UID or DefaultUID\) is 0/);
    expect(() => build({ spec, processUid: 1000 })).toThrow(/would run as root/);
  });

  it('a non-root user from runAsUser, a flavor UID or DefaultUID runs, submitted with --uid', () => {
    expect(flagValue(build({ spec: { securityContext: { runAsUser: 1000 } } }).plan.sbatchFlags, 'uid')).toBe(
      '1000',
    );
    expect(flagValue(build({ cfg: { DefaultUID: 65534 } }).plan.sbatchFlags, 'uid')).toBe('65534');
    const flavors = {
      user: { Name: '', Description: '', CPUDefault: 1, MemoryDefault: '', UID: 4242, SlurmFlags: [] },
    };
    const withFlavor = build({
      cfg: { Flavors: flavors },
      annotations: { 'slurm-job.vk.io/flavor': 'user' },
    });
    expect(flagValue(withFlavor.plan.sbatchFlags, 'uid')).toBe('4242');
  });

  it('a sidecar that is not root submits as itself: allowed', () => {
    expect(flagValue(build({ processUid: 1000 }).plan.sbatchFlags, 'uid')).toBeUndefined();
  });

  it('AllowRootWithRuntimeNone: true lets root pods run', () => {
    expect(build({ cfg: { AllowRootWithRuntimeNone: true } }).plan.containers[0]?.runtime).toBe('none');
    const spec = { securityContext: { runAsUser: 0 } };
    expect(build({ cfg: { AllowRootWithRuntimeNone: true }, spec }).plan.uid).toBeTruthy();
  });

  it('container runtimes keep root inside the container: not refused', () => {
    const built = build({ cfg: { ContainerRuntime: 'singularity' } });
    expect(built.plan.containers[0]?.runtime).toBe('singularity');
    const chosen = build({ annotations: { 'slurm-job.vk.io/container-runtime': 'docker' } });
    expect(chosen.plan.containers[0]?.runtime).toBe('docker');
  });

  it('a jobScript runs on the node whatever the runtime: refused as root', () => {
    const cfg = { ContainerRuntime: 'singularity' as const };
    expect(() => build({ cfg, jobScript: 'id -u\n' })).toThrow(/AllowRootWithRuntimeNone/);
    expect(
      build({ cfg, jobScript: 'id -u\n', spec: { securityContext: { runAsUser: 1000 } } }).plan.customScript,
    ).toBe('id -u\n');
  });
});
