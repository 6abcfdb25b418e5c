import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GO_ZERO_TIME } from '@interlink/api';
import { createPluginServer, InMemoryBackend, type PluginServer } from '../src';
import { podData, quietLogger, send } from './helpers';

const UID = '6a1f0c2e-3d4b-4e5f-8a9b-0c1d2e3f4a5b';
const good = JSON.stringify(podData('rules', UID));
const withPod = (patch: (p: Record<string, any>) => void): string => {
  const copy = JSON.parse(good);
  patch(copy.pod);
  return JSON.stringify(copy);
};
const log = (opts: unknown): string =>
  JSON.stringify({ Namespace: 'default', PodUID: UID, PodName: 'rules', ContainerName: 'main', Opts: opts });

const refused: Array<[string, string, string, RegExp]> = [
  [
    'logs: SinceSeconds 1e20',
    '/getLogs',
    log({ SinceSeconds: 1e20 }),
    /Opts\.SinceSeconds: must fit in a 64-bit/,
  ],
  [
    'logs: SinceTime garbage',
    '/getLogs',
    log({ SinceTime: 'garbage' }),
    /Opts\.SinceTime: "garbage" is not an RFC 3339/,
  ],
  ['logs: negative Tail', '/getLogs', log({ Tail: -3 }), /Opts\.Tail: must be >= 0/],
  ['logs: negative Bytes', '/getLogs', log({ Bytes: -1 }), /Opts\.Bytes: must be >= 0/],
  [
    'create: image with $(...)',
    '/create',
    withPod((p) => (p.spec.containers[0].image = 'busybox$(id)')),
    /pod\.spec\.containers\[0\]\.image: "busybox\$\(id\)" is not a valid image reference/,
  ],
  [
    'create: restartPolicy Sometimes',
    '/create',
    withPod((p) => (p.spec.restartPolicy = 'Sometimes')),
    /pod\.spec\.restartPolicy: must be one of Always, OnFailure, Never/,
  ],
  [
    'create: negative grace period',
    '/create',
    withPod((p) => (p.spec.terminationGracePeriodSeconds = -1)),
    /pod\.spec\.terminationGracePeriodSeconds: must be >= 0/,
  ],
  [
    'create: activeDeadlineSeconds 1e30',
    '/create',
    withPod((p) => (p.spec.activeDeadlineSeconds = 1e30)),
    /pod\.spec\.activeDeadlineSeconds: must fit in a 64-bit integer/,
  ],
  [
    'create: runAsUser "0; id"',
    '/create',
    withPod((p) => (p.spec.containers[0].securityContext = { runAsUser: '0; id' })),
    /pod\.spec\.containers\[0\]\.securityContext\.runAsUser: must be integer/,
  ],
  [
    'create: runAsGroup -1',
    '/create',
    withPod((p) => (p.spec.securityContext = { runAsGroup: -1 })),
    /pod\.spec\.securityContext\.runAsGroup: must be >= 0/,
  ],
];

describe('API-server rules and log options at the plugin endpoints', () => {
  let backend: InMemoryBackend;
  let server: PluginServer;

  beforeAll(async () => {
    backend = new InMemoryBackend();
    server = createPluginServer({ backend, listen: 'http://127.0.0.1:0', logger: quietLogger() });
    await server.start();
  });
  afterAll(() => server.stop());

  it.each(refused)('%s → 400 naming the field, backend not called', async (_name, path, body, error) => {
    const before = { ...backend.calls };
    const res = await send(server, 'GET', path, body);
    expect(res.status).toBe(400);
    expect((res.json() as { error: string }).error).toMatch(error);
    expect(backend.calls).toEqual(before);
  });

  it('accepts a create whose jobConfig is {} or null (Go zero values)', async () => {
    for (const jobConfig of [{}, null]) {
      const body = JSON.parse(withPod((p) => (p.metadata.uid = crypto.randomUUID())));
      body.jobConfig = jobConfig;
      const res = await send(server, 'POST', '/create', JSON.stringify(body));
      expect(res.status).toBe(200);
    }
  });

  it('accepts Go zero log options and reads a huge SinceSeconds as "everything"', async () => {
    expect((await send(server, 'POST', '/create', good)).status).toBe(200);
    backend.appendLog(UID, 'main', 'first line', new Date('2001-01-01T00:00:00Z'));
    for (const opts of [null, {}, { SinceTime: GO_ZERO_TIME }, { SinceTime: null }, { SinceSeconds: 1e15 }]) {
      const res = await send(server, 'GET', '/getLogs', log(opts));
      expect(res.status).toBe(200);
      expect(res.body).toContain('first line');
    }
    const recent = await send(server, 'GET', '/getLogs', log({ SinceTime: '2020-01-01T00:00:00+01:00' }));
    expect(recent.status).toBe(200);
    expect(recent.body).not.toContain('first line');
  });
});
