import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  b64,
  containerOf,
  docker,
  makePod,
  purge,
  running,
  send,
  startHarness,
  terminated,
  waitForStatus,
  type Harness,
} from './harness';

describe('restart recovery: a new sidecar process picks up everything from Docker and its files', () => {
  const instance = `test-recovery-${randomUUID().slice(0, 6)}`;
  const dataRoot = mkdtempSync(join(tmpdir(), 'docker-sidecar-recovery-'));
  let second: Harness | undefined;
  afterAll(async () => {
    await second?.stop();
    await purge({ instance, dataRoot });
  });

  it('status, logs, init sequences, restarts, idempotent create and delete keep working', async () => {
    const first = await startHarness({ instance, dataRoot });
    const longRunning = makePod({
      nodeName: 'vk-recovery',
      secrets: [{ metadata: { name: 's' }, data: { k: b64('v') } }],
      volumes: [{ name: 's', secret: { secretName: 's' } }],
      containers: [
        {
          name: 'main',
          command: ['sh', '-c', 'echo hello; cat /s/k; echo; sleep 300'],
          volumeMounts: [{ name: 's', mountPath: '/s' }],
        },
      ],
    });
    const midInit = makePod({
      initContainers: [
        { name: 'slow', command: ['sleep', '2'] },
        { name: 'second', command: ['echo', 'second ran'] },
      ],
      containers: [{ name: 'app', command: ['echo', 'app ran'] }],
    });
    const crashing = makePod({
      restartPolicy: 'OnFailure',
      containers: [{ name: 'main', command: ['sh', '-c', 'sleep 0.5; exit 1'] }],
    });
    const jid = await first.createOk(longRunning);
    await first.createOk(midInit);
    await first.createOk(crashing);
    await waitForStatus(first, longRunning, 'running', running('main'));
    await waitForStatus(first, midInit, 'slow init running', (s) =>
      Boolean(containerOf(s, 'slow').state?.running),
    );
    await first.stop(); // the sidecar goes away; containers keep running

    await new Promise((r) => setTimeout(r, 2500)); // 'slow' finishes while nobody watches
    second = await startHarness({ instance, dataRoot });
    const h = second;

    const s = await h.statusOf(longRunning);
    expect(s.JID).toBe(jid);
    expect(containerOf(s, 'main').state!.running).toBeDefined();
    expect((await h.logs(longRunning, 'main')).body).toBe('hello\nv\n');
    expect(await h.createOk(longRunning)).toBe(jid);

    // The node controller's orphan sweep lists what the restarted sidecar holds.
    const listed = await send(h.url, 'GET', '/listPods');
    expect(listed.status).toBe(200);
    const meta = (d: typeof longRunning) => ({
      name: d.pod.metadata!.name,
      namespace: 'default',
      UID: d.pod.metadata!.uid,
    });
    expect(JSON.parse(listed.body)).toEqual(
      expect.arrayContaining([
        { ...meta(longRunning), nodeName: 'vk-recovery' },
        meta(midInit),
        meta(crashing),
      ]),
    );

    const done = await waitForStatus(
      h,
      midInit,
      'init sequence finished by the new process',
      terminated('app'),
      20_000,
    );
    expect(done.initContainers.map((c) => c.state?.terminated?.reason)).toEqual(['Completed', 'Completed']);
    expect((await h.logs(midInit, 'second')).body).toBe('second ran\n');

    const before = containerOf(await h.statusOf(crashing), 'main').restartCount ?? 0;
    await waitForStatus(
      h,
      crashing,
      'restarted by the new process',
      (st) => (containerOf(st, 'main').restartCount ?? 0) > before,
      20_000,
    );

    expect((await h.remove(longRunning)).status).toBe(200);
    const left = await docker.listContainers({
      all: true,
      filters: { label: [`interlink.pod-uid=${longRunning.pod.metadata!.uid}`] },
    });
    expect(left).toHaveLength(0);
  }, 60_000);
});
