import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPluginServer, InMemoryBackend, type PluginServer } from '../src';
import { podData, quietLogger, send } from './helpers';

const UID = '3b1f6a52-0d84-4c57-9e3a-7a2c1d9e4b10';
const good = podData('good', UID);
const goodJson = JSON.stringify(good);
const withPod = (patch: (p: Record<string, any>) => void): string => {
  const copy = JSON.parse(goodJson);
  patch(copy.pod);
  return JSON.stringify(copy);
};
const log = (fields: Record<string, unknown>, opts: Record<string, unknown> = {}): string =>
  JSON.stringify({
    Namespace: 'default',
    PodUID: UID,
    PodName: 'good',
    ContainerName: 'main',
    Opts: opts,
    ...fields,
  });

interface Case {
  name: string;
  path: string;
  body: string | undefined;
  status?: number;
  /** Text the error message must contain (the field or problem it names). */
  error: RegExp;
  method?: string;
}

const cases: Case[] = [
  // /create
  { name: 'create: empty body', path: '/create', body: undefined, error: /empty body/ },
  { name: 'create: not JSON', path: '/create', body: 'hello', error: /malformed JSON|not valid JSON/ },
  { name: 'create: truncated JSON', path: '/create', body: '{"pod":', error: /JSON/ },
  { name: 'create: empty array', path: '/create', body: '[]', error: /empty array/ },
  { name: 'create: a string', path: '/create', body: '"pod"', error: /\(body\)|object/ },
  { name: 'create: a number', path: '/create', body: '42', error: /\(body\)|object/ },
  { name: 'create: empty object', path: '/create', body: '{}', error: /pod: required/ },
  {
    name: 'create: pod without metadata',
    path: '/create',
    body: withPod((p) => delete p.metadata),
    error: /pod\.metadata: required/,
  },
  {
    name: 'create: pod without uid',
    path: '/create',
    body: withPod((p) => delete p.metadata.uid),
    error: /pod\.metadata\.uid: required/,
  },
  {
    name: 'create: pod without name',
    path: '/create',
    body: withPod((p) => delete p.metadata.name),
    error: /pod\.metadata\.name: required/,
  },
  {
    name: 'create: uid is a number',
    path: '/create',
    body: withPod((p) => (p.metadata.uid = 7)),
    error: /pod\.metadata\.uid/,
  },
  {
    name: 'create: pod without spec',
    path: '/create',
    body: withPod((p) => delete p.spec),
    error: /pod\.spec: required/,
  },
  {
    name: 'create: no containers',
    path: '/create',
    body: withPod((p) => (p.spec.containers = [])),
    error: /pod\.spec\.containers/,
  },
  {
    name: 'create: container without image',
    path: '/create',
    body: withPod((p) => delete p.spec.containers[0].image),
    error: /containers\[0\]\.image/,
  },
  {
    name: 'create: container without name',
    path: '/create',
    body: withPod((p) => delete p.spec.containers[0].name),
    error: /containers\[0\]\.name/,
  },
  {
    name: 'create: command is a string',
    path: '/create',
    body: withPod((p) => (p.spec.containers[0].command = 'echo hi')),
    error: /containers\[0\]\.command/,
  },
  {
    name: 'create: args hold a number',
    path: '/create',
    body: withPod((p) => (p.spec.containers[0].args = ['a', 1])),
    error: /containers\[0\]\.args\[1\]/,
  },
  {
    name: 'create: env entry without name',
    path: '/create',
    body: withPod((p) => (p.spec.containers[0].env = [{ value: 'x' }])),
    error: /env\[0\]\.name/,
  },
  {
    name: 'create: volumeMount without mountPath',
    path: '/create',
    body: withPod((p) => (p.spec.containers[0].volumeMounts = [{ name: 'v' }])),
    error: /volumeMounts\[0\]\.mountPath/,
  },
  {
    name: 'create: `container` is a number',
    path: '/create',
    body: JSON.stringify({ ...good, container: 5 }),
    error: /container/,
  },
  {
    name: 'create: secret data value is not a string',
    path: '/create',
    body: JSON.stringify({
      ...good,
      container: [{ name: 'main', secrets: [{ metadata: { name: 's' }, data: { k: 1 } }] }],
    }),
    error: /secrets\[0\]\.data/,
  },
  {
    name: 'create: legacy array with an invalid element',
    path: '/create',
    body: '[{}]',
    error: /\[0\]\.pod: required/,
  },
  {
    name: 'create: body over the limit',
    path: '/create',
    body: JSON.stringify({ ...good, pad: 'x'.repeat(300 * 1024) }),
    status: 413,
    error: /limit/,
  },
  // /status
  { name: 'status: empty body', path: '/status', body: undefined, error: /empty body/ },
  { name: 'status: an object instead of an array', path: '/status', body: '{}', error: /array/ },
  { name: 'status: a string', path: '/status', body: '"x"', error: /array/ },
  { name: 'status: numbers in the array', path: '/status', body: '[1,2]', error: /\[0\]/ },
  { name: 'status: pod without metadata', path: '/status', body: '[{}]', error: /\[0\]\.metadata: required/ },
  {
    name: 'status: pod without uid',
    path: '/status',
    body: '[{"metadata":{"name":"x"}}]',
    error: /\[0\]\.metadata\.uid: required/,
  },
  { name: 'status: not JSON', path: '/status', body: '[{', error: /JSON/ },
  // /delete
  { name: 'delete: empty body', path: '/delete', body: undefined, error: /empty body/ },
  { name: 'delete: an array', path: '/delete', body: '[]', error: /array/ },
  {
    name: 'delete: pod without name',
    path: '/delete',
    body: `{"metadata":{"uid":"${UID}"}}`,
    error: /metadata\.name: required/,
  },
  { name: 'delete: not JSON', path: '/delete', body: 'DELETE ME', error: /JSON/ },
  // /getLogs
  { name: 'logs: empty body', path: '/getLogs', body: undefined, error: /empty body/ },
  { name: 'logs: an array', path: '/getLogs', body: '[]', error: /LogStruct/ },
  {
    name: 'logs: missing Namespace',
    path: '/getLogs',
    body: JSON.stringify({ PodUID: UID, Opts: {} }),
    error: /Namespace: required/,
  },
  {
    // A missing Opts is Go's zero ContainerLogOpts (accepted); Opts of the wrong type is not.
    name: 'logs: Opts a string',
    path: '/getLogs',
    body: JSON.stringify({ Namespace: 'default', PodUID: UID, Opts: 'tail' }),
    error: /Opts: must be object/,
  },
  {
    name: 'logs: namespace not a DNS label',
    path: '/getLogs',
    body: log({ Namespace: 'Bad_NS' }),
    error: /namespace/,
  },
  {
    name: 'logs: namespace with path traversal',
    path: '/getLogs',
    body: log({ Namespace: '../etc' }),
    error: /namespace/,
  },
  { name: 'logs: pod UID not a UUID', path: '/getLogs', body: log({ PodUID: 'not-a-uid' }), error: /UID/ },
  {
    name: 'logs: container name invalid',
    path: '/getLogs',
    body: log({ ContainerName: 'Main Container' }),
    error: /container name/,
  },
  { name: 'logs: negative Tail', path: '/getLogs', body: log({}, { Tail: -1 }), error: /Opts\.Tail/ },
  { name: 'logs: Tail as a string', path: '/getLogs', body: log({}, { Tail: '10' }), error: /Opts\.Tail/ },
  {
    name: 'logs: Follow as a string',
    path: '/getLogs',
    body: log({}, { Follow: 'yes' }),
    error: /Opts\.Follow/,
  },
  {
    name: 'logs: SinceSeconds and SinceTime together',
    path: '/getLogs',
    body: log({}, { SinceSeconds: 5, SinceTime: '2026-03-02T11:05:00Z' }),
    error: /SinceSeconds and SinceTime/,
  },
];

describe('malformed requests are answered 4xx with a JSON error naming the problem', () => {
  let backend: InMemoryBackend;
  let server: PluginServer;

  beforeAll(async () => {
    backend = new InMemoryBackend();
    server = createPluginServer({
      backend,
      listen: 'http://127.0.0.1:0',
      logger: quietLogger(),
      bodyLimitBytes: 256 * 1024,
    });
    await server.start();
  });
  afterAll(() => server.stop());

  it('has more than 30 cases', () => {
    expect(cases.length).toBeGreaterThan(30);
  });

  it.each(cases)('$name', async ({ path, body, status, error, method }) => {
    const res = await send(server, method ?? 'GET', path, body);
    expect(res.status).toBe(status ?? 400);
    const json = res.json() as { error: string; sessionId: string };
    expect(json.error).toMatch(error);
    expect(json.sessionId).toEqual(expect.any(String));
  });

  it('never reached the backend and still serves good requests afterwards', async () => {
    expect(backend.calls).toMatchObject({ create: 0, delete: 0, status: 0, logs: 0 });
    const res = await send(server, 'POST', '/create', goodJson);
    expect(res.status).toBe(200);
    expect(backend.calls.create).toBe(1);
  });
});
