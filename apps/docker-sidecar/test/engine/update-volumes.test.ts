import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RetrievedPodData } from '@interlink/api';
import { makePod, purge, running, send, startHarness, waitForStatus, type Harness } from './harness';

function withContent(
  data: RetrievedPodData,
  token: string,
  config: Record<string, string>,
): RetrievedPodData {
  return {
    ...data,
    container: (data.container ?? []).map((c) => ({
      ...c,
      projectedvolumemaps: [{ metadata: { name: 'kube-api-access' }, data: { token } }],
      configMaps: [{ metadata: { name: 'settings' }, data: config }],
    })),
  };
}

describe('volume refresh of a running pod (/updateVolumes)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.stop();
    await purge(h);
  });

  it('replaces token and ConfigMap files in place; the running container reads the new content', async () => {
    const created = withContent(
      makePod({
        volumes: [
          { name: 'kube-api-access', projected: { sources: [{ serviceAccountToken: { path: 'token' } }] } },
          { name: 'settings', configMap: { name: 'settings' } },
        ],
        containers: [
          {
            name: 'main',
            command: [
              'sh',
              '-c',
              'while true; do echo "token=$(cat /sa/token) keys=$(ls /cfg | tr "\\n" ,)"; sleep 0.2; done',
            ],
            volumeMounts: [
              { name: 'kube-api-access', mountPath: '/sa', readOnly: true },
              { name: 'settings', mountPath: '/cfg', readOnly: true },
            ],
          },
        ],
      }),
      'first-token',
      { a: '1', b: '2' },
    );
    await h.createOk(created);
    await waitForStatus(h, created, 'running', running('main'));
    await expect
      .poll(async () => (await h.logs(created, 'main')).body, { timeout: 10_000 })
      .toContain('token=first-token keys=a,b,');

    const res = await send(h.url, 'POST', '/updateVolumes', withContent(created, 'second-token', { a: '1' }));
    expect(res.status, res.body).toBe(200);
    await expect
      .poll(async () => (await h.logs(created, 'main')).body, { timeout: 10_000 })
      .toContain('token=second-token keys=a,');
    // Still the same container: nothing was restarted to deliver the new files.
    const s = await h.statusOf(created);
    expect(s.containers[0]).toMatchObject({ restartCount: 0, state: { running: expect.anything() } });
  });

  it('answers 404 PodNotFound for a pod it does not run, and 400 for a malformed body', async () => {
    const ghost = makePod({ containers: [{ name: 'x' }] });
    const res = await send(h.url, 'POST', '/updateVolumes', ghost);
    expect(res.status).toBe(404);
    expect(res.json()).toMatchObject({ reason: 'PodNotFound' });
    const bad = await send(h.url, 'POST', '/updateVolumes', { pod: 'nope' });
    expect(bad.status).toBe(400);
  });
});
