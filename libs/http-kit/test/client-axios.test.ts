import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { HttpClient, HttpClientError, noRetry, readAtMost, staleSocketRetry, type FailedAttempt } from '../src';

// A plain node:http server that resets a keep-alive socket on its second request: what a client
// sees when the server closed an idle pooled connection just as the client reused it.
let server: Server;
let base: string;
const sockets = new Set<Socket>();
const requestsPerSocket = new WeakMap<Socket, number>();
const seen: { method: string; url: string; body: string; headers: IncomingMessage['headers'] }[] = [];

function handle(req: IncomingMessage, res: ServerResponse, body: string): void {
  seen.push({ method: req.method ?? '', url: req.url ?? '', body, headers: req.headers });
  const count = (requestsPerSocket.get(req.socket) ?? 0) + 1;
  requestsPerSocket.set(req.socket, count);
  if (req.url?.startsWith('/stale') && count > 1) {
    req.socket.destroy();
    return;
  }
  if (req.url === '/quiet-stream') {
    res.writeHead(200);
    res.write('first\n');
    setTimeout(() => res.end('after a pause\n'), 400);
    return;
  }
  res.end(JSON.stringify({ method: req.method, body, port: req.socket.remotePort }));
}

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => handle(req, res, body));
  });
  server.on('connection', (s) => sockets.add(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  for (const s of sockets) s.destroy();
  server.close();
});

describe('HttpClient on axios', () => {
  it('sends JSON bodies on GET and DELETE, and a POST without body has Content-Length 0', async () => {
    const client = new HttpClient({ baseUrl: base });
    for (const method of ['GET', 'DELETE']) {
      const res = await client.request({ method, path: '/x', json: { pod: method } });
      expect(res.json()).toMatchObject({ method, body: `{"pod":"${method}"}` });
      expect(seen.at(-1)!.headers['content-type']).toBe('application/json');
      expect(seen.at(-1)!.headers['content-length']).toBe(String(`{"pod":"${method}"}`.length));
    }
    await client.request({ method: 'POST', path: '/x' });
    expect(seen.at(-1)!.headers['content-length']).toBe('0');
    expect(seen.at(-1)!.headers['content-type']).toBeUndefined();
    client.close();
  });

  it('sends a raw body without inventing a Content-Type, and default headers on every call', async () => {
    const client = new HttpClient({ baseUrl: base, defaultHeaders: { Authorization: 'Bearer t' } });
    await client.request({ method: 'POST', path: '/raw?x=1', body: 'plain' });
    const last = seen.at(-1)!;
    expect(last).toMatchObject({ url: '/raw?x=1', body: 'plain' });
    expect(last.headers['content-type']).toBeUndefined();
    expect(last.headers['authorization']).toBe('Bearer t');
    expect(last.headers['accept-encoding']).toBe('identity');
    client.close();
  });

  it('ignores HTTP_PROXY from the environment (no proxy, as before)', async () => {
    const saved = process.env['HTTP_PROXY'];
    process.env['HTTP_PROXY'] = 'http://127.0.0.1:1';
    try {
      const client = new HttpClient({ baseUrl: base });
      expect((await client.request({ method: 'GET', path: '/x' })).status).toBe(200);
      client.close();
    } finally {
      if (saved === undefined) delete process.env['HTTP_PROXY'];
      else process.env['HTTP_PROXY'] = saved;
    }
  });

  it('retries an idempotent request once when its pooled socket was reset', async () => {
    const client = new HttpClient({ baseUrl: base });
    const first = (await client.request({ method: 'GET', path: '/stale' })).json() as { port: number };
    const before = seen.length;
    const second = (await client.request({ method: 'GET', path: '/stale' })).json() as { port: number };
    expect(second.port).not.toBe(first.port);
    // The reset attempt reached the server, then the retry on a fresh socket.
    expect(seen.length - before).toBe(2);
    client.close();
  });

  it('does not retry a POST on a reset pooled socket unless the caller opts in', async () => {
    const client = new HttpClient({ baseUrl: base });
    await client.request({ method: 'POST', path: '/stale-post' });
    const err = await client.request({ method: 'POST', path: '/stale-post' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpClientError);
    expect((err as HttpClientError).kind).toBe('transport');
    await client.request({ method: 'POST', path: '/stale-post' });
    const res = await client.request({ method: 'POST', path: '/stale-post', retryOnStaleSocket: true });
    expect(res.status).toBe(200);
    client.close();
  });

  it('a client with noRetry reports the reset instead of resending', async () => {
    const client = new HttpClient({ baseUrl: base, retryPolicy: noRetry });
    await client.request({ method: 'GET', path: '/stale-noretry' });
    await expect(client.request({ method: 'GET', path: '/stale-noretry' })).rejects.toMatchObject({ kind: 'transport' });
    client.close();
  });

  it('readAtMost keeps the start of a long streamed body and closes the stream', async () => {
    const client = new HttpClient({ baseUrl: base });
    const res = await client.stream({ method: 'GET', path: '/quiet-stream' });
    const start = await readAtMost(res.stream, 3);
    expect(start.toString()).toBe('fir');
    expect(res.stream.destroyed).toBe(true);
    client.close();
  });

  it('the headers timeout does not cut a streamed body that pauses longer than it', async () => {
    const client = new HttpClient({ baseUrl: base });
    const res = await client.stream({ method: 'GET', path: '/quiet-stream', timeoutMs: 100 });
    let text = '';
    for await (const chunk of res.stream) text += String(chunk);
    expect(text).toBe('first\nafter a pause\n');
    expect(res.stream.complete).toBe(true);
    client.close();
  });
});

describe('staleSocketRetry', () => {
  const stale: FailedAttempt = { method: 'GET', attempt: 1, code: 'ECONNRESET', reusedSocket: true, responded: false };

  it('retries only the first attempt of an idempotent method reset on a pooled socket', () => {
    expect(staleSocketRetry.shouldRetry(stale)).toBe(true);
    expect(staleSocketRetry.shouldRetry({ ...stale, code: 'EPIPE', method: 'DELETE' })).toBe(true);
    expect(staleSocketRetry.shouldRetry({ ...stale, attempt: 2 })).toBe(false);
    expect(staleSocketRetry.shouldRetry({ ...stale, reusedSocket: false })).toBe(false);
    expect(staleSocketRetry.shouldRetry({ ...stale, responded: true })).toBe(false);
    expect(staleSocketRetry.shouldRetry({ ...stale, code: 'ECONNREFUSED' })).toBe(false);
    expect(staleSocketRetry.shouldRetry({ ...stale, method: 'POST' })).toBe(false);
  });

  it('follows the caller when it opts in or out', () => {
    expect(staleSocketRetry.shouldRetry({ ...stale, method: 'POST', optIn: true })).toBe(true);
    expect(staleSocketRetry.shouldRetry({ ...stale, optIn: false })).toBe(false);
  });
});
