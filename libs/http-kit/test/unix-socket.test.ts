import { describe, expect, it } from 'vitest';
import { existsSync, lstatSync, writeFileSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { createHttpService, HttpClient } from '../src';
import { captureLogger, tempDir } from './helpers';

describe('unix socket listener', () => {
  it('serves GET with body over a socket, Host unix, removes the file on stop', async () => {
    const path = join(tempDir('uds-'), 'relay.sock');
    const service = createHttpService({ name: 'uds', listen: `unix://${path}`, logger: captureLogger().logger, socketMode: 0o660 });
    service.route('/status', async (ctx) => ctx.sendJson(200, { host: ctx.req.headers.host, body: await ctx.json() }));
    await service.start();
    expect(service.url).toBe(`unix://${path}`);
    expect(lstatSync(path).isSocket()).toBe(true);
    expect(statSync(path).mode & 0o777).toBe(0o660);
    const client = new HttpClient({ baseUrl: `unix://${path}` });
    const res = await client.request({ method: 'GET', path: '/status', json: [] });
    expect(res.json()).toEqual({ host: 'unix', body: [] });
    client.close();
    await service.stop();
    expect(existsSync(path)).toBe(false);
  });

  it('replaces a stale socket file left by a crashed process', async () => {
    const path = join(tempDir('uds-'), 'stale.sock');
    // A process that exits without closing its listener leaves the socket file behind.
    spawnSync(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(path)}, () => process.exit(0))`]);
    expect(lstatSync(path).isSocket()).toBe(true);
    const service = createHttpService({ name: 'uds', listen: `unix://${path}`, logger: captureLogger().logger });
    await service.start();
    const client = new HttpClient({ baseUrl: `unix://${path}` });
    expect((await client.request({ method: 'GET', path: '/healthz' })).status).toBe(200);
    client.close();
    await service.stop();
  });

  it('refuses to start when another process listens on the socket', async () => {
    const path = join(tempDir('uds-'), 'busy.sock');
    const other = createServer();
    await new Promise<void>((r) => other.listen(path, r));
    try {
      const service = createHttpService({ name: 'uds', listen: `unix://${path}`, logger: captureLogger().logger });
      await expect(service.start()).rejects.toThrow(/another process is listening/);
    } finally {
      other.close();
    }
  });

  it('refuses to delete a regular file at the socket path', async () => {
    const path = join(tempDir('uds-'), 'not-a-socket');
    writeFileSync(path, 'precious');
    const service = createHttpService({ name: 'uds', listen: `unix://${path}`, logger: captureLogger().logger });
    await expect(service.start()).rejects.toThrow(/exists and is not a socket/);
    expect(existsSync(path)).toBe(true);
  });

  it('rejects malformed listen addresses with a message naming them', () => {
    const logger = captureLogger().logger;
    expect(() => createHttpService({ name: 'x', listen: 'unix://relative.sock', logger })).toThrow(/must be absolute/);
    expect(() => createHttpService({ name: 'x', listen: 'ftp://host:1', logger })).toThrow(/scheme must be http, https or unix/);
    expect(() => createHttpService({ name: 'x', listen: 'https://127.0.0.1:0', logger })).toThrow(/no TLS certificate/);
  });
});
