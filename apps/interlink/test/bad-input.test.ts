import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from 'node:net';
import { RecordingPlugin } from './RecordingPlugin';
import { relayConfig, startRelay, type RunningRelay } from './harness';
import { createRequest, logStruct, pod, UID_A } from './fixtures';

interface BadCase {
  name: string;
  method: string;
  path: string;
  body?: string;
  status: number;
  /** The error message must contain this text (it names the problem). */
  says: string | RegExp;
}

const json = (v: unknown): string => JSON.stringify(v);
const podWithout = (mutate: (p: ReturnType<typeof pod>) => void): string => {
  const p = pod(UID_A);
  mutate(p);
  return json(p);
};
const createWith = (mutate: (c: ReturnType<typeof createRequest>) => void): string => {
  const c = createRequest();
  mutate(c);
  return json(c);
};

const CASES: BadCase[] = [
  // unknown paths
  { name: 'unknown path', method: 'GET', path: '/ping', status: 404, says: 'no such endpoint: /ping' },
  {
    name: 'unknown nested path',
    method: 'POST',
    path: '/create/extra',
    status: 404,
    says: 'no such endpoint',
  },
  { name: 'metrics with POST', method: 'POST', path: '/metrics', status: 405, says: 'not allowed' },
  // request-level hardening (issue 15)
  { name: 'malformed percent-encoding in the path', method: 'GET', path: '/status%ZZ', body: '[]', status: 400, says: 'malformed percent-encoding' },
  {
    name: 'status: 20,000-deep array inside an unknown field',
    method: 'GET',
    path: '/status',
    body: `[{"metadata":{"uid":"u"},"extra":${'['.repeat(20_000)}${']'.repeat(20_000)}}]`,
    status: 400,
    says: 'nested deeper than 1000 levels',
  },
  // /create
  {
    name: 'create: empty body',
    method: 'POST',
    path: '/create',
    status: 400,
    says: 'empty body: expected a PodCreateRequests object',
  },
  {
    name: 'create: malformed JSON',
    method: 'POST',
    path: '/create',
    body: '{"pod":',
    status: 400,
    says: 'not valid JSON',
  },
  {
    name: 'create: array instead of object',
    method: 'POST',
    path: '/create',
    body: json([createRequest()]),
    status: 400,
    says: 'invalid PodCreateRequests',
  },
  {
    name: 'create: string body',
    method: 'POST',
    path: '/create',
    body: '"hello"',
    status: 400,
    says: 'invalid PodCreateRequests',
  },
  {
    name: 'create: missing pod',
    method: 'POST',
    path: '/create',
    body: json({ configmaps: [] }),
    status: 400,
    says: 'pod',
  },
  {
    name: 'create: pod without uid',
    method: 'POST',
    path: '/create',
    body: createWith((c) => delete (c.pod.metadata as Record<string, unknown>)['uid']),
    status: 400,
    says: 'uid',
  },
  {
    name: 'create: pod without containers',
    method: 'POST',
    path: '/create',
    body: createWith((c) => ((c.pod.spec as Record<string, unknown>)['containers'] = [])),
    status: 400,
    says: 'containers',
  },
  {
    name: 'create: container without image',
    method: 'POST',
    path: '/create',
    body: createWith((c) => delete (c.pod.spec.containers[0] as Record<string, unknown>)['image']),
    status: 400,
    says: 'image',
  },
  {
    name: 'create: configmaps not an array',
    method: 'POST',
    path: '/create',
    body: createWith((c) => ((c as Record<string, unknown>)['configmaps'] = 'x')),
    status: 400,
    says: 'configmaps',
  },
  {
    name: 'create: secret data not strings',
    method: 'POST',
    path: '/create',
    body: createWith((c) => ((c.secrets[0] as Record<string, unknown>)['data'] = { k: 5 })),
    status: 400,
    says: 'secrets',
  },
  {
    name: 'create: jobscriptURL wrong type',
    method: 'POST',
    path: '/create',
    body: createWith((c) => ((c as Record<string, unknown>)['jobscriptURL'] = 42)),
    status: 400,
    says: 'jobscriptURL',
  },
  // /status
  {
    name: 'status: empty body',
    method: 'GET',
    path: '/status',
    status: 400,
    says: 'empty body: expected a JSON array of pods',
  },
  {
    name: 'status: malformed JSON',
    method: 'GET',
    path: '/status',
    body: '[{',
    status: 400,
    says: 'not valid JSON',
  },
  {
    name: 'status: object instead of array',
    method: 'GET',
    path: '/status',
    body: json(pod(UID_A)),
    status: 400,
    says: 'must be a JSON array of pods',
  },
  {
    name: 'status: number body',
    method: 'GET',
    path: '/status',
    body: '42',
    status: 400,
    says: 'must be a JSON array of pods',
  },
  {
    name: 'status: array of strings',
    method: 'GET',
    path: '/status',
    body: '["a"]',
    status: 400,
    says: 'invalid pod list',
  },
  {
    name: 'status: pod without metadata',
    method: 'GET',
    path: '/status',
    body: json([{ spec: {} }]),
    status: 400,
    says: 'metadata',
  },
  {
    name: 'status: pod with empty uid',
    method: 'GET',
    path: '/status',
    body: `[${podWithout((p) => (p.metadata!.uid = ''))}]`,
    status: 400,
    says: 'uid',
  },
  {
    name: 'status: uid wrong type',
    method: 'GET',
    path: '/status',
    body: json([{ metadata: { name: 'x', uid: 7 } }]),
    status: 400,
    says: 'uid',
  },
  // /delete
  {
    name: 'delete: empty body',
    method: 'DELETE',
    path: '/delete',
    status: 400,
    says: 'empty body: expected a v1.Pod object',
  },
  {
    name: 'delete: malformed JSON',
    method: 'DELETE',
    path: '/delete',
    body: '{{',
    status: 400,
    says: 'not valid JSON',
  },
  {
    name: 'delete: array body',
    method: 'DELETE',
    path: '/delete',
    body: json([pod(UID_A)]),
    status: 400,
    says: 'invalid Pod',
  },
  {
    name: 'delete: missing name',
    method: 'DELETE',
    path: '/delete',
    body: podWithout((p) => delete p.metadata!.name),
    status: 400,
    says: 'name',
  },
  {
    name: 'delete: null body',
    method: 'DELETE',
    path: '/delete',
    body: 'null',
    status: 400,
    says: 'invalid Pod',
  },
  // /updateCache
  { name: 'updateCache: empty body', method: 'POST', path: '/updateCache', status: 400, says: 'empty body' },
  {
    name: 'updateCache: garbage',
    method: 'POST',
    path: '/updateCache',
    body: 'not json',
    status: 400,
    says: 'not valid JSON',
  },
  // /getLogs
  {
    name: 'logs: empty body',
    method: 'GET',
    path: '/getLogs',
    status: 400,
    says: 'empty body: expected a LogStruct object',
  },
  {
    name: 'logs: malformed JSON',
    method: 'GET',
    path: '/getLogs',
    body: '{"Namespace"',
    status: 400,
    says: 'not valid JSON',
  },
  {
    name: 'logs: bad namespace',
    method: 'GET',
    path: '/getLogs',
    body: json(logStruct({}, { Namespace: 'Bad_NS' })),
    status: 400,
    says: 'invalid namespace: must be a valid DNS label',
  },
  {
    name: 'logs: namespace too long',
    method: 'GET',
    path: '/getLogs',
    body: json(logStruct({}, { Namespace: 'a'.repeat(64) })),
    status: 400,
    says: 'invalid namespace',
  },
  {
    name: 'logs: upper-case UID',
    method: 'GET',
    path: '/getLogs',
    body: json(logStruct({}, { PodUID: UID_A.toUpperCase() })),
    status: 400,
    says: 'invalid pod UID: must be a valid UUID',
  },
  {
    name: 'logs: UID not a UUID',
    method: 'GET',
    path: '/getLogs',
    body: json(logStruct({}, { PodUID: '../../etc/passwd' })),
    status: 400,
    says: 'invalid pod UID',
  },
  {
    name: 'logs: bad container name',
    method: 'GET',
    path: '/getLogs',
    body: json(logStruct({}, { ContainerName: 'x;rm -rf /' })),
    status: 400,
    says: 'invalid container name: must be a valid DNS label',
  },
  {
    name: 'logs: negative Tail',
    method: 'GET',
    path: '/getLogs',
    body: json(logStruct({ Tail: -1 })),
    status: 400,
    says: 'Tail',
  },
  {
    name: 'logs: Follow not boolean',
    method: 'GET',
    path: '/getLogs',
    body: json(logStruct({ Follow: 'yes' })),
    status: 400,
    says: 'Follow',
  },
  {
    name: 'logs: SinceSeconds and SinceTime',
    method: 'GET',
    path: '/getLogs',
    body: json(logStruct({ SinceSeconds: 5, SinceTime: '2026-03-02T11:05:00Z' })),
    status: 400,
    says: 'Both SinceSeconds and SinceTime set',
  },
  {
    name: 'logs: missing PodUID',
    method: 'GET',
    path: '/getLogs',
    body: json({ Namespace: 'default', Opts: {} }),
    status: 400,
    says: 'PodUID',
  },
  // wrong types further down
  {
    name: 'create: pod name a number',
    method: 'POST',
    path: '/create',
    body: createWith((c) => ((c.pod.metadata as Record<string, unknown>)['name'] = 5)),
    status: 400,
    says: 'name',
  },
  {
    name: 'status: null element',
    method: 'GET',
    path: '/status',
    body: '[null]',
    status: 400,
    says: 'invalid pod list',
  },
  {
    name: 'delete: uid a number',
    method: 'DELETE',
    path: '/delete',
    body: podWithout((p) => ((p.metadata as Record<string, unknown>)['uid'] = 12)),
    status: 400,
    says: 'uid',
  },
  {
    name: 'updateCache: array body',
    method: 'POST',
    path: '/updateCache',
    body: json([pod(UID_A)]),
    status: 400,
    says: 'invalid Pod',
  },
  {
    name: 'logs: Tail a string',
    method: 'GET',
    path: '/getLogs',
    body: json(logStruct({ Tail: '10' })),
    status: 400,
    says: 'Tail',
  },
  {
    name: 'logs: Opts not an object',
    method: 'GET',
    path: '/getLogs',
    body: json(logStruct({}, { Opts: 'follow' })),
    status: 400,
    says: 'Opts',
  },
  {
    name: 'logs: empty namespace',
    method: 'GET',
    path: '/getLogs',
    body: json(logStruct({}, { Namespace: '' })),
    status: 400,
    says: 'invalid namespace',
  },
  // size
  {
    name: 'body over the limit',
    method: 'POST',
    path: '/create',
    body: json({ pod: 'x'.repeat(70 * 1024) }),
    status: 413,
    says: 'exceeds the limit of 65536 bytes',
  },
];

