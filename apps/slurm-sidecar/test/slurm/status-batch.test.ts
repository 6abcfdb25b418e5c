import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { V1Pod } from '@kubernetes/client-node';
import { makeCreate, makePod } from '../fixtures';
import { countingWrapper, ctx, requireSlurm, startSidecar, type TestSidecar } from './harness';
import { cleanScratchDirsAfterAll, scratchDir } from '../scratch';

cleanScratchDirsAfterAll();

// Real Slurm on a shared 2-core machine: allow for a busy scheduler.
vi.setConfig({ testTimeout: 180_000 });

let sc: TestSidecar;
let squeue: ReturnType<typeof countingWrapper>;
const pods: V1Pod[] = [];
const jobOf = new Map<string, string>();

beforeAll(async () => {
  await requireSlurm();
  squeue = countingWrapper(scratchDir('squeue-count-'), 'squeue');
  sc = await startSidecar({ SqueuePath: squeue.path, StatusCacheSeconds: 60 });
  for (let i = 0; i < 200; i++) {
    pods.push(
      makePod({
        name: `batch-${i}`,
        namespace: i % 2 ? 'team-a' : 'team-b',
        containers: [{ name: 'main', image: 'none', command: ['/bin/sh', '-c', `exit ${i % 7}`] }],
        ...(i % 10 === 0
          ? { initContainers: [{ name: 'prep', image: 'none', command: ['/bin/true'] }] }
          : {}),
      }),
    );
  }
  // Submit in parallel batches, as concurrent /create requests would.
  for (let i = 0; i < pods.length; i += 25) {
    const created = await Promise.all(
      pods.slice(i, i + 25).map((p) => sc.backend.create(makeCreate(p), ctx())),
    );
    for (const c of created) jobOf.set(c.PodUID, c.PodJID);
  }
}, 300_000);
afterAll(async () => sc?.cleanup());

describe('batched status (real Slurm)', () => {
  it('200 pods: exactly one squeue invocation, one answer per pod, each its own', async () => {
    expect(squeue.count()).toBe(0);
    const statuses = await sc.backend.status(pods, ctx());
    expect(squeue.count()).toBe(1);
    expect(statuses).toHaveLength(200);
    statuses.forEach((s, i) => {
      const pod = pods[i]!;
      expect(s.UID).toBe(pod.metadata!.uid);
      expect(s.name).toBe(pod.metadata!.name);
      expect(s.namespace).toBe(pod.metadata!.namespace);
      expect(s.JID).toBe(jobOf.get(pod.metadata!.uid!));
      expect(s.containers.map((c) => c.name)).toEqual(['main']);
      expect(s.initContainers.map((c) => c.name)).toEqual(i % 10 === 0 ? ['prep'] : []);
      const state = s.containers[0]!.state!;
      expect(Object.keys(state)).toHaveLength(1);
    });
    // Within the cache age, another poll (any subset) costs no squeue at all.
    await sc.backend.status(pods.slice(0, 50), ctx());
    expect(squeue.count()).toBe(1);
  });

  it('asking for some pods answers only those pods, whatever was asked before', async () => {
    const subset = [pods[3]!, pods[150]!, pods[77]!];
    const unknown = makePod({ name: 'stranger', containers: [{ name: 'x', image: 'none' }] });
    const statuses = await sc.backend.status([...subset, unknown], ctx());
    expect(statuses.map((s) => s.UID)).toEqual(subset.map((p) => p.metadata!.uid));
  });

  it('concurrent polls share one squeue (single flight)', async () => {
    await sc.backend.snapshot.refresh();
    const before = squeue.count();
    const fresh = await sc.restart({ SqueuePath: squeue.path, StatusCacheSeconds: 0 });
    const beforeFresh = squeue.count();
    await Promise.all(Array.from({ length: 10 }, (_, i) => fresh.status([pods[i]!], ctx())));
    expect(squeue.count() - beforeFresh).toBeLessThanOrEqual(2);
    expect(beforeFresh - before).toBeLessThanOrEqual(1);
  });

  it('finished jobs get their exit codes, then Slurm is not asked about them any more', async () => {
    const fresh = await sc.restart({ SqueuePath: squeue.path, StatusCacheSeconds: 0 });
    const first = pods.slice(0, 6);
    for (;;) {
      const st = await fresh.status(first, ctx());
      // the exit-code files come first; Slurm reports the job as ended a moment later
      const ended = first.every((p) => fresh.store.get(p.metadata!.uid!)?.final);
      if (ended && st.every((s) => s.containers[0]?.state?.terminated)) {
        st.forEach((s, i) => expect(s.containers[0]?.state?.terminated?.exitCode).toBe(i % 7));
        break;
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
    for (const p of first)
      expect(fresh.store.get(p.metadata!.uid!)?.final?.state).toMatch(/COMPLETED|FAILED/);
    const calls = squeue.count();
    await fresh.status(pods, ctx());
    if (squeue.count() > calls) {
      const asked = /--jobs=([\d,]+)/.exec(squeue.calls().at(-1) ?? '')?.[1]?.split(',') ?? [];
      for (const p of first) expect(asked).not.toContain(jobOf.get(p.metadata!.uid!));
    } else {
      // every job had already finished: nothing left to ask Slurm about
      for (const p of pods) expect(fresh.store.get(p.metadata!.uid!)?.final).toBeDefined();
    }
  }, 200_000);
});
