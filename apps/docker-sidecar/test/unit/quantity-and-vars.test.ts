import { describe, expect, it } from 'vitest';
import { cpuToMilli, cpuToNanoCpus, memoryToBytes, milliCpuToShares } from '../../src/pod/quantity';
import { expandKubeVars } from '../../src/pod/kube-vars';
import { restartDelayMs, pullRetryDelayMs, shouldRestart } from '../../src/pod/restart-policy';
import { normalizeImage, pullPolicyOf, registryOf } from '../../src/docker/image-ref';

describe('quantities', () => {
  it('maps cpu exactly (no rounding up to whole CPUs) and computes shares like the kubelet', () => {
    expect(cpuToNanoCpus('500m')).toBe(500_000_000);
    expect(cpuToNanoCpus('2')).toBe(2_000_000_000);
    expect(cpuToMilli('0.0001')).toBe(1);
    expect(milliCpuToShares(250)).toBe(256);
    expect(milliCpuToShares(1)).toBe(2);
    expect(memoryToBytes('1.5Ki')).toBe(1536);
    expect(cpuToNanoCpus('0.5')).toBe(500_000_000);
    expect(() => cpuToMilli('5 Gi')).toThrow(/invalid quantity/);
  });
});

describe('$(VAR) expansion', () => {
  const env = new Map([
    ['A', 'alpha'],
    ['EMPTY', ''],
  ]);
  const lookup = (n: string): string | undefined => env.get(n);
  it.each([
    ['$(A)', 'alpha'],
    ['x$(A)y', 'xalphay'],
    ['$(MISSING)', '$(MISSING)'],
    ['$$(A)', '$(A)'],
    ['$$', '$'],
    ['$HOME and $1', '$HOME and $1'],
    ['$(A', '$(A'],
    ['$(EMPTY)!', '!'],
    ['a b "c" \'d\'\n', 'a b "c" \'d\'\n'],
  ])('%j → %j', (input, out) => expect(expandKubeVars(input, lookup)).toBe(out));
});

describe('restart policy and back-off', () => {
  const s = { baseMs: 10_000, maxMs: 300_000, resetAfterMs: 600_000 };
  it('decides restarts like the kubelet', () => {
    expect(shouldRestart('Always', 0)).toBe(true);
    expect(shouldRestart('OnFailure', 0)).toBe(false);
    expect(shouldRestart('OnFailure', 2)).toBe(true);
    expect(shouldRestart('Never', 1)).toBe(false);
  });
  it('restarts at once the first time, then doubles up to the cap, and resets after a long run', () => {
    expect([0, 1, 2, 3, 6, 10].map((n) => restartDelayMs(n, 1000, s))).toEqual([
      0, 10_000, 20_000, 40_000, 300_000, 300_000,
    ]);
    expect(restartDelayMs(5, 700_000, s)).toBe(0);
    expect([1, 2, 3].map((n) => pullRetryDelayMs(n, s))).toEqual([10_000, 20_000, 40_000]);
  });
});

describe('image references', () => {
  it('normalizes tags and finds the registry', () => {
    expect(normalizeImage('busybox')).toBe('busybox:latest');
    expect(normalizeImage('localhost:5000/app')).toBe('localhost:5000/app:latest');
    expect(normalizeImage('localhost:5000/app:1.2')).toBe('localhost:5000/app:1.2');
    expect(normalizeImage('repo/app@sha256:abc')).toBe('repo/app@sha256:abc');
    expect(registryOf('localhost:5000/app:1')).toBe('localhost:5000');
    expect(registryOf('ghcr.io/x/y')).toBe('ghcr.io');
    expect(registryOf('library/busybox')).toBe('docker.io');
  });
  it('defaults the pull policy as the API server does', () => {
    expect(pullPolicyOf({ name: 'c', image: 'busybox' })).toBe('Always');
    expect(pullPolicyOf({ name: 'c', image: 'busybox:latest' })).toBe('Always');
    expect(pullPolicyOf({ name: 'c', image: 'busybox:1.36' })).toBe('IfNotPresent');
    expect(pullPolicyOf({ name: 'c', image: 'busybox:latest', imagePullPolicy: 'Never' })).toBe('Never');
  });
});
