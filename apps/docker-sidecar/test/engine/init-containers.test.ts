import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  containerOf,
  makePod,
  purge,
  startHarness,
  terminated,
  waitForStatus,
  type Harness,
} from './harness';

const work = [{ name: 'work', mountPath: '/work' }];

describe('init containers', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.stop();
    await purge(h);
  });

  it('run one at a time, in order, each to completion, before the app containers', async () => {
    const data = makePod({
      volumes: [{ name: 'work', emptyDir: {} }],
      initContainers: [
        {
          name: 'first',
          command: [
            'sh',
            '-c',
            'sleep 1; echo first >> /work/order; cut -d" " -f1 /proc/uptime > /work/first-end',
          ],
          volumeMounts: work,
        },
        {
          name: 'second',
          command: [
            'sh',
            '-c',
            'cut -d" " -f1 /proc/uptime > /work/second-start; echo second >> /work/order',
          ],
          volumeMounts: work,
        },
      ],
      containers: [
        {
          name: 'app',
          command: [
            'sh',
            '-c',
            'echo app >> /work/order; cat /work/order; awk -v a=$(cat /work/second-start) -v b=$(cat /work/first-end) "BEGIN{if (a >= b) print \\"sequential\\"}"',
          ],
          volumeMounts: work,
        },
      ],
    });
    await h.createOk(data);
    const mid = await waitForStatus(h, data, 'first running', (s) =>
      Boolean(containerOf(s, 'first').state?.running),
    );
    expect(containerOf(mid, 'second').state).toEqual({ waiting: { reason: 'PodInitializing' } });
    expect(containerOf(mid, 'app').state).toEqual({ waiting: { reason: 'PodInitializing' } });
    const s = await waitForStatus(h, data, 'app done', terminated('app'));
    expect(s.initContainers.map((c) => [c.name, c.state?.terminated?.reason])).toEqual([
      ['first', 'Completed'],
      ['second', 'Completed'],
    ]);
    expect((await h.logs(data, 'app')).body).toBe('first\nsecond\napp\nsequential\n');
  });

  it('a failing init container fails the pod (restartPolicy Never): later ones and apps never start, its logs stay readable', async () => {
    const data = makePod({
      initContainers: [
        { name: 'broken', command: ['sh', '-c', 'echo "cannot prepare" >&2; exit 3'] },
        { name: 'never', command: ['true'] },
      ],
      containers: [{ name: 'app', command: ['true'] }],
    });
    await h.createOk(data);
    const s = await waitForStatus(h, data, 'broken terminated', terminated('broken', true));
    await new Promise((r) => setTimeout(r, 1500));
    const later = await h.statusOf(data);
    expect(containerOf(later, 'broken').state!.terminated).toMatchObject({ exitCode: 3, reason: 'Error' });
    expect(containerOf(later, 'never').state).toEqual({ waiting: { reason: 'PodInitializing' } });
    expect(containerOf(later, 'app').state).toEqual({ waiting: { reason: 'PodInitializing' } });
    expect(containerOf(s, 'broken').restartCount).toBe(0);
    expect((await h.logs(data, 'broken')).body).toBe('cannot prepare\n');
    const never = await h.logs(data, 'never');
    expect(never.status).toBe(400);
    expect(never.json<{ error: string }>().error).toMatch(/waiting to start/);
  });

  it('with restartPolicy OnFailure a failing init container is retried with back-off until it succeeds', async () => {
    const data = makePod({
      restartPolicy: 'OnFailure',
      volumes: [{ name: 'work', emptyDir: {} }],
      initContainers: [
        {
          name: 'flaky',
          command: [
            'sh',
            '-c',
            'n=$(cat /work/n 2>/dev/null || echo 0); echo $((n+1)) > /work/n; [ $n -ge 2 ]',
          ],
          volumeMounts: work,
        },
      ],
      containers: [{ name: 'app', command: ['cat', '/work/n'], volumeMounts: work }],
    });
    await h.createOk(data);
    const s = await waitForStatus(h, data, 'app done', terminated('app'), 30_000);
    expect(containerOf(s, 'flaky')).toMatchObject({
      restartCount: 2,
      state: { terminated: { exitCode: 0, reason: 'Completed' } },
    });
    expect(containerOf(s, 'flaky').lastState!.terminated).toMatchObject({ exitCode: 1, reason: 'Error' });
    expect((await h.logs(data, 'app')).body).toBe('3\n');
  }, 40_000);
});
