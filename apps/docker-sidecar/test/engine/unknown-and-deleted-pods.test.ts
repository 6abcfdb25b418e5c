import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
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

async function containersOf(uid: string): Promise<number> {
  const list = await docker.listContainers({ all: true, filters: { label: [`interlink.pod-uid=${uid}`] } });
  return list.length;
}

async function removeContainersOf(uid: string): Promise<void> {
  const list = await docker.listContainers({ all: true, filters: { label: [`interlink.pod-uid=${uid}`] } });
  await Promise.all(list.map((c) => docker.getContainer(c.Id).remove({ force: true, v: true })));
}

/**
 * Issues 15 and 16 through a real Docker Engine: pods this sidecar has no record of are left out
 * of /status, a pod it created whose containers vanished is reported terminated (also after a
 * restart), and a /create arriving after the pod's /delete starts nothing, across restarts too.
 */
describe('unknown, vanished and deleted pods (real Docker)', () => {
  const instance = `test-contract-${randomUUID().slice(0, 6)}`;
  const dataRoot = mkdtempSync(join(tmpdir(), 'docker-sidecar-contract-'));
  let h: Harness | undefined;
  const sidecar = (): Harness => {
    if (!h) throw new Error('sidecar not started');
    return h;
  };
  const restart = async (): Promise<Harness> => {
    await h?.stop();
    h = await startHarness({ instance, dataRoot });
    return h;
  };
  afterAll(async () => {
    await h?.stop();
    await purge({ instance, dataRoot });
  });

  it('omits a pod from /status until its create arrives, then reports it', async () => {
    await restart();
    const data = makePod({ containers: [{ name: 'main', command: ['sleep', '60'] }] });
    expect(await sidecar().status([data.pod])).toEqual([]);
    await sidecar().createOk(data);
    const s = await waitForStatus(sidecar(), data, 'running', running('main'));
    expect(s.UID).toBe(data.pod.metadata!.uid);
    expect((await sidecar().remove(data)).status).toBe(200);
  }, 60_000);

  it('refuses a create that arrives after its delete with 409, starts nothing, and still does after a restart', async () => {
    const data = makePod({ name: 'late-create', containers: [{ name: 'main', command: ['sleep', '60'] }] });
    const uid = data.pod.metadata!.uid!;
    expect((await sidecar().remove(data)).status).toBe(200);
    const refused = await sidecar().create(data);
    expect(refused.status).toBe(409);
    expect(refused.json<{ error: string }>().error).toContain(
      `pod default/late-create (${uid}) was deleted before this create arrived; nothing was started`,
    );
    expect(await containersOf(uid)).toBe(0);
    expect(existsSync(join(dataRoot, `default-${uid}`))).toBe(false);
    expect(await sidecar().status([data.pod])).toEqual([]);

    await restart();
    expect((await sidecar().create(data)).status).toBe(409);
    expect(await containersOf(uid)).toBe(0);
  }, 60_000);

  it('reports a created single-container pod whose container was removed behind its back as terminated', async () => {
    const data = makePod({ containers: [{ name: 'main', command: ['sleep', '60'] }] });
    await sidecar().createOk(data);
    await waitForStatus(sidecar(), data, 'running', running('main'));
    await removeContainersOf(data.pod.metadata!.uid!);
    const s = await waitForStatus(sidecar(), data, 'reported lost', (st) =>
      Boolean(containerOf(st, 'main').state?.terminated),
    );
    expect(containerOf(s, 'main').state!.terminated).toMatchObject({
      reason: 'ContainerStatusUnknown',
      exitCode: 137,
      message: expect.stringMatching(/created this pod but its containers are gone/),
    });
    expect((await sidecar().remove(data)).status).toBe(200);
  }, 60_000);

  it('after a restart, still knows it created pods whose containers vanished meanwhile', async () => {
    const single = makePod({ containers: [{ name: 'main', command: ['sleep', '60'] }] });
    const multi = makePod({
      containers: [
        { name: 'a', command: ['sleep', '60'] },
        { name: 'b', command: ['sleep', '60'] },
      ],
    });
    for (const d of [single, multi]) await sidecar().createOk(d);
    await waitForStatus(sidecar(), single, 'running', running('main'));
    await waitForStatus(sidecar(), multi, 'running', (s) => running('a')(s) && running('b')(s));
    await sidecar().stop();
    h = undefined;
    for (const d of [single, multi]) await removeContainersOf(d.pod.metadata!.uid!);

    await restart();
    const statuses = await sidecar().status([single.pod, multi.pod]);
    expect(statuses).toHaveLength(2);
    for (const s of statuses) {
      for (const c of s.containers) {
        expect(c.state?.terminated).toMatchObject({
          reason: 'ContainerStatusUnknown',
          message: expect.stringMatching(/found none of its containers when it restarted/),
        });
      }
    }
    // Not started again behind the node controller's back.
    await new Promise((r) => setTimeout(r, 1500));
    expect(await containersOf(single.pod.metadata!.uid!)).toBe(0);
    for (const d of [single, multi]) expect((await sidecar().remove(d)).status).toBe(200);
    expect(await sidecar().status([single.pod, multi.pod])).toEqual([]);
  }, 90_000);

  it('refuses an image name that is not a reference with 400 naming the field (no ContainerCreating hang)', async () => {
    const data = makePod({ containers: [{ name: 'main', image: 'busybox$(id)' }] });
    const res = await sidecar().create(data);
    expect(res.status).toBe(400);
    expect(res.json<{ error: string }>().error).toMatch(
      /pod\.spec\.containers\[0\]\.image: "busybox\$\(id\)"/,
    );
    expect(await containersOf(data.pod.metadata!.uid!)).toBe(0);
  });
});
