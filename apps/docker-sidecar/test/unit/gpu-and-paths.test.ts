import { describe, expect, it } from 'vitest';
import { GpuAllocator, GpuUnavailableError, podGpuCount, splitPodGpus } from '../../src/pod/gpu-allocator';
import { PathTraversalError, safeJoin } from '../../src/pod/safe-path';
import { nameProblem } from '../../src/pod/names';
import { validatePodNames } from '../../src/pod/pod-validation';

describe('GpuAllocator', () => {
  it('hands out the lowest free indexes, never the same GPU twice, and frees them on release', () => {
    const gpus = new GpuAllocator(['0', '1', '2', '3']);
    expect(gpus.allocate('pod-a', 2)).toEqual(['0', '1']);
    expect(gpus.allocate('pod-b', 1)).toEqual(['2']);
    expect(gpus.free).toBe(1);
    expect(() => gpus.allocate('pod-c', 2)).toThrow(GpuUnavailableError);
    gpus.release('pod-a');
    expect(gpus.allocate('pod-c', 2)).toEqual(['0', '1']);
    expect(gpus.heldBy('pod-b')).toEqual(['2']);
  });

  it('is idempotent per pod and grows an allocation when asked for more', () => {
    const gpus = new GpuAllocator(['0', '1', '2']);
    expect(gpus.allocate('p', 1)).toEqual(['0']);
    expect(gpus.allocate('p', 1)).toEqual(['0']);
    expect(gpus.allocate('p', 2)).toEqual(['0', '1']);
    expect(gpus.free).toBe(1);
    expect(gpus.allocate('q', 0)).toEqual([]);
  });

  it('adopts devices found on containers after a restart, ignoring unknown ids', () => {
    const gpus = new GpuAllocator(['0', '1']);
    gpus.adopt('p', ['1', '7']);
    expect(gpus.heldBy('p')).toEqual(['1']);
    expect(gpus.allocate('q', 1)).toEqual(['0']);
    expect(() => gpus.allocate('r', 1)).toThrow(/only 0 of 2/);
  });

  it('sizes pods as max(max(init), sum(app)) and splits devices accordingly', () => {
    expect(podGpuCount([3, 1], [1, 1])).toBe(3);
    expect(podGpuCount([], [1, 2])).toBe(3);
    expect(podGpuCount([], [])).toBe(0);
    expect(splitPodGpus(['a', 'b', 'c'], [3, 1], [1, 2])).toEqual({
      init: [['a', 'b', 'c'], ['a']],
      app: [['a'], ['b', 'c']],
    });
  });
});

describe('safeJoin', () => {
  it('accepts nested relative paths', () => {
    expect(safeJoin('/data/vol', 'a/b.txt', 'key')).toBe('/data/vol/a/b.txt');
    expect(safeJoin('/data/vol', '..data', 'key')).toBe('/data/vol/..data');
  });
  it.each(['../etc/passwd', 'a/../../x', '/etc/passwd', '..', '', 'a\0b', './..'])('rejects %j', (p) => {
    expect(() => safeJoin('/data/vol', p, 'key')).toThrow(PathTraversalError);
  });
});

describe('name validation', () => {
  it('accepts Kubernetes names and rejects what could become paths', () => {
    expect(nameProblem('namespace', 'default')).toBeUndefined();
    expect(nameProblem('pod UID', '3b1f6a52-0d84-4c57-9e3a-7a2c1d9e4b10')).toBeUndefined();
    expect(nameProblem('pod name', 'web.frontend-1')).toBeUndefined();
    expect(nameProblem('namespace', '../x')).toMatch(/DNS label/);
    expect(nameProblem('pod UID', 'not-a-uid')).toMatch(/UUID/);
    expect(nameProblem('container name', 'Main')).toMatch(/DNS label/);
  });
  it('lists every problem of a pod at once', () => {
    const pod = {
      metadata: { name: 'p', namespace: 'Bad_NS', uid: 'x' },
      spec: { containers: [{ name: 'a' }, { name: 'a' }] },
    };
    expect(() => validatePodNames(pod)).toThrow(/namespace "Bad_NS".*pod UID "x".*"a" is used twice/);
  });
});
