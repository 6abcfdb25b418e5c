import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpClient } from '@interlink/http-kit';
import {
  PluginError,
  createPluginServer,
  InMemoryBackend,
  DELETE_ANSWER,
  type PluginServer,
  type CallContext,
} from '../src';
import { podData, quietLogger, send } from './helpers';

const SESSION = 'InterLink-Http-Session';

describe('plugin server over TCP', () => {
  let backend: InMemoryBackend;
  let server: PluginServer;
  const logLines: string[] = [];

  beforeAll(async () => {
    backend = new InMemoryBackend();
    server = createPluginServer({
      backend,
      listen: 'http://127.0.0.1:0',
      logger: quietLogger(logLines),
      bodyLimitBytes: 256 * 1024,
    });
    await server.start();
  });
  afterAll(() => server.stop());

  it('answers /create with one CreateStruct for a single object, for any method', async () => {
    const data = podData('a');
    for (const method of ['POST', 'PUT', 'GET']) {
      const res = await send(server, method, '/create', JSON.stringify(data));
      expect(res.status).toBe(200);
      expect(res.json()).toEqual({
        PodUID: data.pod.metadata!.uid,
        PodJID: expect.stringMatching(/^mem-\d+$/),
      });
    }
    // idempotent: the three calls gave the same job
    const again = await send(server, 'POST', '/create', JSON.stringify(data));
    const first = await send(server, 'POST', '/create', JSON.stringify(data));
    expect((again.json() as { PodJID: string }).PodJID).toBe((first.json() as { PodJID: string }).PodJID);
  });

  it('accepts the legacy one-element array and still answers ONE object', async () => {
    const data = podData('legacy');
    const res = await send(server, 'POST', '/create', JSON.stringify([data]));
    expect(res.status).toBe(200);
    const body = res.json();
    expect(Array.isArray(body)).toBe(false);
    expect(body).toMatchObject({ PodUID: data.pod.metadata!.uid });
    expect(backend.has(data.pod.metadata!.uid!)).toBe(true);
  });

  it('treats [] and null on /status as ping and answers a PingResponse', async () => {
    backend.setPing({ status: 'ok', resources: { cpu: '8', memory: '16Gi', pods: '110' }, taints: [] });
    for (const body of ['[]', 'null']) {
      const res = await send(server, 'GET', '/status', body);
      expect(res.status).toBe(200);
      expect(res.json()).toEqual({
        status: 'ok',
        resources: { cpu: '8', memory: '16Gi', pods: '110' },
        taints: [],
      });
    }
  });

  it('answers /status only for requested pods the backend knows, deduplicated', async () => {
    const known = podData('known');
    await send(server, 'POST', '/create', JSON.stringify(known));
    const unknown = podData('unknown');
    const res = await send(server, 'GET', '/status', JSON.stringify([known.pod, unknown.pod, known.pod]));
    expect(res.status).toBe(200);
    const list = res.json() as Array<{
      name: string;
      UID: string;
      namespace: string;
      JID: string;
      containers: Array<{ name: string; state: object }>;
    }>;
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({
      name: 'known',
      UID: known.pod.metadata!.uid,
      namespace: 'default',
      JID: expect.stringMatching(/^mem-/),
    });
    expect(list[0]!.containers[0]).toMatchObject({ name: 'main', state: { running: {} } });
  });

  it('deletes with 200 and the upstream text; deleting an unknown pod also succeeds', async () => {
    const data = podData('del');
    await send(server, 'POST', '/create', JSON.stringify(data));
    const res = await send(server, 'POST', '/delete', JSON.stringify(data.pod));
    expect(res.status).toBe(200);
    expect(res.body).toBe(DELETE_ANSWER);
    expect(backend.has(data.pod.metadata!.uid!)).toBe(false);
    const again = await send(server, 'DELETE', '/delete', JSON.stringify(data.pod));
    expect(again.status).toBe(200);
  });

  it('serves logs with tail and timestamps, and 404 for an unknown pod or container', async () => {
    const data = podData('logs');
    const uid = data.pod.metadata!.uid!;
    await send(server, 'POST', '/create', JSON.stringify(data));
    backend.appendLog(uid, 'main', 'one\ntwo\nthree', new Date('2026-03-02T10:00:00Z'));
    const req = (opts: object, container = 'main', podUid = uid) =>
      JSON.stringify({
        Namespace: 'default',
        PodUID: podUid,
        PodName: 'logs',
        ContainerName: container,
        Opts: opts,
      });
    const tail = await send(server, 'GET', '/getLogs', req({ Tail: 2 }));
    expect(tail.status).toBe(200);
    expect(tail.body).toBe('two\nthree\n');
    const ts = await send(server, 'GET', '/getLogs', req({ Tail: 1, Timestamps: true }));
    expect(ts.body).toBe('2026-03-02T10:00:00.000000000Z three\n');
    const bytes = await send(server, 'GET', '/getLogs', req({ Bytes: 5 }));
    expect(bytes.body).toBe('one\nt');
    const noPod = await send(server, 'GET', '/getLogs', req({}, 'main', randomUUID()));
    expect(noPod.status).toBe(404);
    expect((noPod.json() as { error: string }).error).toMatch(/not found/);
    const noContainer = await send(server, 'GET', '/getLogs', req({}, 'other'));
    expect(noContainer.status).toBe(404);
  });

  it('streams followed logs chunk by chunk until the container terminates', async () => {
    const data = podData('follow');
    const uid = data.pod.metadata!.uid!;
    await send(server, 'POST', '/create', JSON.stringify(data));
    backend.appendLog(uid, 'main', 'before');
    const body = JSON.stringify({
      Namespace: 'default',
      PodUID: uid,
      PodName: 'follow',
      ContainerName: 'main',
      Opts: { Follow: true },
    });
    const received: string[] = [];
    const client = new HttpClient({ baseUrl: server.url });
    const res = await client.stream({ method: 'GET', path: '/getLogs', body, headers: { 'Content-Type': 'application/json' } });
    const done = (async (): Promise<number> => {
      for await (const c of res.stream) {
        received.push(String(c));
        if (received.join('') !== 'before\n') continue;
        backend.appendLog(uid, 'main', 'after');
        setTimeout(() => backend.setContainerState(uid, 'main', { terminated: { exitCode: 0, reason: 'Completed' } }), 20);
      }
      client.close();
      return res.status;
    })();
    expect(await done).toBe(200);
    expect(received.join('')).toBe('before\nafter\n');
  });

  it('aborts the backend stream when the log client disconnects', async () => {
    const data = podData('gone');
    const uid = data.pod.metadata!.uid!;
    await send(server, 'POST', '/create', JSON.stringify(data));
    const seen: CallContext[] = [];
    const original = backend.logs.bind(backend);
    backend.logs = (req, ctx) => {
      seen.push(ctx);
      return original(req, ctx);
    };
    try {
      const body = JSON.stringify({
        Namespace: 'default',
        PodUID: uid,
        PodName: 'gone',
        ContainerName: 'main',
        Opts: { Follow: true },
      });
      const client = new HttpClient({ baseUrl: server.url });
      const controller = new AbortController();
      const res = await client.stream({ method: 'GET', path: '/getLogs', body, signal: controller.signal });
      setTimeout(() => backend.appendLog(uid, 'main', 'x'), 50);
      await new Promise((resolve) => res.stream.once('data', resolve));
      // The client goes away mid-stream.
      controller.abort();
      client.close();
      await vi.waitFor(() => expect(seen[0]?.signal.aborted).toBe(true));
    } finally {
      backend.logs = original;
    }
  });

  it('echoes the session id and hands it to the backend', async () => {
    const seen: string[] = [];
    const original = backend.ping.bind(backend);
    backend.ping = (ctx) => {
      seen.push(ctx.sessionId);
      return original(ctx);
    };
    try {
      const res = await send(server, 'GET', '/status', '[]', { [SESSION]: 'GetStatus#42' });
      expect(res.headers[SESSION.toLowerCase()]).toBe('GetStatus#42');
      expect(seen).toEqual(['GetStatus#42']);
      const generated = await send(server, 'GET', '/status', '[]');
      expect(generated.headers[SESSION.toLowerCase()]).toMatch(/^Request-[0-9a-f-]{36}$/);
    } finally {
      backend.ping = original;
    }
    expect(logLines.some((l) => l.includes('GetStatus#42'))).toBe(true);
  });

  it('maps backend failures: PluginError keeps its status, other errors are 500 with the message', async () => {
    backend.failNext('ping', new PluginError(503, 'docker engine unreachable'));
    const unavailable = await send(server, 'GET', '/status', '[]');
    expect(unavailable.status).toBe(503);
    expect(unavailable.json()).toMatchObject({
      error: 'docker engine unreachable',
      sessionId: expect.any(String),
    });
    backend.failNext('create', new Error('disk full'));
    const failed = await send(server, 'POST', '/create', JSON.stringify(podData('x')));
    expect(failed.status).toBe(500);
    expect((failed.json() as { error: string }).error).toContain('disk full');
    const ok = await send(server, 'GET', '/status', '[]');
    expect(ok.status).toBe(200);
  });

  it('serves /openapi.json, /healthz and /metrics', async () => {
    const doc = await send(server, 'GET', '/openapi.json');
    expect(doc.status).toBe(200);
    const json = doc.json() as { openapi: string; paths: Record<string, unknown> };
    expect(json.openapi).toMatch(/^3\./);
    expect(Object.keys(json.paths)).toEqual(
      expect.arrayContaining(['/create', '/status', '/delete', '/getLogs']),
    );
    expect((await send(server, 'GET', '/healthz')).status).toBe(200);
    const metrics = await send(server, 'GET', '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.body).toMatch(
      /interlink_plugin_operations_total\{operation="create",outcome="ok"[^}]*\} \d+/,
    );
    expect(metrics.body).toContain('interlink_plugin_status_batch_pods');
  });
});

