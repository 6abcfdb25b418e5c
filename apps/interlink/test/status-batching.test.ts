import { afterEach, describe, expect, it } from 'vitest';
import { RecordingPlugin } from './RecordingPlugin';
import { relayConfig, startRelay, type RunningRelay } from './harness';
import { pod, podStatus } from './fixtures';
import { StatusCache } from '../src/status/StatusCache';
import type { PodStatus } from '@interlink/api';

const typed = (uid: string): PodStatus => podStatus(uid) as unknown as PodStatus;

const uidN = (i: number): string => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;

function echoStatuses(plugin: RecordingPlugin, delayMs = 0): void {
  plugin.on('/status', async (req, res) => {
    const asked = JSON.parse(req.body) as { metadata: { uid: string; name: string } }[];
    if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
    res.end(JSON.stringify(asked.map((p) => podStatus(p.metadata.uid, p.metadata.name))));
  });
}

describe('status batching and cache', () => {
  let plugin: RecordingPlugin;
  let r: RunningRelay;
  afterEach(async () => {
    await r.stop();
    await plugin.stop();
  });

  it('1000 pods with StatusBatchSize 400 → 3 plugin calls of 400/400/200, every status returned in order', async () => {
    plugin = await new RecordingPlugin().start();
    echoStatuses(plugin);
    r = await startRelay(
      relayConfig({ SidecarURL: plugin.url, StatusBatchSize: 400, StatusCacheFreshSeconds: 0 }),
    );
    const pods = Array.from({ length: 1000 }, (_, i) => pod(uidN(i)));
    const res = await r.client.request({ method: 'GET', path: '/status', json: pods });
    expect(res.status).toBe(200);
    expect((res.json() as { UID: string }[]).map((s) => s.UID)).toEqual(pods.map((p) => p.metadata!.uid));
    expect(
      plugin
        .calls('/status')
        .map((c) => JSON.parse(c.body).length)
        .sort(),
    ).toEqual([200, 400, 400]);
  });

  it('StatusMaxParallelCalls bounds concurrent plugin calls: 1000 pods, batch 100, at most 2 at a time', async () => {
    plugin = await new RecordingPlugin().start();
    let active = 0;
    let peak = 0;
    plugin.on('/status', async (req, res) => {
      active++;
      peak = Math.max(peak, active);
      const asked = JSON.parse(req.body) as { metadata: { uid: string; name: string } }[];
      await new Promise((resolve) => setTimeout(resolve, 30));
      active--;
      res.end(JSON.stringify(asked.map((p) => podStatus(p.metadata.uid, p.metadata.name))));
    });
    r = await startRelay(
      relayConfig({
        SidecarURL: plugin.url,
        StatusBatchSize: 100,
        StatusMaxParallelCalls: 2,
        StatusCacheFreshSeconds: 0,
      }),
    );
    const pods = Array.from({ length: 1000 }, (_, i) => pod(uidN(i)));
    const res = await r.client.request({ method: 'GET', path: '/status', json: pods });
    expect((res.json() as { UID: string }[]).map((s) => s.UID)).toEqual(pods.map((p) => p.metadata!.uid));
    expect(plugin.calls('/status')).toHaveLength(10);
    expect(peak).toBe(2);
  });

  it('fresh cache entries are served without a plugin call; terminal pods use the cache; delete evicts', async () => {
    plugin = await new RecordingPlugin().start();
    echoStatuses(plugin);
    r = await startRelay(relayConfig({ SidecarURL: plugin.url, StatusCacheFreshSeconds: 60 }));
    await r.client.request({ method: 'GET', path: '/status', json: [pod(uidN(1))] });
    await r.client.request({ method: 'GET', path: '/status', json: [pod(uidN(1))] });
    expect(plugin.calls('/status')).toHaveLength(1);
    // a mix: one cached, one new → only the new one is asked for
    await r.client.request({ method: 'GET', path: '/status', json: [pod(uidN(1)), pod(uidN(2))] });
    expect(
      JSON.parse(plugin.calls('/status')[1]!.body).map((p: { metadata: { uid: string } }) => p.metadata.uid),
    ).toEqual([uidN(2)]);
    await r.client.request({ method: 'DELETE', path: '/delete', json: pod(uidN(1)) });
    await r.client.request({ method: 'GET', path: '/status', json: [pod(uidN(1))] });
    expect(plugin.calls('/status')).toHaveLength(3);
  });

  it('a status is as old as the plugin call that produced it: a slow answer does not stretch its freshness', async () => {
    plugin = await new RecordingPlugin().start();
    echoStatuses(plugin, 700);
    r = await startRelay(relayConfig({ SidecarURL: plugin.url, StatusCacheFreshSeconds: 1 }));
    await r.client.request({ method: 'GET', path: '/status', json: [pod(uidN(3))] });
    // Answered 0.7 s after the plugin was asked; 0.4 s later the status is 1.1 s old.
    await new Promise((resolve) => setTimeout(resolve, 400));
    await r.client.request({ method: 'GET', path: '/status', json: [pod(uidN(3))] });
    expect(plugin.calls('/status')).toHaveLength(2);
  });

  it('a cached status whose containers are still waiting is asked for again; once running it is cached', async () => {
    plugin = await new RecordingPlugin().start();
    let started = false;
    plugin.on('/status', (req, res) => {
      const [asked] = JSON.parse(req.body) as { metadata: { uid: string } }[];
      const status = podStatus(asked!.metadata.uid);
      if (!started) status.containers[0]!.state = { waiting: { reason: 'ContainerCreating' } } as never;
      res.end(JSON.stringify([status]));
    });
    r = await startRelay(relayConfig({ SidecarURL: plugin.url, StatusCacheFreshSeconds: 60 }));
    const ask = async () =>
      (
        await r.client.request({ method: 'GET', path: '/status', json: [pod(uidN(7), undefined, 'Pending')] })
      ).json() as { containers: { state: Record<string, unknown> }[] }[];
    expect(Object.keys((await ask())[0]!.containers[0]!.state)).toEqual(['waiting']);
    started = true;
    expect(Object.keys((await ask())[0]!.containers[0]!.state)).toEqual(['running']);
    await ask();
    expect(plugin.calls('/status')).toHaveLength(2);
  });

  it('with freshness 0 every request reaches the plugin (Running pods)', async () => {
    plugin = await new RecordingPlugin().start();
    echoStatuses(plugin);
    r = await startRelay(relayConfig({ SidecarURL: plugin.url, StatusCacheFreshSeconds: 0 }));
    for (let i = 0; i < 3; i++)
      await r.client.request({ method: 'GET', path: '/status', json: [pod(uidN(5))] });
    expect(plugin.calls('/status')).toHaveLength(3);
  });

  it('concurrent requests for the same pods share one plugin call (single flight)', async () => {
    plugin = await new RecordingPlugin().start();
    echoStatuses(plugin, 100);
    r = await startRelay(relayConfig({ SidecarURL: plugin.url, StatusCacheFreshSeconds: 0 }));
    const pods = [pod(uidN(7)), pod(uidN(8))];
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => r.client.request({ method: 'GET', path: '/status', json: pods })),
    );
    for (const a of answers) expect((a.json() as unknown[]).length).toBe(2);
    expect(plugin.calls('/status')).toHaveLength(1);
  });

  it('an empty request returns every cached status (upstream behaviour); null is the same', async () => {
    plugin = await new RecordingPlugin().start();
    echoStatuses(plugin);
    r = await startRelay(relayConfig({ SidecarURL: plugin.url }));
    await r.client.request({ method: 'GET', path: '/status', json: [pod(uidN(1)), pod(uidN(2))] });
    const all = (await r.client.request({ method: 'GET', path: '/status', json: [] })).json() as {
      UID: string;
    }[];
    expect(all.map((s) => s.UID).sort()).toEqual([uidN(1), uidN(2)]);
    const viaNull = (
      await r.client.request({ method: 'GET', path: '/status', body: 'null' })
    ).json() as unknown[];
    expect(viaNull).toHaveLength(2);
    expect(plugin.calls('/status')).toHaveLength(1);
  });

  it('malformed elements in the plugin answer are dropped, the rest is served', async () => {
    plugin = await new RecordingPlugin().start();
    plugin.answer('/status', 200, [{ UID: uidN(1) }, podStatus(uidN(2))]);
    r = await startRelay(relayConfig({ SidecarURL: plugin.url }));
    const res = await r.client.request({
      method: 'GET',
      path: '/status',
      json: [pod(uidN(1)), pod(uidN(2))],
    });
    expect((res.json() as { UID: string }[]).map((s) => s.UID)).toEqual([uidN(2)]);
    expect(r.logs.lines.some((l) => l['msg'] === 'dropping malformed PodStatus from the plugin')).toBe(true);
  });
});

describe('StatusCache', () => {
  it('is bounded (least recently requested first) and expires idle entries', () => {
    let now = 0;
    const cache = new StatusCache({ maxEntries: 2, ttlMs: 1000, now: () => now });
    cache.set('a', typed('a'));
    cache.set('b', typed('b'));
    expect(cache.get('a')).toBeDefined(); // a is now more recent than b
    cache.set('c', typed('c'));
    expect(cache.get('b')).toBeUndefined();
    expect(cache.size).toBe(2);
    now = 500;
    expect(cache.get('a')?.ageMs).toBe(500);
    now = 1600; // c idle for 1600 ms, a for 1100 ms
    expect(cache.sweep()).toBe(2);
    expect(cache.all()).toEqual([]);
  });
});
