import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, makePod, purge, running, startHarness, waitForStatus, type Harness } from './harness';

describe('delete', () => {
  let h: Harness;
  let out: string;
  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), 'delete-out-'));
    h = await startHarness({ settings: { hostPathAllowList: [out] } });
  });
  afterAll(async () => {
    await h.stop();
    await purge(h);
    rmSync(out, { recursive: true, force: true });
  });

  const outVolume = (dir: string) => ({
    name: 'out',
    hostPath: { path: join(out, dir), type: 'DirectoryOrCreate' },
  });
  const outMount = [{ name: 'out', mountPath: '/out' }];

  async function leftovers(uid: string): Promise<number> {
    const label = `interlink.pod-uid=${uid}`;
    const c = await docker.listContainers({ all: true, filters: { label: [label] } });
    const v = await docker.listVolumes({ filters: { label: [label] } });
    return c.length + (v.Volumes ?? []).length;
  }

  it('runs preStop, sends SIGTERM, and returns as soon as the containers exit; everything is removed', async () => {
    const data = makePod({
      grace: 20,
      volumes: [outVolume('graceful'), { name: 'mem', emptyDir: { medium: 'Memory' } }],
      containers: [
        {
          name: 'main',
          command: [
            'sh',
            '-c',
            'trap "echo term >> /out/seq; exit 0" TERM; echo started >> /out/seq; while true; do sleep 0.1; done',
          ],
          lifecycle: { preStop: { exec: { command: ['sh', '-c', 'echo prestop >> /out/seq'] } } },
          volumeMounts: [...outMount, { name: 'mem', mountPath: '/mem' }],
        },
      ],
    });
    await h.createOk(data);
    await waitForStatus(h, data, 'running', running('main'));
    await new Promise((r) => setTimeout(r, 300));
    const started = Date.now();
    const r = await h.remove(data);
    const took = Date.now() - started;
    expect(r.status).toBe(200);
    expect(r.body).toBe('All containers for submitted Pods have been deleted');
    expect(took).toBeLessThan(5000);
    expect(readFileSync(join(out, 'graceful', 'seq'), 'utf8')).toBe('started\nprestop\nterm\n');
    expect(await leftovers(data.pod.metadata!.uid!)).toBe(0);
    expect(existsSync(join(h.dataRoot, `default-${data.pod.metadata!.uid}`))).toBe(false);
  });

  it('kills a container that ignores SIGTERM after the grace period', async () => {
    const data = makePod({
      grace: 2,
      containers: [
        { name: 'stubborn', command: ['sh', '-c', 'trap "" TERM; while true; do sleep 0.1; done'] },
      ],
    });
    await h.createOk(data);
    await waitForStatus(h, data, 'running', running('stubborn'));
    const started = Date.now();
    expect((await h.remove(data)).status).toBe(200);
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(1900);
    expect(took).toBeLessThan(8000);
    expect(await leftovers(data.pod.metadata!.uid!)).toBe(0);
  });

  it('uses deletionGracePeriodSeconds from the delete request over the spec value', async () => {
    const data = makePod({
      grace: 30,
      containers: [
        { name: 'stubborn', command: ['sh', '-c', 'trap "" TERM; while true; do sleep 0.1; done'] },
      ],
    });
    await h.createOk(data);
    await waitForStatus(h, data, 'running', running('stubborn'));
    const pod = {
      ...data.pod,
      metadata: { ...data.pod.metadata, deletionGracePeriodSeconds: 1, deletionTimestamp: new Date() },
    };
    const started = Date.now();
    expect((await h.remove(pod)).status).toBe(200);
    expect(Date.now() - started).toBeLessThan(6000);
  });

  it('is idempotent: deleting twice, or deleting a pod never created, succeeds', async () => {
    const data = makePod({ containers: [{ name: 'main', command: ['sleep', '60'] }] });
    await h.createOk(data);
    expect((await h.remove(data)).status).toBe(200);
    expect((await h.remove(data)).status).toBe(200);
    expect((await h.remove(makePod({ containers: [{ name: 'x' }] }))).status).toBe(200);
    // Deleted: the sidecar has no record of it any more, so it is left out of /status.
    expect(await h.status([data.pod])).toEqual([]);
  });

  it("containers removed behind the sidecar's back are reported lost, not waiting forever", async () => {
    const data = makePod({
      containers: [
        { name: 'a', command: ['sleep', '60'] },
        { name: 'b', command: ['sleep', '60'] },
      ],
    });
    await h.createOk(data);
    await waitForStatus(h, data, 'running', (s) => running('a')(s) && running('b')(s));
    const all = await docker.listContainers({
      all: true,
      filters: { label: [`interlink.pod-uid=${data.pod.metadata!.uid}`] },
    });
    await Promise.all(all.map((c) => docker.getContainer(c.Id).remove({ force: true })));
    const s = await h.statusOf(data);
    expect(s.containers.map((c) => c.state?.terminated?.reason)).toEqual([
      'ContainerStatusUnknown',
      'ContainerStatusUnknown',
    ]);
    expect((await h.remove(data)).status).toBe(200);
  });

  it('a delete racing a create leaves nothing behind', async () => {
    const data = makePod({
      initContainers: [{ name: 'init', command: ['true'] }],
      containers: [{ name: 'main', command: ['sleep', '60'] }],
    });
    const [created, deleted] = await Promise.all([
      h.create(data),
      new Promise((r) => setTimeout(r, 5)).then(() => h.remove(data)),
    ]);
    expect(created.status).toBe(200);
    expect(deleted.status).toBe(200);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await leftovers(data.pod.metadata!.uid!)).toBe(0);
  });
});
