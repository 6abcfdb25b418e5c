import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBench } from '@interlink/testbench';
import {
  containerOf,
  docker,
  makePod,
  purge,
  running,
  startHarness,
  waitForStatus,
  type Harness,
} from './harness';

describe('images and imagePullPolicy', () => {
  let h: Harness;
  beforeAll(async () => {
    await ensureBench(['docker', 'registry']);
    h = await startHarness();
  });
  afterAll(async () => {
    await h.stop();
    await purge(h);
  });

  it("a pull failure is a waiting ErrImagePull, then ImagePullBackOff, with Docker's message — not an HTTP error", async () => {
    const data = makePod({
      containers: [
        { name: 'main', image: '127.0.0.1:5999/interlink/absent:1.0', imagePullPolicy: 'IfNotPresent' },
      ],
    });
    const r = await h.create(data);
    expect(r.status).toBe(200);
    const first = await waitForStatus(
      h,
      data,
      'ErrImagePull',
      (s) => containerOf(s, 'main').state?.waiting?.reason === 'ErrImagePull',
    );
    expect(containerOf(first, 'main').state!.waiting!.message).toMatch(
      /^Failed to pull image "127\.0\.0\.1:5999\/interlink\/absent:1\.0": .*(connection refused|dial tcp)/,
    );
    const later = await waitForStatus(
      h,
      data,
      'ImagePullBackOff',
      (s) => containerOf(s, 'main').state?.waiting?.reason === 'ImagePullBackOff',
      15_000,
    );
    expect(containerOf(later, 'main').state!.waiting!.message).toMatch(/Failed to pull image/);
    const logs = await h.logs(data, 'main');
    expect(logs.status).toBe(400);
    expect(logs.json<{ error: string }>().error).toMatch(
      /is waiting to start: (ErrImagePull|ImagePullBackOff)/,
    );
    expect((await h.remove(data)).status).toBe(200);
  }, 25_000);

  it('Never with an absent image is ErrImageNeverPull', async () => {
    const data = makePod({
      containers: [{ name: 'main', image: 'interlink/never-pulled:0.1', imagePullPolicy: 'Never' }],
    });
    await h.createOk(data);
    const s = await waitForStatus(
      h,
      data,
      'never pull',
      (st) => containerOf(st, 'main').state?.waiting?.reason === 'ErrImageNeverPull',
    );
    expect(containerOf(s, 'main').state!.waiting!.message).toMatch(/not present with pull policy of Never/);
  });

  it('Always pulls from the registry even when the image is present', async () => {
    const image = 'localhost:5000/busybox:latest';
    const pulls = countPulls(h);
    try {
      const data = makePod({
        containers: [{ name: 'main', image, imagePullPolicy: 'Always', command: ['sleep', '60'] }],
      });
      await h.createOk(data);
      const s = await waitForStatus(h, data, 'running', running('main'), 30_000);
      expect(pulls.count).toBe(1);
      expect(containerOf(s, 'main').imageID).toMatch(/^sha256:/);
    } finally {
      pulls.restore();
    }
  }, 40_000);

  it('concurrent pods of an absent image share ONE pull (IfNotPresent)', async () => {
    // A tag that exists only in the registry: pushed from busybox, then removed locally.
    const image = `localhost:5000/interlink-test/busybox:${randomUUID().slice(0, 8)}`;
    const [repo, tag] = [image.slice(0, image.lastIndexOf(':')), image.slice(image.lastIndexOf(':') + 1)];
    await docker.getImage('busybox:latest').tag({ repo, tag });
    const push = await docker.getImage(image).push({}, undefined, {});
    await new Promise<void>((resolve, reject) =>
      docker.modem.followProgress(push, (err: Error | null) => (err ? reject(err) : resolve())),
    );
    await docker.getImage(image).remove();
    const pulls = countPulls(h);
    try {
      const pods = Array.from({ length: 5 }, () =>
        makePod({
          containers: [{ name: 'main', image, imagePullPolicy: 'IfNotPresent', command: ['sleep', '60'] }],
        }),
      );
      await Promise.all(pods.map((p) => h.createOk(p)));
      for (const p of pods) await waitForStatus(h, p, 'running', running('main'), 30_000);
      expect(pulls.count).toBe(1);
    } finally {
      pulls.restore();
      await docker
        .getImage(image)
        .remove({ force: true })
        .catch(() => undefined);
    }
  }, 60_000);
});

function countPulls(h: Harness): { count: number; restore: () => void } {
  const original = h.backend.docker.pull.bind(h.backend.docker);
  const counter = {
    count: 0,
    restore: () => {
      h.backend.docker.pull = original;
    },
  };
  h.backend.docker.pull = ((...args: Parameters<typeof original>) => {
    counter.count++;
    return original(...args);
  }) as typeof original;
  return counter;
}
