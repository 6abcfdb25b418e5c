import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHttpService, createTestPki, HttpClient } from '@interlink/http-kit';
import { writeFileSync } from 'node:fs';
import { captureLogs } from './harness';
import { RecordingPlugin } from './RecordingPlugin';
import { relayConfig, startRelay } from './harness';
import { createRequest, pod, podStatus, UID_A, UID_B } from './fixtures';

const dir = mkdtempSync(join(tmpdir(), 'relay-transport-'));

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('transport', () => {
  it('unix sockets on both hops (relay socket and plugin socket), socket file removed on stop', async () => {
    const pluginSock = join(dir, 'plugin.sock');
    const relaySock = join(dir, 'interlink.sock');
    const plugin = await new RecordingPlugin().start(pluginSock);
    plugin.answer('/status', 200, [podStatus(UID_A)]).answer('/create', 200, { PodUID: UID_B, PodJID: '7' });
    const r = await startRelay(relayConfig({ SidecarURL: `unix://${pluginSock}`, SidecarPort: '0', InterlinkAddress: `unix://${relaySock}`, InterlinkPort: '0' }));
    try {
      expect(r.relay.service.url).toBe(`unix://${relaySock}`);
      const status = await r.client.request({ method: 'GET', path: '/status', json: [pod(UID_A)] });
      expect((status.json() as { UID: string }[])[0]!.UID).toBe(UID_A);
      expect((await r.client.request({ method: 'POST', path: '/create', json: createRequest() })).json()).toEqual({ PodUID: UID_B, PodJID: '7' });
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
      expect(metrics).toMatch(/interlink_plugin_errors_total\{endpoint="ping",kind="unreachable",service="interlink"\} 1/);
    } finally {
      await r.stop();
    }
  });

  it('plugin too slow → 504 after the configured per-call timeout', async () => {
    const plugin = await new RecordingPlugin().start();
    plugin.on('/status', () => undefined); // never answers
    const r = await startRelay(relayConfig({ SidecarURL: plugin.url, SidecarTimeouts: { PingSeconds: 0.2, StatusSeconds: 0.3 } }));
    try {
      const started = Date.now();
      const ping = await r.client.request({ method: 'POST', path: '/pinglink' });
      expect(ping.status).toBe(504);
      expect(Date.now() - started).toBeLessThan(2000);
      expect((ping.json() as { error: string }).error).toContain('no response headers within 200 ms');
      expect((await r.client.request({ method: 'GET', path: '/status', json: [pod(UID_A)] })).status).toBe(504);
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
    await expect(late.request({ method: 'GET', path: '/healthz' })).rejects.toMatchObject({ kind: 'unreachable' });
    late.close();
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
          apptainer_options: { executable: '/usr/bin/apptainer', fuse_mode: 'host', no_init: true, nvidia_support: true },
          volumes_options: { scratch_area: '/scratch', additional_directories_in_path: ['/opt/bin'], fuse_sleep_seconds: 2 },
        },
      }),
    );
    try {
      const res = await r.client.request({ method: 'POST', path: '/create', json: createRequest(`${builder.url}/build`), headers: { 'InterLink-Http-Session': 'CreatePod#9' } });
      expect(res.status).toBe(200);
      const built = JSON.parse(builder.calls('/build')[0]!.body);
      expect(builder.calls('/build')[0]!.headers['interlink-http-session']).toBe('CreatePod#9');
      expect(built.jobConfig.ApptainerOptions).toMatchObject({ executable: '/usr/bin/apptainer', fuseMode: 'host', noInit: true, nvidiaSupport: true, fakeroot: false });
      expect(built.jobConfig.SingularityHubProxy).toEqual({ server: 'hub.example', master_token: 't', cache_validity_seconds: 60 });
      expect(built.jobConfig.Volumes).toMatchObject({ scratch_area: '/scratch', additional_directories_in_path: ['/opt/bin'], fuse_sleep_seconds: 2 });
      const sent = JSON.parse(plugin.calls('/create')[0]!.body);
      expect(sent.jobScript).toBe('#!/bin/bash\nsrun hostname\n');
      expect(sent.jobConfig).toEqual(built.jobConfig);

      builder.answer('/build', 422, 'unknown image', 'text/plain');
      const failed = await r.client.request({ method: 'POST', path: '/create', json: createRequest(`${builder.url}/build`) });
      expect(failed.status).toBe(422);
      expect((failed.json() as { error: string; origin: string }).origin).toBe('builder');
      expect(plugin.calls('/create')).toHaveLength(1); // the plugin is not called after a builder failure
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
    const plugin = createHttpService({ name: 'tls-plugin', listen: 'https://127.0.0.1:0', tls: { certFile: pki.serverCert, keyFile: pki.serverKey }, logger: captureLogs().logger });
    plugin.route('/status', async (ctx) => {
      seen.push(ctx.req.headers.authorization);
      ctx.sendJson(200, ((await ctx.json()) as { metadata: { uid: string } }[]).map((p) => podStatus(p.metadata.uid)));
    });
    await plugin.start();
    const r = await startRelay(
      relayConfig({ SidecarURL: 'https://localhost', SidecarPort: String(plugin.port), SidecarTLS: { CACertFile: pki.caCert }, SidecarTokenFile: tokenFile }),
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
