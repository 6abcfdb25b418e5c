import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHttpService, createTestPki, HttpClient } from '@interlink/http-kit';
import { readFileSync, writeFileSync } from 'node:fs';
import { toRelaySettings } from '../src/config/RelaySettings';
import { createRelay } from '../src/Relay';
import { captureLogs } from './harness';
import { RecordingPlugin } from './RecordingPlugin';
import { relayConfig, sample, scrape, startRelay } from './harness';
import { createRequest, logStruct, pod, podStatus, UID_A, UID_B } from './fixtures';

const dir = mkdtempSync(join(tmpdir(), 'relay-transport-'));

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

function createRelayFor(pluginUrl: string, socketPath: string) {
  const config = relayConfig({
    SidecarURL: pluginUrl,
    InterlinkAddress: `unix://${socketPath}`,
    InterlinkPort: '0',
  });
  return createRelay(toRelaySettings(config), captureLogs().logger, 'test');
}

describe('transport', () => {
  it('unix sockets on both hops (relay socket and plugin socket), socket file removed on stop', async () => {
    const pluginSock = join(dir, 'plugin.sock');
    const relaySock = join(dir, 'interlink.sock');
    const plugin = await new RecordingPlugin().start(pluginSock);
    plugin.answer('/status', 200, [podStatus(UID_A)]).answer('/create', 200, { PodUID: UID_B, PodJID: '7' });
    const r = await startRelay(
      relayConfig({
        SidecarURL: `unix://${pluginSock}`,
        SidecarPort: '0',
        InterlinkAddress: `unix://${relaySock}`,
        InterlinkPort: '0',
        SocketMode: '0600',
      }),
    );
    try {
      expect(r.relay.service.url).toBe(`unix://${relaySock}`);
      expect(statSync(relaySock).mode & 0o777).toBe(0o600);
      const status = await r.client.request({ method: 'GET', path: '/status', json: [pod(UID_A)] });
      expect((status.json() as { UID: string }[])[0]!.UID).toBe(UID_A);
      expect(
        (await r.client.request({ method: 'POST', path: '/create', json: createRequest() })).json(),
      ).toEqual({ PodUID: UID_B, PodJID: '7' });
      expect(plugin.calls('/status')[0]!.headers.host).toBe('unix');
    } finally {
      await r.stop();
      await plugin.stop();
    }
    expect(existsSync(relaySock)).toBe(false);
  });

  it('plugin down → 503 naming the plugin, and the relay keeps serving', async () => {
    const port = await freePort();
    const r = await startRelay(relayConfig({ SidecarURL: 'http://127.0.0.1', SidecarPort: String(port) }));
    try {
      for (const [method, path, json] of [
        ['POST', '/pinglink', undefined],
        ['GET', '/status', [pod(UID_A)]],
        ['POST', '/create', createRequest()],
        ['DELETE', '/delete', pod(UID_A)],
        ['GET', '/getLogs', logStruct()],
      ] as const) {
        const res = await r.client.request({ method, path, ...(json ? { json } : {}) });
        expect(res.status).toBe(503);
        const body = res.json() as { error: string; origin: string; plugin: string; sessionId: string };
        expect(body.error).toMatch(/^plugin unreachable on \//);
        expect(body.plugin).toBe(`http://127.0.0.1:${port}`);
        expect(body.sessionId).toMatch(/^Request-/);
      }
      expect((await r.client.request({ method: 'GET', path: '/readyz' })).status).toBe(503);
      expect((await r.client.request({ method: 'GET', path: '/healthz' })).status).toBe(200);
      const metrics = (await r.client.request({ method: 'GET', path: '/metrics' })).text();
      expect(metrics).toMatch(
        /interlink_plugin_errors_total\{endpoint="ping",kind="unreachable",service="interlink"\} 1/,
      );
    } finally {
      await r.stop();
    }
  });

  it('a plugin that drops the connection without answering → 502 naming the endpoint; the relay keeps serving', async () => {
    const plugin = await new RecordingPlugin().start();
    plugin.on('/create', (_req, res) => void res.socket?.destroy());
    plugin.on('/delete', (_req, res) => void res.socket?.destroy());
    plugin.answer('/status', 200, [podStatus(UID_A)]);
    const r = await startRelay(relayConfig({ SidecarURL: plugin.url }));
    try {
      // a pooled connection first, so that /create goes out on a reused socket
      expect((await r.client.request({ method: 'GET', path: '/status', json: [pod(UID_A)] })).status).toBe(
        200,
      );
      const created = await r.client.request({ method: 'POST', path: '/create', json: createRequest() });
      expect(created.status).toBe(502);
      expect(created.json()).toMatchObject({
        error: expect.stringMatching(/^plugin connection failed during \/create: /),
        origin: 'relay',
        plugin: plugin.url,
      });
      const deleted = await r.client.request({ method: 'DELETE', path: '/delete', json: pod(UID_A) });
      expect(deleted.status).toBe(502);
      expect((deleted.json() as { error: string }).error).toMatch(/\/delete/);
      // POST calls are not idempotent: never silently sent twice
      expect(plugin.calls('/create')).toHaveLength(1);
      expect(plugin.calls('/delete')).toHaveLength(1);
      expect((await r.client.request({ method: 'GET', path: '/status', json: [pod(UID_A)] })).status).toBe(
        200,
      );
    } finally {
      await r.stop();
      await plugin.stop();
    }
  });

  it('unix:// plugin whose socket does not exist → 503 naming the socket', async () => {
    const missing = join(dir, 'no-plugin.sock');
    const r = await startRelay(relayConfig({ SidecarURL: `unix://${missing}`, SidecarPort: '0' }));
    try {
      const res = await r.client.request({ method: 'GET', path: '/status', json: [pod(UID_A)] });
      expect(res.status).toBe(503);
      const body = res.json() as { error: string; plugin: string };
      expect(body.error).toMatch(/^plugin unreachable on \/status/);
      expect(body.plugin).toBe(`unix://${missing}`);
    } finally {
      await r.stop();
    }
  });

  it('plugin too slow → 504 after the configured per-call timeout', async () => {
    const plugin = await new RecordingPlugin().start();
    plugin.on('/status', () => undefined); // never answers
    const r = await startRelay(
      relayConfig({ SidecarURL: plugin.url, SidecarTimeouts: { PingSeconds: 0.2, StatusSeconds: 0.3 } }),
    );
    try {
      const started = Date.now();
      const ping = await r.client.request({ method: 'POST', path: '/pinglink' });
      expect(ping.status).toBe(504);
      expect(Date.now() - started).toBeLessThan(2000);
      expect((ping.json() as { error: string }).error).toContain('no response headers within 200 ms');
      expect((await r.client.request({ method: 'GET', path: '/status', json: [pod(UID_A)] })).status).toBe(
        504,
      );
    } finally {
      await r.stop();
      await plugin.stop();
    }
  });

  it('create cannot hang: a plugin that never answers /create → 504 after SidecarTimeouts.CreateSeconds', async () => {
    const plugin = await new RecordingPlugin().start();
    plugin.on('/create', () => undefined); // accepts the request, never answers
    const r = await startRelay(
      relayConfig({ SidecarURL: plugin.url, SidecarTimeouts: { CreateSeconds: 0.3 } }),
    );
    try {
      const started = Date.now();
      const res = await r.client.request({ method: 'POST', path: '/create', json: createRequest() });
      const elapsed = Date.now() - started;
      expect(res.status).toBe(504);
      expect(elapsed).toBeGreaterThanOrEqual(250);
      expect(elapsed).toBeLessThan(3000);
      const body = res.json() as { error: string; origin: string };
      expect(body.error).toMatch(/^plugin did not answer \/create in time: .*300 ms/);
      expect(body.origin).toBe('relay');
      expect(plugin.calls('/create')).toHaveLength(1);
      const metrics = await scrape(r.client);
      expect(sample(metrics, 'interlink_plugin_errors_total', { endpoint: 'create', kind: 'timeout' })).toBe(
        1,
      );
      // the relay stays usable after the timeout
      plugin.answer('/create', 200, { PodUID: UID_B, PodJID: 'late' });
      expect(
        (await r.client.request({ method: 'POST', path: '/create', json: createRequest() })).status,
      ).toBe(200);
    } finally {
      await r.stop();
      await plugin.stop();
    }
  });

  it('delete cannot hang either: 504 after SidecarTimeouts.DeleteSeconds', async () => {
    const plugin = await new RecordingPlugin().start();
    plugin.on('/delete', () => undefined);
    const r = await startRelay(
      relayConfig({ SidecarURL: plugin.url, SidecarTimeouts: { DeleteSeconds: 0.3 } }),
    );
    try {
      const started = Date.now();
      const res = await r.client.request({ method: 'DELETE', path: '/delete', json: pod(UID_A) });
      expect(res.status).toBe(504);
      expect(Date.now() - started).toBeLessThan(3000);
      expect((res.json() as { error: string }).error).toMatch(
        /^plugin did not answer \/delete in time: .*300 ms/,
      );
    } finally {
      await r.stop();
      await plugin.stop();
    }
  });

  it('keep-alive pool: sequential plugin calls reuse one connection; a burst opens at most one per request', async () => {
    const plugin = await new RecordingPlugin().start();
    plugin.on('/status', (req, res) => {
      const asked = JSON.parse(req.body) as { metadata: { uid: string } }[];
      setTimeout(() => res.end(JSON.stringify(asked.map((p) => podStatus(p.metadata.uid)))), 20);
    });
    const r = await startRelay(relayConfig({ SidecarURL: plugin.url, StatusCacheFreshSeconds: 0 }));
    try {
      for (let i = 0; i < 20; i++) {
        const res = await r.client.request({ method: 'GET', path: '/status', json: [pod(UID_A)] });
        expect(res.status).toBe(200);
      }
      expect(plugin.calls('/status')).toHaveLength(20);
      expect(plugin.connections).toBe(1);
      // 8 concurrent requests for different pods need 8 plugin calls at once
      const uids = Array.from(
        { length: 8 },
        (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      );
      await Promise.all(
        uids.map((u) => r.client.request({ method: 'GET', path: '/status', json: [pod(u)] })),
      );
      const afterBurst = plugin.connections;
      expect(afterBurst).toBeGreaterThan(1);
      expect(afterBurst).toBeLessThanOrEqual(9);
      for (let i = 0; i < 10; i++) await r.client.request({ method: 'POST', path: '/pinglink' });
      expect(plugin.connections).toBe(afterBurst); // pooled sockets are reused, none are opened
    } finally {
      await r.stop();
      await plugin.stop();
    }
  });

  it('unix socket path: a live listener is never taken over, a non-socket file is never deleted', async () => {
    const plugin = await new RecordingPlugin().start();
    const live = join(dir, 'live.sock');
    const other = createServer((_req, res) => res.end('other service'));
    await new Promise<void>((resolve) => other.listen(live, resolve));
    try {
      const r = createRelayFor(plugin.url, live);
      await expect(r.start()).rejects.toThrow(/another process is listening on it/);
      await r.stop().catch(() => undefined);
      const stillThere = new HttpClient({ baseUrl: `unix://${live}` });
      expect((await stillThere.request({ method: 'GET', path: '/' })).text()).toBe('other service');
      stillThere.close();
    } finally {
      await new Promise<void>((resolve) => other.close(() => resolve()));
    }
    const regular = join(dir, 'not-a-socket');
    writeFileSync(regular, 'precious');
    const r2 = createRelayFor(plugin.url, regular);
    await expect(r2.start()).rejects.toThrow(/exists and is not a socket/);
    await r2.stop().catch(() => undefined);
    expect(readFileSync(regular, 'utf8')).toBe('precious');
    await plugin.stop();
  });

  it('https:// listener without client certificates (TLS.Enabled, no CACertFile)', async () => {
    const pki = createTestPki();
    const plugin = await new RecordingPlugin().start();
    plugin.answer('/status', 200, [podStatus(UID_A)]);
    const r = await startRelay(
      relayConfig({
        SidecarURL: plugin.url,
        InterlinkAddress: 'https://127.0.0.1',
        TLS: { Enabled: true, CertFile: pki.serverCert, KeyFile: pki.serverKey },
      }),
      { tls: { caFile: pki.caCert } },
    );
    try {
      expect(r.relay.service.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const res = await r.client.request({ method: 'GET', path: '/status', json: [pod(UID_A)] });
      expect(res.status).toBe(200);
      expect((res.json() as { UID: string }[])[0]!.UID).toBe(UID_A);
      // plain HTTP on the TLS port is not served
      const plain = new HttpClient({ baseUrl: r.relay.service.url.replace('https:', 'http:') });
      const answer = await plain
        .request({ method: 'GET', path: '/healthz', timeoutMs: 2000 })
        .then((x) => x.status)
        .catch(() => 'refused');
      expect(answer === 'refused' || answer === 400).toBe(true);
      plain.close();
    } finally {
      await r.stop();
      await plugin.stop();
    }
  });

  it('a caller that gives up on a slow create: the create still completes at the plugin once, the relay stays healthy', async () => {
    const plugin = await new RecordingPlugin().start();
    let answered = false;
    plugin.on('/create', async (_req, res) => {
      await new Promise((resolve) => setTimeout(resolve, 300));
      res.end(JSON.stringify({ PodUID: UID_B, PodJID: 'orphan' }));
      answered = true;
    });
    const r = await startRelay(relayConfig({ SidecarURL: plugin.url }));
    try {
      const controller = new AbortController();
      const pending = r.client
        .request({
          method: 'POST',
          path: '/create',
          json: createRequest(),
          signal: controller.signal,
          headers: { 'InterLink-Http-Session': 'GiveUp#1' },
        })
        .catch((err: unknown) => err);
      await new Promise((resolve) => setTimeout(resolve, 100));
      controller.abort();
      await pending;
      for (let i = 0; i < 100 && !answered; i++) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(answered).toBe(true);
      expect(plugin.calls('/create')).toHaveLength(1);
      for (let i = 0; i < 100 && !r.logs.lines.some((l) => l['sessionId'] === 'GiveUp#1'); i++)
        await new Promise((resolve) => setTimeout(resolve, 20));
      expect(r.logs.lines.find((l) => l['sessionId'] === 'GiveUp#1' && l['msg'] === 'request')).toMatchObject(
        {
          aborted: true,
        },
      );
      expect((await r.client.request({ method: 'GET', path: '/healthz' })).status).toBe(200);
    } finally {
      await r.stop();
      await plugin.stop();
    }
  });

  it('graceful shutdown: an in-flight create completes, then the relay is gone', async () => {
    const plugin = await new RecordingPlugin().start();
    plugin.on('/create', async (_req, res) => {
      await new Promise((resolve) => setTimeout(resolve, 300));
      res.end(JSON.stringify({ PodUID: UID_B, PodJID: 'slow' }));
    });
    const r = await startRelay(relayConfig({ SidecarURL: plugin.url }));
    const url = r.relay.service.url;
    const inflight = r.client.request({ method: 'POST', path: '/create', json: createRequest() });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const stopping = r.relay.stop(5000);
    const res = await inflight;
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ PodUID: UID_B, PodJID: 'slow' });
    await stopping;
    const late = new HttpClient({ baseUrl: url });
    await expect(late.request({ method: 'GET', path: '/healthz' })).rejects.toMatchObject({
      kind: 'unreachable',
    });
    late.close();
    r.client.close();
    await plugin.stop();
  });

  it('shutdown does not wait forever for an open follow stream: it is cut after the timeout and the plugin request aborted', async () => {
    const plugin = await new RecordingPlugin().start();
    let pluginSideClosed = false;
    plugin.on('/getLogs', (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.write('tick\n');
      res.on('close', () => (pluginSideClosed = true));
    });
    const r = await startRelay(relayConfig({ SidecarURL: plugin.url }));
    const res = await r.client.stream({ method: 'GET', path: '/getLogs', json: logStruct({ Follow: true }) });
    res.stream.on('error', () => undefined);
    await new Promise((resolve) => res.stream.once('data', resolve));
    const ended = new Promise((resolve) => res.stream.once('close', resolve));
    const started = Date.now();
    await r.relay.stop(300);
    expect(Date.now() - started).toBeLessThan(3000);
    await ended;
    for (let i = 0; i < 100 && !pluginSideClosed; i++)
      await new Promise((resolve) => setTimeout(resolve, 20));
    expect(pluginSideClosed).toBe(true);
    r.client.close();
    await plugin.stop();
  });

  it('job script builder: jobConfig from the YAML keys, script attached to the plugin request', async () => {
    const plugin = await new RecordingPlugin().start();
    plugin.answer('/create', 200, { PodUID: UID_B, PodJID: 'b1' });
    const builder = await new RecordingPlugin().start();
    builder.answer('/build', 200, '#!/bin/bash\nsrun hostname\n', 'text/plain');
    const r = await startRelay(
      relayConfig({
        SidecarURL: plugin.url,
        JobScriptBuildConfig: {
          singularity_hub: { server: 'hub.example', master_token: 't', cache_validity_seconds: 60 },
          apptainer_options: {
            executable: '/usr/bin/apptainer',
            fuse_mode: 'host',
            no_init: true,
            nvidia_support: true,
          },
          volumes_options: {
            scratch_area: '/scratch',
            additional_directories_in_path: ['/opt/bin'],
            fuse_sleep_seconds: 2,
          },
        },
      }),
    );
    try {
      const res = await r.client.request({
        method: 'POST',
        path: '/create',
        json: createRequest(`${builder.url}/build`),
        headers: { 'InterLink-Http-Session': 'CreatePod#9' },
      });
      expect(res.status).toBe(200);
      const built = JSON.parse(builder.calls('/build')[0]!.body);
      expect(builder.calls('/build')[0]!.headers['interlink-http-session']).toBe('CreatePod#9');
      expect(built.jobConfig.ApptainerOptions).toMatchObject({
        executable: '/usr/bin/apptainer',
        fuseMode: 'host',
        noInit: true,
        nvidiaSupport: true,
        fakeroot: false,
      });
      expect(built.jobConfig.SingularityHubProxy).toEqual({
        server: 'hub.example',
        master_token: 't',
        cache_validity_seconds: 60,
      });
      expect(built.jobConfig.Volumes).toMatchObject({
        scratch_area: '/scratch',
        additional_directories_in_path: ['/opt/bin'],
        fuse_sleep_seconds: 2,
      });
      const sent = JSON.parse(plugin.calls('/create')[0]!.body);
      expect(sent.jobScript).toBe('#!/bin/bash\nsrun hostname\n');
      expect(sent.jobConfig).toEqual(built.jobConfig);

      builder.answer('/build', 422, 'unknown image', 'text/plain');
      const failed = await r.client.request({
        method: 'POST',
        path: '/create',
        json: createRequest(`${builder.url}/build`),
      });
      expect(failed.status).toBe(422);
      expect((failed.json() as { error: string; origin: string }).origin).toBe('builder');
      expect(plugin.calls('/create')).toHaveLength(1); // the plugin is not called after a builder failure
    } finally {
      await r.stop();
      await plugin.stop();
      await builder.stop();
    }
  });

  it('a job script builder that never answers → 504 after SidecarTimeouts.BuilderSeconds; a bad jobscriptURL → 400', async () => {
    const plugin = await new RecordingPlugin().start();
    plugin.answer('/create', 200, { PodUID: UID_B, PodJID: 'never' });
    const builder = await new RecordingPlugin().start();
    builder.on('/build', () => undefined);
    const r = await startRelay(
      relayConfig({
        SidecarURL: plugin.url,
        SidecarTimeouts: { BuilderSeconds: 0.3 },
        JobScriptBuildConfig: { apptainer_options: { executable: 'apptainer' } },
      }),
    );
    try {
      const started = Date.now();
      const res = await r.client.request({
        method: 'POST',
        path: '/create',
        json: createRequest(`${builder.url}/build`),
      });
      expect(res.status).toBe(504);
      expect(Date.now() - started).toBeLessThan(3000);
      expect(res.json()).toMatchObject({
        error: expect.stringMatching(/^job script builder did not answer/),
        origin: 'builder',
      });
      const bad = await r.client.request({
        method: 'POST',
        path: '/create',
        json: createRequest('file:///etc/passwd'),
      });
      expect(bad.status).toBe(400);
      expect((bad.json() as { error: string }).error).toContain('scheme must be http or https');
      expect(plugin.calls('/create')).toHaveLength(0);
    } finally {
      await r.stop();
      await plugin.stop();
      await builder.stop();
    }
  });

  it('https:// plugin verified with SidecarTLS.CACertFile, bearer token from SidecarTokenFile', async () => {
    const pki = createTestPki();
    const tokenFile = join(dir, 'plugin-token');
    writeFileSync(tokenFile, 'plugin-secret\n');
    const seen: (string | undefined)[] = [];
    const plugin = createHttpService({
      name: 'tls-plugin',
      listen: 'https://127.0.0.1:0',
      tls: { certFile: pki.serverCert, keyFile: pki.serverKey },
      logger: captureLogs().logger,
    });
    plugin.route('/status', async (ctx) => {
      seen.push(ctx.req.headers.authorization);
      ctx.sendJson(
        200,
        ((await ctx.json()) as { metadata: { uid: string } }[]).map((p) => podStatus(p.metadata.uid)),
      );
    });
    await plugin.start();
    const r = await startRelay(
      relayConfig({
        SidecarURL: 'https://localhost',
        SidecarPort: String(plugin.port),
        SidecarTLS: { CACertFile: pki.caCert },
        SidecarTokenFile: tokenFile,
      }),
    );
    try {
      const res = await r.client.request({ method: 'GET', path: '/status', json: [pod(UID_A)] });
      expect(res.status).toBe(200);
      expect((res.json() as { UID: string }[])[0]!.UID).toBe(UID_A);
      expect(seen).toEqual(['Bearer plugin-secret']);
    } finally {
      await r.stop();
      await plugin.stop();
    }
  });
});
