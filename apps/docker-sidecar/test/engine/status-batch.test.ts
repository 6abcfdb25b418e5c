import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type Docker from 'dockerode';
import { containerOf, makePod, purge, running, startHarness, waitForStatus, type Harness } from './harness';

describe('batched status', () => {
  let h: Harness;
  const pods = Array.from({ length: 12 }, (_, i) =>
    makePod({ name: `batch-${i}`, containers: [{ name: 'main', command: ['sleep', '300'] }] }),
  );
  beforeAll(async () => {
    h = await startHarness();
    await Promise.all(pods.map((p) => h.createOk(p)));
    for (const p of pods) await waitForStatus(h, p, 'running', running('main'));
  }, 60_000);
  afterAll(async () => {
    await h.stop();
    await purge(h);
  });

  it('answers many pods from ONE Docker list call and no inspect once states are known', async () => {
    const docker = h.backend.docker as Docker & Record<string, unknown>;
    const counts = { list: 0, inspect: 0 };
    const list = docker.listContainers.bind(docker);
    const get = docker.getContainer.bind(docker);
    docker.listContainers = ((...a: Parameters<typeof list>) => {
      counts.list++;
      return list(...a);
    }) as typeof list;
    docker.getContainer = ((id: string) => {
      const c = get(id);
      const inspect = c.inspect.bind(c);
      c.inspect = ((...a: Parameters<typeof inspect>) => {
        counts.inspect++;
        return inspect(...a);
      }) as typeof inspect;
      return c;
    }) as typeof get;
    try {
      const ghost = makePod({ containers: [{ name: 'main' }] });
      const statuses = await h.status([...pods.map((p) => p.pod), ghost.pod]);
      expect(counts).toEqual({ list: 1, inspect: 0 });
      // The ghost was never created here: left out, not reported terminated.
      expect(statuses).toHaveLength(12);
      for (const p of pods) {
        const s = statuses.find((x) => x.UID === p.pod.metadata!.uid)!;
        expect(s.name).toBe(p.pod.metadata!.name);
        expect(containerOf(s, 'main').state!.running).toBeDefined();
      }
      expect(statuses.find((x) => x.UID === ghost.pod.metadata!.uid)).toBeUndefined();
    } finally {
      docker.listContainers = list;
      docker.getContainer = get;
    }
  });
});
