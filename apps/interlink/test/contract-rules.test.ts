import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RecordingPlugin } from './RecordingPlugin';
import { createRequest, logStruct, UID_B } from './fixtures';
import { relayConfig, startRelay, type RunningRelay } from './harness';

type Edit = (pod: any) => void;
const createWith = (edit: Edit): string => {
  const req = createRequest();
  edit(req.pod);
  return JSON.stringify(req);
};

const refused: Array<[string, string, string, RegExp]> = [
  [
    'image with $(...)',
    '/create',
    createWith((p) => (p.spec.containers[0].image = 'busybox$(id)')),
    /pod\.spec\.containers\[0\]\.image: "busybox\$\(id\)" is not a valid image reference/,
  ],
  [
    'restartPolicy Sometimes',
    '/create',
    createWith((p) => (p.spec.restartPolicy = 'Sometimes')),
    /pod\.spec\.restartPolicy: must be one of Always, OnFailure, Never/,
  ],
  [
    'negative grace period',
    '/create',
    createWith((p) => (p.spec.terminationGracePeriodSeconds = -1)),
    /pod\.spec\.terminationGracePeriodSeconds: must be >= 0/,
  ],
  [
    'activeDeadlineSeconds 1e30',
    '/create',
    createWith((p) => (p.spec.activeDeadlineSeconds = 1e30)),
    /pod\.spec\.activeDeadlineSeconds: must fit in a 64-bit integer/,
  ],
  [
    'runAsUser "0; id"',
    '/create',
    createWith((p) => (p.spec.initContainers[0].securityContext = { runAsUser: '0; id' })),
    /pod\.spec\.initContainers\[0\]\.securityContext\.runAsUser: must be integer/,
  ],
  [
    'runAsGroup -1',
    '/create',
    createWith((p) => (p.spec.securityContext = { runAsGroup: -1 })),
    /pod\.spec\.securityContext\.runAsGroup: must be >= 0/,
  ],
  [
    'SinceSeconds 1e20',
    '/getLogs',
    JSON.stringify(logStruct({ SinceSeconds: 1e20 })),
    /Opts\.SinceSeconds: must fit/,
  ],
  [
    'SinceTime garbage',
    '/getLogs',
    JSON.stringify(logStruct({ SinceTime: 'garbage' })),
    /Opts\.SinceTime: "garbage"/,
  ],
  ['negative Tail', '/getLogs', JSON.stringify(logStruct({ Tail: -1 })), /Opts\.Tail: must be >= 0/],
  ['negative Bytes', '/getLogs', JSON.stringify(logStruct({ Bytes: -1 })), /Opts\.Bytes: must be >= 0/],
];

describe('relay: API-server rules, log options and the create answer passed through', () => {
  const plugin = new RecordingPlugin();
  let r: RunningRelay;
  beforeAll(async () => {
    await plugin.start();
    r = await startRelay(relayConfig({ SidecarURL: plugin.url }));
  });
  afterAll(async () => {
    await r.stop();
    await plugin.stop();
  });
  beforeEach(() => {
    plugin.requests.length = 0;
  });

  const call = (path: string, body: string) =>
    r.client.request({
      method: path === '/create' ? 'POST' : 'GET',
      path,
      body,
      headers: { 'Content-Type': 'application/json' },
    });

  it.each(refused)('%s → 400 naming the field; the plugin is not called', async (_name, path, body, says) => {
    const res = await call(path, body);
    expect(res.status).toBe(400);
    expect((res.json() as { error: string }).error).toMatch(says);
    expect(plugin.requests).toHaveLength(0);
  });

  it('forwards Go zero log options (SinceTime zero or null, Opts missing) to the plugin', async () => {
    plugin.answer('/getLogs', 200, 'line\n', 'text/plain');
    const bodies = [
      logStruct({ SinceTime: '0001-01-01T00:00:00Z' }),
      logStruct({ SinceTime: null }),
      { ...logStruct(), Opts: undefined },
    ];
    for (const body of bodies) {
      const res = await call('/getLogs', JSON.stringify(body));
      expect(res.status).toBe(200);
      expect(res.text()).toBe('line\n');
    }
    expect(plugin.calls('/getLogs')).toHaveLength(3);
  });

  it("passes a plugin's 409 (pod deleted before its create arrived) through unchanged", async () => {
    const answer = JSON.stringify({
      error: `pod physics/g4sim-0 (${UID_B}) was deleted before this create arrived; nothing was started`,
      sessionId: 'abc',
    });
    plugin.answer('/create', 409, answer);
    const res = await call('/create', JSON.stringify(createRequest()));
    expect(res.status).toBe(409);
    expect(res.text()).toBe(answer);
    expect(res.headers['content-type']).toBe('application/json');
  });

  it('wraps a plain-text 409 in a JSON error', async () => {
    plugin.answer('/create', 409, 'already deleted', 'text/plain');
    const res = await call('/create', JSON.stringify(createRequest()));
    expect(res.status).toBe(409);
    expect(res.json()).toEqual({ error: 'already deleted' });
  });

  it('passes the optional Warnings of a create answer through, and adds none when there are none', async () => {
    plugin.answer('/create', 200, { PodUID: UID_B, PodJID: '7', Warnings: ['flag --exclusive dropped'] });
    const warned = await call('/create', JSON.stringify(createRequest()));
    expect(warned.json()).toEqual({ PodUID: UID_B, PodJID: '7', Warnings: ['flag --exclusive dropped'] });
    plugin.answer('/create', 200, { PodUID: UID_B, PodJID: '8' });
    const plain = await call('/create', JSON.stringify(createRequest()));
    expect(plain.json()).toEqual({ PodUID: UID_B, PodJID: '8' });
  });

  it('accepts a create the Go relay accepts: missing lists, empty restartPolicy, null security context', async () => {
    plugin.answer('/create', 200, { PodUID: UID_B, PodJID: '9' });
    const req = createRequest() as any;
    delete req.configmaps;
    req.secrets = null;
    req.pod.spec.restartPolicy = '';
    req.pod.spec.securityContext = null;
    const res = await call('/create', JSON.stringify(req));
    expect(res.status).toBe(200);
    expect(plugin.calls('/create')).toHaveLength(1);
  });
});
