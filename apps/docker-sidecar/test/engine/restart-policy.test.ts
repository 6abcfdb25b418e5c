import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  containerOf,
  docker,
  makePod,
  purge,
  running,
  startHarness,
  terminated,
  waitForStatus,
  type Harness,
} from './harness';

describe('restartPolicy', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      settings: { restartBackoff: { baseMs: 1500, maxMs: 6000, resetAfterMs: 600_000 } },
    });
  });
  afterAll(async () => {
    await h.stop();
    await purge(h);
  });

  it('Never: a failed container stays terminated', async () => {
    const data = makePod({
      restartPolicy: 'Never',
      containers: [{ name: 'main', command: ['sh', '-c', 'exit 1'] }],
    });
    await h.createOk(data);
    await waitForStatus(h, data, 'terminated', terminated('main'));
    await new Promise((r) => setTimeout(r, 2500));
    const s = await h.statusOf(data);
    expect(containerOf(s, 'main')).toMatchObject({
      restartCount: 0,
      state: { terminated: { exitCode: 1 } },
      lastState: {},
    });
  });

  it('OnFailure: restarts a failing container with growing back-off, keeping lastState and the previous logs', async () => {
    const data = makePod({
      restartPolicy: 'OnFailure',
      containers: [
        { name: 'main', command: ['sh', '-c', 'echo "run at $(cut -d" " -f1 /proc/uptime)"; exit 7'] },
      ],
    });
    await h.createOk(data);
    const backoff = await waitForStatus(
      h,
      data,
      'CrashLoopBackOff',
      (s) => containerOf(s, 'main').state?.waiting?.reason === 'CrashLoopBackOff',
      20_000,
    );
    const main = containerOf(backoff, 'main');
    expect(main.restartCount).toBeGreaterThanOrEqual(1);
    expect(main.state!.waiting!.message).toMatch(/^back-off \d+s restarting failed container=main pod=/);
    expect(main.lastState!.terminated).toMatchObject({ exitCode: 7, reason: 'Error' });
    const later = await waitForStatus(
      h,
      data,
      'restartCount 3',
      (s) => (containerOf(s, 'main').restartCount ?? 0) >= 3,
      30_000,
    );
    expect(containerOf(later, 'main').lastState!.terminated!.exitCode).toBe(7);
    const previous = await h.logs(data, 'main', { Previous: true });
    expect(previous.status).toBe(200);
    expect(previous.body).toMatch(/^run at [\d.]+\n$/);
    // Only the current and the previous instance are kept.
    const all = await docker.listContainers({
      all: true,
      filters: { label: [`interlink.pod-uid=${data.pod.metadata!.uid}`, 'interlink.role=app'] },
    });
    expect(all.length).toBeLessThanOrEqual(2);
  }, 45_000);

  it('OnFailure: a container that succeeds is not restarted', async () => {
    const data = makePod({ restartPolicy: 'OnFailure', containers: [{ name: 'main', command: ['true'] }] });
    await h.createOk(data);
    await waitForStatus(h, data, 'done', terminated('main'));
    await new Promise((r) => setTimeout(r, 2000));
    expect(containerOf(await h.statusOf(data), 'main')).toMatchObject({
      restartCount: 0,
      state: { terminated: { exitCode: 0, reason: 'Completed' } },
    });
  });

  it('Always: restarts even after success; the first restart is immediate', async () => {
    const data = makePod({
      restartPolicy: 'Always',
      containers: [{ name: 'main', command: ['sh', '-c', 'sleep 1'] }],
    });
    await h.createOk(data);
    const s = await waitForStatus(
      h,
      data,
      'restarted',
      (st) => (containerOf(st, 'main').restartCount ?? 0) >= 1 && running('main')(st),
      15_000,
    );
    expect(containerOf(s, 'main').lastState!.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
  }, 20_000);

  it('Previous logs without a previous instance are a clear 400', async () => {
    const data = makePod({ containers: [{ name: 'main', command: ['sleep', '30'] }] });
    await h.createOk(data);
    await waitForStatus(h, data, 'running', running('main'));
    const r = await h.logs(data, 'main', { Previous: true });
    expect(r.status).toBe(400);
    expect(r.json<{ error: string }>().error).toMatch(/previous terminated container "main" .* not found/);
  });
});
