import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  containerOf,
  makePod,
  purge,
  running,
  startHarness,
  terminated,
  waitForStatus,
  type Harness,
} from './harness';

describe('containers of one pod share network, IPC and volumes', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.stop();
    await purge(h);
  });

  it('reach each other on localhost', async () => {
    const data = makePod({
      containers: [
        {
          name: 'server',
          command: [
            'sh',
            '-c',
            'mkdir -p /www && echo hello-from-server > /www/index.html && httpd -f -p 127.0.0.1:8080 -h /www',
          ],
        },
        {
          name: 'client',
          command: [
            'sh',
            '-c',
            'for i in $(seq 1 50); do wget -q -O - http://127.0.0.1:8080/index.html 2>/dev/null && exit 0; sleep 0.2; done; exit 1',
          ],
        },
      ],
    });
    await h.createOk(data);
    const s = await waitForStatus(h, data, 'client done', terminated('client'));
    expect(containerOf(s, 'client').state!.terminated!.exitCode).toBe(0);
    expect((await h.logs(data, 'client')).body).toBe('hello-from-server\n');
    expect(containerOf(s, 'server').state!.running).toBeDefined();
  });

  it('share the hostname of the pod and its emptyDir', async () => {
    const data = makePod({
      volumes: [{ name: 'shared', emptyDir: {} }],
      containers: [
        {
          name: 'writer',
          command: ['sh', '-c', 'hostname > /data/writer-host; echo written > /data/file; sleep 300'],
          volumeMounts: [{ name: 'shared', mountPath: '/data' }],
        },
        {
          name: 'reader',
          command: [
            'sh',
            '-c',
            'while [ ! -f /shared/file ]; do sleep 0.1; done; cat /shared/file; hostname; cat /shared/writer-host',
          ],
          volumeMounts: [{ name: 'shared', mountPath: '/shared' }],
        },
      ],
    });
    await h.createOk(data);
    await waitForStatus(h, data, 'reader done', terminated('reader'));
    const name = data.pod.metadata!.name!;
    expect((await h.logs(data, 'reader')).body).toBe(`written\n${name}\n${name}\n`);
  });

  it('a medium: Memory emptyDir is a tmpfs shared by the containers and outlives an init container', async () => {
    const data = makePod({
      volumes: [{ name: 'fast', emptyDir: { medium: 'Memory', sizeLimit: '16Mi' } }],
      initContainers: [
        {
          name: 'fill',
          command: ['sh', '-c', 'echo from-init > /fast/seed'],
          volumeMounts: [{ name: 'fast', mountPath: '/fast' }],
        },
      ],
      containers: [
        {
          name: 'main',
          command: [
            'sh',
            '-c',
            'cat /fast/seed; grep " /fast " /proc/mounts | cut -d" " -f3; df -k /fast | tail -1 | awk "{print \\$2}"',
          ],
          volumeMounts: [{ name: 'fast', mountPath: '/fast' }],
        },
      ],
    });
    await h.createOk(data);
    await waitForStatus(h, data, 'main done', terminated('main'));
    expect((await h.logs(data, 'main')).body).toBe('from-init\ntmpfs\n16384\n');
  });

  it("shareProcessNamespace lets containers see each other's processes", async () => {
    const data = makePod({
      shareProcessNamespace: true,
      containers: [
        { name: 'sleeper', command: ['sleep', '301'] },
        {
          name: 'looker',
          command: [
            'sh',
            '-c',
            'for i in $(seq 1 50); do ps | grep -q "sleep 301" && echo seen && exit 0; sleep 0.2; done; exit 1',
          ],
        },
      ],
    });
    await h.createOk(data);
    const s = await waitForStatus(h, data, 'looker done', terminated('looker'));
    expect(containerOf(s, 'looker').state!.terminated!.exitCode).toBe(0);
    expect(running('sleeper')(s)).toBe(true);
  });
});