describe('plugin server options', () => {
  it('listens on a unix socket', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'plugin-sock-'));
    const backend = new InMemoryBackend();
    const server = createPluginServer({
      backend,
      listen: `unix://${join(dir, 'plugin.sock')}`,
      logger: quietLogger(),
    });
    await server.start();
    try {
      const res = await send({ url: `unix://${join(dir, 'plugin.sock')}` }, 'GET', '/status', '[]');
      expect(res.status).toBe(200);
      expect(res.json()).toMatchObject({ status: 'ok' });
    } finally {
      await server.stop();
    }
  });

  it('requires the bearer token on contract routes, /metrics and /openapi.json when configured, but not on /healthz', async () => {
    const backend = new InMemoryBackend();
    const server = createPluginServer({
      backend,
      listen: 'http://127.0.0.1:0',
      logger: quietLogger(),
      token: 's3cret\n',
    });
    await server.start();
    try {
      const none = await send(server, 'GET', '/status', '[]');
      expect(none.status).toBe(401);
      expect((none.json() as { error: string }).error).toMatch(/Authorization/);
      const wrong = await send(server, 'GET', '/status', '[]', { Authorization: 'Bearer nope' });
      expect(wrong.status).toBe(401);
      const right = await send(server, 'GET', '/status', '[]', { Authorization: 'Bearer s3cret' });
      expect(right.status).toBe(200);
      expect((await send(server, 'GET', '/healthz')).status).toBe(200);
      for (const path of ['/metrics', '/openapi.json']) {
        expect((await send(server, 'GET', path)).status).toBe(401);
        expect((await send(server, 'GET', path, undefined, { Authorization: 'Bearer s3cret' })).status).toBe(200);
      }
      expect(backend.calls.ping).toBe(1);
    } finally {
      await server.stop();
    }
  });

  it('serves /metrics without the token on metricsListen only', async () => {
    const server = createPluginServer({
      backend: new InMemoryBackend(),
      listen: 'http://127.0.0.1:0',
      metricsListen: 'http://127.0.0.1:0',
      logger: quietLogger(),
      token: 's3cret',
    });
    await server.start();
    try {
      expect((await send(server, 'GET', '/metrics')).status).toBe(401);
      const scrape = await send({ url: server.service.metricsUrl! }, 'GET', '/metrics');
      expect(scrape.status).toBe(200);
      expect(scrape.body).toContain('interlink_plugin_');
      expect((await send({ url: server.service.metricsUrl! }, 'GET', '/status', '[]')).status).toBe(404);
    } finally {
      await server.stop();
    }
  });
});
