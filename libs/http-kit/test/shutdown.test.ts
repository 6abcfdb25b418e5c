import { describe, expect, it } from 'vitest';
import { createHttpService, HttpClient, HttpClientError, installShutdownHandlers, serveUntilSignalled } from '../src';
import { captureLogger, waitFor } from './helpers';

describe('graceful shutdown', () => {
  it('stop() refuses new connections but finishes the in-flight request', async () => {
    const service = createHttpService({ name: 'g', listen: 'http://127.0.0.1:0', logger: captureLogger().logger });
    let entered = false;
    service.route('/slow', async (ctx) => {
      entered = true;
      await new Promise((r) => setTimeout(r, 300));
      ctx.send(200, 'finished');
    });
    await service.start();
    const url = service.url;
    const client = new HttpClient({ baseUrl: url });
    const inflight = client.request({ method: 'GET', path: '/slow' });
    await waitFor(() => entered);
    const stopped = service.stop(5000);
    await new Promise((r) => setTimeout(r, 50));
    const fresh = new HttpClient({ baseUrl: url });
    const refused = await fresh.request({ method: 'GET', path: '/healthz' }).catch((e: unknown) => e);
    expect((refused as HttpClientError).kind).toBe('unreachable');
    const res = await inflight;
    expect(res.status).toBe(200);
    expect(res.text()).toBe('finished');
    await stopped;
    client.close();
    fresh.close();
  });

  it('after the timeout, stragglers are aborted (their signal fires) and stop() resolves', async () => {
    const service = createHttpService({ name: 'g', listen: 'http://127.0.0.1:0', logger: captureLogger().logger });
    let abortedReason: unknown;
    service.route('/forever', async (ctx) => {
      ctx.res.writeHead(200);
      ctx.res.write('first chunk');
      await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve()));
      abortedReason = ctx.signal.reason;
    });
    await service.start();
    const client = new HttpClient({ baseUrl: service.url });
    const res = await client.stream({ method: 'GET', path: '/forever' });
    res.stream.on('error', () => undefined);
    const started = Date.now();
    await service.stop(200);
    expect(Date.now() - started).toBeLessThan(2000);
    await waitFor(() => abortedReason !== undefined);
    expect(String(abortedReason)).toMatch(/shutting down|disconnected/);
    client.close();
  });

  it('installShutdownHandlers stops every service on SIGTERM and exits 0', async () => {
    const { logger } = captureLogger();
    const a = createHttpService({ name: 'a', listen: 'http://127.0.0.1:0', logger });
    const b = createHttpService({ name: 'b', listen: 'http://127.0.0.1:0', logger });
    await a.start();
    await b.start();
    let exitCode: number | undefined;
    let cleaned = false;
    const remove = installShutdownHandlers([a, b], { logger, exit: (c) => (exitCode = c), signals: ['SIGUSR2'], onStopped: () => void (cleaned = true) });
    process.kill(process.pid, 'SIGUSR2');
    await waitFor(() => exitCode !== undefined);
    remove();
    expect(exitCode).toBe(0);
    expect(cleaned).toBe(true);
    const client = new HttpClient({ baseUrl: a.url });
    await expect(client.request({ method: 'GET', path: '/healthz' })).rejects.toMatchObject({ kind: 'unreachable' });
    client.close();
  });

  it('serveUntilSignalled: a service that cannot start is logged with context and exits 1', async () => {
    const { logger, lines } = captureLogger();
    const exits: number[] = [];
    const broken = { start: () => Promise.reject(new Error('EADDRINUSE 127.0.0.1:1')), stop: () => Promise.resolve() };
    const remove = await serveUntilSignalled(broken, { logger, exit: (c) => exits.push(c), context: { listen: 'x' } });
    expect(remove).toBeUndefined();
    expect(exits).toEqual([1]);
    const line = lines.find((l) => l['msg'] === 'cannot start');
    expect(line).toMatchObject({ level: 'error', listen: 'x' });
    expect(JSON.stringify(line)).toContain('EADDRINUSE');
  });

  it('serveUntilSignalled: a started service stops on the signal', async () => {
    const { logger } = captureLogger();
    const service = createHttpService({ name: 's', listen: 'http://127.0.0.1:0', logger });
    let exitCode: number | undefined;
    const remove = await serveUntilSignalled(service, { logger, exit: (c) => (exitCode = c), signals: ['SIGUSR2'] });
    expect(remove).toBeTypeOf('function');
    const client = new HttpClient({ baseUrl: service.url });
    expect((await client.request({ method: 'GET', path: '/healthz' })).status).toBe(200);
    process.kill(process.pid, 'SIGUSR2');
    await waitFor(() => exitCode !== undefined);
    remove?.();
    expect(exitCode).toBe(0);
    await expect(client.request({ method: 'GET', path: '/healthz' })).rejects.toMatchObject({ kind: 'unreachable' });
    client.close();
  });
});