describe('bad input: every case is a 4xx JSON error naming the problem, and the relay stays healthy', () => {
  const plugin = new RecordingPlugin();
  let r: RunningRelay;
  beforeAll(async () => {
    await plugin.start();
    plugin
      .answer('/status', 200, [])
      .answer('/create', 200, { PodUID: UID_A, PodJID: '1' })
      .answer('/delete', 200, 'ok', 'text/plain');
    r = await startRelay(relayConfig({ SidecarURL: plugin.url, BodyLimitBytes: 65536 }));
  });
  afterAll(async () => {
    await r.stop();
    await plugin.stop();
  });

  it(`has at least 30 cases (${CASES.length})`, () => {
    expect(CASES.length).toBeGreaterThanOrEqual(30);
  });

  it.each(CASES)('$name → $status', async (c) => {
    const res = await r.client.request({
      method: c.method,
      path: c.path,
      ...(c.body !== undefined
        ? {
            body: c.body,
            headers: {
              'Content-Type': 'application/json',
              'InterLink-Http-Session': `Bad#${c.name}`.replace(/[^\x21-\x7e]/g, '_'),
            },
          }
        : {}),
    });
    expect(res.status).toBe(c.status);
    expect(res.headers['content-type']).toBe('application/json');
    const body = res.json() as { error: string; sessionId: string };
    if (typeof c.says === 'string') expect(body.error).toContain(c.says);
    else expect(body.error).toMatch(c.says);
    expect(body.sessionId).toBe(res.headers['interlink-http-session']);
    expect(plugin.requests).toHaveLength(0); // nothing bad reaches the plugin
  });

  it('a chunked body (no Content-Length) over the limit → 413 JSON; the plugin is not called and the relay keeps serving', async () => {
    const answer = await new Promise<string>((resolve) => {
      const s = connect(r.relay.service.port, '127.0.0.1');
      let data = '';
      s.on('data', (d) => (data += d.toString()));
      s.on('close', () => resolve(data));
      s.on('error', () => resolve(data));
      s.setTimeout(5000, () => s.destroy());
      s.write(
        'POST /create HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n',
      );
      const chunk = 'x'.repeat(16 * 1024);
      for (let i = 0; i < 8; i++) s.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
      s.write('0\r\n\r\n');
    });
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(answer.toLowerCase()).toContain('content-type: application/json');
    expect(answer).toContain('"error":"request body exceeds the limit of 65536 bytes"');
    expect(plugin.requests).toHaveLength(0);
    expect((await r.client.request({ method: 'GET', path: '/status', json: [pod(UID_A)] })).status).toBe(200);
  });

  it('raw protocol garbage is refused and the relay keeps serving', async () => {
    for (const garbage of [
      'NOT HTTP AT ALL\r\n\r\n',
      'GET /status HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n',
      '\x00\x01\x02\x03',
    ]) {
      const answer = await new Promise<string>((resolve) => {
        const s = connect(r.relay.service.port, '127.0.0.1');
        let data = '';
        s.on('data', (d) => (data += d.toString()));
        s.on('close', () => resolve(data));
        s.on('error', () => resolve(data));
        s.setTimeout(2000, () => s.destroy());
        s.write(garbage);
      });
      expect(answer === '' || answer.startsWith('HTTP/1.1 400')).toBe(true);
    }
    const healthy = await r.client.request({ method: 'GET', path: '/status', json: [pod(UID_A)] });
    expect(healthy.status).toBe(200);
    expect((await r.client.request({ method: 'GET', path: '/healthz' })).status).toBe(200);
  });
});
