import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import { createHttpService, HttpClient, type HttpService } from '../src';
import { captureLogger, waitFor } from './helpers';

/** One raw HTTP/1.1 exchange (for what well-behaved clients refuse to send). */
function rawRequest(port: number, payload: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(payload));
    let out = '';
    socket.on('data', (d: Buffer) => (out += d.toString()));
    socket.on('close', () => resolve(out));
    socket.on('error', reject);
  });
}

function bodyOf(raw: string): unknown {
  return JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4));
}

function nested(depth: number): string {
  return `[{"metadata":{"name":"p"},"unknownField":${'['.repeat(depth)}${']'.repeat(depth)}}]`;
}

describe('express-based service: parameters, bodies, hardening', () => {
  const log = captureLogger();
  let service: HttpService;
  let client: HttpClient;
  let streamAborted: unknown;
  let releaseStream: (() => void) | undefined;

  beforeAll(async () => {
    service = createHttpService({ name: 'express', listen: 'http://127.0.0.1:0', logger: log.logger });
    service
      .route('/logs/:namespace/:pod/:container', (ctx) => ctx.sendJson(200, ctx.params))
      .route('/json', async (ctx) => ctx.sendJson(200, { body: (await ctx.json()) ?? 'none' }))
      .route('/raw', async (ctx) => ctx.send(200, await ctx.body()))
      .route('/stream', async (ctx) => {
        ctx.res.writeHead(200, { 'Content-Type': 'text/plain' });
        ctx.res.write('first\n');
        await new Promise<void>((resolve) => {
          releaseStream = resolve;
          ctx.signal.addEventListener('abort', () => resolve());
        });
        streamAborted = ctx.signal.aborted ? ctx.signal.reason : false;
        if (!ctx.signal.aborted) ctx.res.end('last\n');
      });
    await service.start();
    client = new HttpClient({ baseUrl: service.url });
  });
  afterAll(async () => {
    client.close();
    await service.stop();
  });

  it('decodes path parameters for the handler', async () => {
    const res = await client.request({ method: 'GET', path: '/logs/ns-1/pod%20a/main' });
    expect(res.json()).toEqual({ namespace: 'ns-1', pod: 'pod a', container: 'main' });
  });

  it('parses JSON bodies on GET and DELETE whatever the content type says', async () => {
    for (const [method, type] of [['GET', 'text/plain'], ['DELETE', 'application/octet-stream'], ['GET', 'application/json']] as const) {
      const answer = await rawRequest(service.port, `${method} /json HTTP/1.1\r\nHost: x\r\nContent-Type: ${type}\r\nContent-Length: 7\r\nConnection: close\r\n\r\n{"a":1}`);
      expect(answer).toMatch(/^HTTP\/1.1 200/);
      expect(bodyOf(answer)).toEqual({ body: { a: 1 } });
    }
  });

  it('an empty body is "no body" (not {}), with or without Content-Length', async () => {
    const declared = await rawRequest(service.port, 'GET /json HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    expect(bodyOf(declared)).toEqual({ body: 'none' });
    const absent = await rawRequest(service.port, 'GET /json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(bodyOf(absent)).toEqual({ body: 'none' });
  });

  it('400 JSON for malformed percent-encoding in any path, parameters or not', async () => {
    for (const path of ['/json%E0%A4%A', '/logs/ns/%ZZ/main', '/nowhere/%']) {
      const answer = await rawRequest(service.port, `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      expect(answer).toMatch(/^HTTP\/1.1 400/);
      expect(bodyOf(answer)).toMatchObject({ error: expect.stringContaining('malformed percent-encoding'), field: 'path' });
    }
  });

  it('400 JSON naming the problem for bodies nested deeper than 1,000 levels (json and raw reads)', async () => {
    for (const path of ['/json', '/raw']) {
      const deep = await client.request({ method: 'GET', path, body: nested(100_000) });
      expect(deep.status).toBe(400);
      expect(deep.json()).toMatchObject({ error: 'JSON body nested deeper than 1000 levels of arrays/objects', limit: 1000 });
      // 1,000 levels in all (the two outer levels included) is still accepted.
      expect((await client.request({ method: 'GET', path, body: nested(997) })).status).toBe(200);
      expect((await client.request({ method: 'GET', path, body: nested(999) })).status).toBe(400);
    }
    // Brackets inside strings (escaped quotes included) do not count.
    const inString = JSON.stringify({ s: `\\"${'['.repeat(5000)}` });
    expect((await client.request({ method: 'GET', path: '/json', body: inString })).json()).toEqual({ body: JSON.parse(inString) });
  });

  it('streams without buffering and aborts the handler signal when the client goes away', async () => {
    const first = await new Promise<{ res: IncomingMessage; chunk: string }>((resolve, reject) => {
      const req = httpRequest(`${service.url}/stream`, (res) => res.once('data', (d: Buffer) => resolve({ res, chunk: d.toString() })));
      req.on('error', reject);
      req.end();
    });
    expect(first.chunk).toBe('first\n');
    first.res.destroy();
    await waitFor(() => streamAborted !== undefined);
    expect(String(streamAborted)).toContain('client disconnected');
  });

  it('a streamed response ends normally when the handler finishes', async () => {
    streamAborted = undefined;
    releaseStream = undefined;
    const pending = client.request({ method: 'GET', path: '/stream' });
    await waitFor(() => releaseStream !== undefined);
    releaseStream!();
    expect((await pending).text()).toBe('first\nlast\n');
    expect(streamAborted).toBe(false);
  });
});

describe('/metrics behind authentication, anonymous on metricsListen', () => {
  it('refuses /metrics without credentials on the service address and serves it on the metrics address', async () => {
    const service = createHttpService({
      name: 'guarded',
      listen: 'http://127.0.0.1:0',
      metricsListen: 'http://127.0.0.1:0',
      logger: captureLogger().logger,
      authenticate: async (req) => (req.headers.authorization === 'Bearer t' ? { ok: true } : { ok: false, status: 401, message: 'missing bearer token' }),
    });
    service.route('/openapi.json', (ctx) => ctx.send(200, '{}', 'application/json'), { methods: ['GET'] });
    await service.start();
    const main = new HttpClient({ baseUrl: service.url });
    const scraper = new HttpClient({ baseUrl: service.metricsUrl! });
    try {
      expect(service.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(service.metricsUrl).not.toBe(service.url);
      const refused = await main.request({ method: 'GET', path: '/metrics' });
      expect(refused.status).toBe(401);
      expect(refused.json()).toMatchObject({ error: 'missing bearer token' });
      expect((await main.request({ method: 'GET', path: '/openapi.json' })).status).toBe(401);
      expect((await main.request({ method: 'GET', path: '/healthz' })).status).toBe(200);
      const scraped = await scraper.request({ method: 'GET', path: '/metrics' });
      expect(scraped.status).toBe(200);
      expect(scraped.text()).toMatch(/http_requests_total\{route="\/metrics",method="GET",code="401",service="guarded"\} 1/);
      expect((await scraper.request({ method: 'GET', path: '/openapi.json' })).status).toBe(404);
    } finally {
      main.close();
      scraper.close();
      await service.stop();
    }
    await expect(new HttpClient({ baseUrl: service.metricsUrl! }).request({ method: 'GET', path: '/metrics' })).rejects.toMatchObject({ kind: 'unreachable' });
  });
});
