import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerResponse } from 'node:http';
import { RecordingPlugin } from './RecordingPlugin';
import { relayConfig, sample, scrape, startRelay, type RunningRelay } from './harness';
import { logStruct } from './fixtures';

function waitUntil(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  return new Promise((resolve, reject) => {
    const start = Date.now();
    const tick = (): void => {
      if (predicate()) resolve();
      else if (Date.now() - start > timeoutMs) reject(new Error('timed out'));
      else setTimeout(tick, 10);
    };
    tick();
  });
}

describe('/getLogs streaming', () => {
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

  it('forwards GET /getLogs with the re-encoded LogStruct and passes plain logs through', async () => {
    plugin.answer('/getLogs', 200, 'line 1\nline 2\n', 'text/plain');
    // case-insensitive keys and missing Opts keys are normalised before forwarding
    const res = await r.client.request({
      method: 'GET',
      path: '/getLogs',
      json: {
        namespace: 'physics',
        poduid: 'c09948fc-1b09-40b9-8883-0d67e795435e',
        PodName: 'g4sim-0',
        ContainerName: 'simulate',
        Opts: { Tail: 5, Bytes: 100 },
      },
    });
    expect(res.status).toBe(200);
    expect(res.text()).toBe('line 1\nline 2\n');
    expect(res.headers['content-type']).toBe('text/plain');
    const call = plugin.calls('/getLogs').at(-1)!;
    expect(call.method).toBe('GET');
    expect(JSON.parse(call.body)).toEqual(logStruct({ Tail: 5, Bytes: 100 }));
  });

  it('the plugin receives exactly the LogStruct keys, as a re-encoded Go struct would carry: unknown keys are dropped', async () => {
    plugin.answer('/getLogs', 200, 'ok', 'text/plain');
    const body =
      '{"__proto__":{"polluted":true},"Namespace":"physics","PodUID":"c09948fc-1b09-40b9-8883-0d67e795435e",' +
      '"PodName":"g4sim-0","ContainerName":"simulate","Extra":"x","Opts":{"constructor":{"prototype":{"p":1}},' +
      '"Tail":3,"Bytes":0,"Timestamps":false,"Follow":false,"Previous":false,"SinceSeconds":0,' +
      '"SinceTime":"0001-01-01T00:00:00Z","Unknown":1}}';
    const res = await r.client.request({
      method: 'GET',
      path: '/getLogs',
      body,
      headers: { 'Content-Type': 'application/json' },
    });
    expect(res.status).toBe(200);
    expect(plugin.calls('/getLogs').at(-1)!.body).toBe(JSON.stringify(logStruct({ Tail: 3 })));
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('POST /getLogs is accepted too; the plugin still gets GET with the caller session', async () => {
    plugin.answer('/getLogs', 200, 'via post\n', 'text/plain');
    const res = await r.client.request({
      method: 'POST',
      path: '/getLogs',
      json: logStruct({ Timestamps: true }),
      headers: { 'InterLink-Http-Session': 'GetLogs#2' },
    });
    expect(res.status).toBe(200);
    expect(res.text()).toBe('via post\n');
    const call = plugin.calls('/getLogs').at(-1)!;
    expect(call.method).toBe('GET');
    expect(call.headers['interlink-http-session']).toBe('GetLogs#2');
    expect(call.headers['content-type']).toBe('application/json');
    expect(JSON.parse(call.body)).toEqual(logStruct({ Timestamps: true }));
  });

  it('interlink_log_streams_in_flight counts open follow streams and drops when the caller leaves', async () => {
    let pluginSideClosed = false;
    plugin.on('/getLogs', (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.write('tick\n');
      res.on('close', () => (pluginSideClosed = true));
    });
    const gauge = async (): Promise<number> =>
      sample(await scrape(r.client), 'interlink_log_streams_in_flight');
    expect(await gauge()).toBe(0);
    const controllers = [new AbortController(), new AbortController()];
    for (const controller of controllers) {
      const res = await r.client.stream({
        method: 'GET',
        path: '/getLogs',
        json: logStruct({ Follow: true }),
        signal: controller.signal,
      });
      res.stream.on('error', () => undefined);
      await new Promise((resolve) => res.stream.once('data', resolve));
    }
    expect(await gauge()).toBe(2);
    controllers[0]!.abort();
    await waitUntil(() => pluginSideClosed);
    for (let i = 0; i < 100 && (await gauge()) !== 1; i++)
      await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await gauge()).toBe(1);
    controllers[1]!.abort();
    for (let i = 0; i < 100 && (await gauge()) !== 0; i++)
      await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await gauge()).toBe(0);
  });

  it('Follow: the first chunk arrives before the plugin has finished', async () => {
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    plugin.on('/getLogs', async (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.write('first\n');
      await released;
      res.end('last\n');
    });
    const res = await r.client.stream({ method: 'GET', path: '/getLogs', json: logStruct({ Follow: true }) });
    expect(res.status).toBe(200);
    const first = await new Promise<string>((resolve) =>
      res.stream.once('data', (c: Buffer) => resolve(c.toString())),
    );
    expect(first).toBe('first\n');
    release();
    let rest = '';
    for await (const c of res.stream) rest += c;
    expect(rest).toBe('last\n');
  });

  it('a client disconnect aborts the plugin request', async () => {
    let pluginSideClosed = false;
    plugin.on('/getLogs', (_req, res) => {
      res.writeHead(200);
      res.write('tick\n');
      const timer = setInterval(() => res.write('tick\n'), 20);
      res.on('close', () => {
        clearInterval(timer);
        pluginSideClosed = true;
      });
    });
    const controller = new AbortController();
    const res = await r.client.stream({
      method: 'GET',
      path: '/getLogs',
      json: logStruct({ Follow: true }),
      signal: controller.signal,
    });
    res.stream.on('error', () => undefined);
    await new Promise((resolve) => res.stream.once('data', resolve));
    controller.abort();
    await waitUntil(() => pluginSideClosed);
    await waitUntil(() => r.logs.lines.some((l) => l['path'] === '/getLogs' && l['aborted'] === true));
  });

  it('backpressure: a slow reader stops the plugin from pushing everything into memory', async () => {
    const chunk = Buffer.alloc(1024 * 1024, 'x');
    const total = 200;
    let written = 0;
    let pluginDone = false;
    plugin.on('/getLogs', async (_req, res: ServerResponse) => {
      res.writeHead(200);
      for (let i = 0; i < total; i++) {
        if (!res.write(chunk)) await new Promise((r) => res.once('drain', r));
        written++;
        if (res.destroyed) return;
      }
      res.end();
      pluginDone = true;
    });
    const res = await r.client.stream({ method: 'GET', path: '/getLogs', json: logStruct({ Follow: true }) });
    res.stream.pause();
    await new Promise((resolve) => setTimeout(resolve, 500));
    // socket buffers on three hops hold a few MiB at most; without backpressure all 200 MiB go
    expect(written).toBeLessThan(40);
    expect(pluginDone).toBe(false);
    let received = 0;
    res.stream.on('data', (c: Buffer) => (received += c.length));
    res.stream.resume();
    await new Promise((resolve) => res.stream.once('end', resolve));
    expect(received).toBe(total * chunk.length);
  });

  it('a plugin that dies mid-stream makes the relay cut the connection (truncation is visible)', async () => {
    plugin.on('/getLogs', (_req, res) => {
      res.writeHead(200);
      res.write('partial\n');
      setTimeout(() => res.destroy(), 50);
    });
    const res = await r.client.stream({ method: 'GET', path: '/getLogs', json: logStruct({ Follow: true }) });
    let received = '';
    const outcome = await new Promise<string>((resolve) => {
      res.stream.on('data', (c: Buffer) => (received += c.toString()));
      res.stream.on('end', () => resolve('clean end'));
      res.stream.on('error', () => resolve('error'));
      res.stream.on('close', () => resolve(res.stream.complete ? 'clean end' : 'error'));
    });
    expect(received).toBe('partial\n');
    expect(outcome).toBe('error');
    expect((await r.client.request({ method: 'GET', path: '/healthz' })).status).toBe(200);
  });

  it('LogsSeconds bounds only the wait for headers: a slow follow stream outlives it, a silent plugin gets 504', async () => {
    const short = await startRelay(
      relayConfig({ SidecarURL: plugin.url, SidecarTimeouts: { LogsSeconds: 0.3 } }),
    );
    try {
      plugin.on('/getLogs', async (_req, res) => {
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        for (let i = 0; i < 3; i++) {
          res.write(`line ${i}\n`);
          await new Promise((resolve) => setTimeout(resolve, 400)); // each gap longer than LogsSeconds
        }
        res.end('done\n');
      });
      const slow = await short.client.request({
        method: 'GET',
        path: '/getLogs',
        json: logStruct({ Follow: true }),
      });
      expect(slow.status).toBe(200);
      expect(slow.text()).toBe('line 0\nline 1\nline 2\ndone\n');

      plugin.on('/getLogs', () => undefined); // never sends headers
      const started = Date.now();
      const silent = await short.client.request({
        method: 'GET',
        path: '/getLogs',
        json: logStruct({ Follow: true }),
      });
      expect(silent.status).toBe(504);
      expect(Date.now() - started).toBeLessThan(3000);
      expect((silent.json() as { error: string }).error).toMatch(/^plugin did not answer \/getLogs in time/);
    } finally {
      await short.stop();
    }
  });

  it('plugin errors keep their status: 404 unknown container', async () => {
    plugin.answer('/getLogs', 404, 'container "nope" not found', 'text/plain');
    const res = await r.client.request({ method: 'GET', path: '/getLogs', json: logStruct() });
    expect(res.status).toBe(404);
    expect((res.json() as { error: string }).error).toBe(
      'plugin answered 404 on /getLogs: container "nope" not found',
    );
  });

  it('Tail together with Bytes is allowed (the kubelet allows it), SinceSeconds with SinceTime is not', async () => {
    plugin.answer('/getLogs', 200, 'ok', 'text/plain');
    expect(
      (
        await r.client.request({
          method: 'GET',
          path: '/getLogs',
          json: logStruct({ Tail: 10, Bytes: 4096 }),
        })
      ).status,
    ).toBe(200);
    const both = await r.client.request({
      method: 'GET',
      path: '/getLogs',
      json: logStruct({ SinceSeconds: 10, SinceTime: '2026-03-02T11:05:00Z' }),
    });
    expect(both.status).toBe(400);
    expect((both.json() as { error: string }).error).toBe(
      'Both SinceSeconds and SinceTime set. Set only one of them',
    );
    // the Go zero time and null both mean "SinceTime unset", so SinceSeconds alone is fine
    for (const SinceTime of ['0001-01-01T00:00:00Z', null]) {
      const ok = await r.client.request({
        method: 'GET',
        path: '/getLogs',
        json: logStruct({ SinceSeconds: 10, SinceTime }),
      });
      expect(ok.status, String(SinceTime)).toBe(200);
    }
    // an empty container name passes (upstream checks it only when non-empty)
    const noContainer = await r.client.request({
      method: 'GET',
      path: '/getLogs',
      json: logStruct({}, { ContainerName: '' }),
    });
    expect(noContainer.status).toBe(200);
  });
});
