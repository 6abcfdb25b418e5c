import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createHttpService, createTestPki, HttpClient, HttpClientError } from '../src';
import { captureLogger, tempDir, waitFor } from './helpers';

// A plain node:http server so the client is tested against something it did not build.
let server: Server;
let base: string;
const sockets = new Set<Socket>();
const seen: { method: string; body: string; contentType?: string }[] = [];
let closedRequests = 0;

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      seen.push({ method: req.method!, body, contentType: req.headers['content-type'] });
      if (req.url === '/hang') return; // never answers
      if (req.url === '/stream') {
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        res.write('line 1\n');
        const timer = setInterval(() => res.write('tick\n'), 20);
        res.on('close', () => {
          clearInterval(timer);
          closedRequests++;
        });
        return;
      }
      if (req.url === '/big') {
        res.end('z'.repeat(4096));
        return;
      }
      res.writeHead(201, { 'X-Test': 'yes' });
      res.end(JSON.stringify({ method: req.method, body, port: req.socket.remotePort }));
    });
  });
  server.on('connection', (s) => sockets.add(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  for (const s of sockets) s.destroy();
  server.close();
});

describe('HttpClient', () => {
  it('sends GET with a JSON body and Content-Type, returns any status without throwing', async () => {
    const client = new HttpClient({ baseUrl: base });
    const res = await client.request({ method: 'GET', path: '/x', json: [{ a: 1 }] });
    expect(res.status).toBe(201);
    expect(res.headers['x-test']).toBe('yes');
    expect(res.json()).toMatchObject({ method: 'GET', body: '[{"a":1}]' });
    expect(seen.at(-1)!.contentType).toBe('application/json');
    client.close();
  });

  it('sends a body given as pieces, in order, with their total as Content-Length (GET included)', async () => {
    const client = new HttpClient({ baseUrl: base });
    const pieces = [
      Buffer.from('['),
      Buffer.from('{"é":1}'),
      Buffer.from(','),
      Buffer.from('2'),
      Buffer.from(']'),
    ];
    const res = await client.request({
      method: 'GET',
      path: '/x',
      body: pieces,
      headers: { 'Content-Type': 'application/json' },
    });
    expect(res.json()).toMatchObject({ method: 'GET', body: '[{"é":1},2]' });
    expect(seen.at(-1)!.contentType).toBe('application/json');
    // The same pieces again on the pooled connection: the length must have been exact.
    const again = await client.request({ method: 'POST', path: '/x', body: pieces });
    expect(again.json()).toMatchObject({ method: 'POST', body: '[{"é":1},2]' });
    expect(JSON.parse(again.text()).port).toBe(JSON.parse(res.text()).port);
    client.close();
  });

  it('reuses keep-alive connections', async () => {
    const client = new HttpClient({ baseUrl: base });
    const ports = new Set<number>();
    for (let i = 0; i < 5; i++)
      ports.add(
        ((await client.request({ method: 'POST', path: '/x', json: i })).json() as { port: number }).port,
      );
    expect(ports.size).toBe(1);
    client.close();
  });

  it('times out waiting for headers with kind "timeout"', async () => {
    const client = new HttpClient({ baseUrl: base });
    const err = await client
      .request({ method: 'GET', path: '/hang', timeoutMs: 150 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpClientError);
    expect((err as HttpClientError).kind).toBe('timeout');
    expect((err as Error).message).toContain('no response headers within 150 ms');
    client.close();
  });

  it('"unreachable" for a refused port and a missing unix socket', async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    for (const baseUrl of [`http://127.0.0.1:${port}`, `unix://${join(tempDir('nosock-'), 'none.sock')}`]) {
      const client = new HttpClient({ baseUrl });
      await expect(client.request({ method: 'GET', path: '/status', json: [] })).rejects.toMatchObject({
        kind: 'unreachable',
      });
      client.close();
    }
  });

  it('abort before headers rejects with kind "aborted"', async () => {
    const client = new HttpClient({ baseUrl: base });
    const controller = new AbortController();
    const pending = client.request({ method: 'GET', path: '/hang', signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await expect(pending).rejects.toMatchObject({ kind: 'aborted' });
    const already = client.request({ method: 'GET', path: '/x', signal: AbortSignal.abort() });
    await expect(already).rejects.toMatchObject({ kind: 'aborted' });
    client.close();
  });

  it('streams a response and aborting the signal closes the upstream request', async () => {
    const client = new HttpClient({ baseUrl: base });
    const controller = new AbortController();
    const before = closedRequests;
    const res = await client.stream({ method: 'GET', path: '/stream', json: {}, signal: controller.signal });
    expect(res.status).toBe(200);
    const first = await new Promise<string>((r) => res.stream.once('data', (c: Buffer) => r(c.toString())));
    expect(first).toBe('line 1\n');
    controller.abort();
    await waitFor(() => closedRequests > before);
    client.close();
  });

  it('bounds buffered responses with maxResponseBytes', async () => {
    const client = new HttpClient({ baseUrl: base });
    await expect(
      client.request({ method: 'GET', path: '/big', maxResponseBytes: 1000 }),
    ).rejects.toMatchObject({ kind: 'bad-response' });
    expect((await client.request({ method: 'GET', path: '/big' })).body.length).toBe(4096);
    client.close();
  });

  it('json() on a non-JSON body throws kind "bad-response"', async () => {
    const client = new HttpClient({ baseUrl: base });
    const res = await client.request({ method: 'GET', path: '/big' });
    expect(() => res.json()).toThrow(expect.objectContaining({ kind: 'bad-response' }));
    client.close();
  });

  it('rejects unsupported URLs with a message naming them', () => {
    expect(() => new HttpClient({ baseUrl: 'ftp://x' })).toThrow(/"ftp:\/\/x".*scheme/);
    expect(() => new HttpClient({ baseUrl: 'unix://rel.sock' })).toThrow(/absolute/);
    expect(() => new HttpClient({ baseUrl: 'not a url' })).toThrow(/invalid URL/);
  });

  it('accepts a DER CA file and presents a client certificate', async () => {
    const pki = createTestPki();
    const der = join(pki.dir, 'ca.der');
    writeFileSync(der, new X509Certificate(readFileSync(pki.caCert)).raw);
    const service = createHttpService({
      name: 'der',
      listen: 'https://127.0.0.1:0',
      tls: { certFile: pki.serverCert, keyFile: pki.serverKey, caFile: pki.caCert },
      logger: captureLogger().logger,
    });
    await service.start();
    const client = new HttpClient({
      baseUrl: service.url,
      tls: { caFile: der, certFile: pki.clientCert, keyFile: pki.clientKey },
    });
    expect((await client.request({ method: 'GET', path: '/healthz' })).status).toBe(200);
    client.close();
    await service.stop();
  });

  it('server-side: a client abort fires the handler signal (streaming cancellation)', async () => {
    const service = createHttpService({
      name: 's',
      listen: 'http://127.0.0.1:0',
      logger: captureLogger().logger,
    });
    let handlerAborted = false;
    service.route('/follow', async (ctx) => {
      ctx.res.writeHead(200);
      ctx.res.write('x');
      await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve()));
      handlerAborted = true;
    });
    await service.start();
    const client = new HttpClient({ baseUrl: service.url });
    const controller = new AbortController();
    const res = await client.stream({ method: 'GET', path: '/follow', signal: controller.signal });
    res.stream.on('error', () => undefined);
    controller.abort();
    await waitFor(() => handlerAborted);
    client.close();
    await service.stop();
  });
});
