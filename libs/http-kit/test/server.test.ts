import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from 'node:net';
import { createHttpService, HttpClient, HttpError, type HttpService } from '../src';
import { captureLogger, waitFor } from './helpers';

describe('HTTP service routing and errors', () => {
  const log = captureLogger();
  let service: HttpService;
  let client: HttpClient;

  beforeAll(async () => {
    service = createHttpService({ name: 'test', listen: 'http://127.0.0.1:0', logger: log.logger, bodyLimitBytes: 1024 });
    service
      .route('/echo', async (ctx) => {
        const body = await ctx.json();
        ctx.logFields['uid'] = 'uid-1';
        ctx.sendJson(200, { method: ctx.method, body, query: ctx.query.get('q'), sessionId: ctx.sessionId });
      })
      .route('/only-post', (ctx) => ctx.send(200, 'ok'), { methods: ['POST'] })
      .route('/teapot', () => {
        throw new HttpError(418, 'short and stout', { hint: 'tip me over' });
      })
      .route('/boom', () => {
        throw new Error('kaput');
      })
      .route('/silent', () => undefined);
    await service.start();
    client = new HttpClient({ baseUrl: service.url });
  });
  afterAll(async () => {
    client.close();
    await service.stop();
  });

  it('reads a JSON body on GET (and DELETE) and echoes the query', async () => {
    for (const method of ['GET', 'DELETE', 'POST', 'PUT', 'PATCH']) {
      const res = await client.request({ method, path: '/echo?q=1', json: [{ metadata: { uid: 'u' } }] });
      expect(res.status).toBe(200);
      expect(res.json()).toMatchObject({ method, body: [{ metadata: { uid: 'u' } }], query: '1' });
    }
  });

  it('propagates InterLink-Http-Session or generates Request-<uuid>', async () => {
    const given = await client.request({ method: 'GET', path: '/echo', headers: { 'InterLink-Http-Session': 'GetStatus#42' } });
    expect(given.headers['interlink-http-session']).toBe('GetStatus#42');
    expect((given.json() as { sessionId: string }).sessionId).toBe('GetStatus#42');
    const generated = await client.request({ method: 'GET', path: '/echo' });
    expect(generated.headers['interlink-http-session']).toMatch(/^Request-[0-9a-f-]{36}$/);
  });

  it('400 JSON naming the problem on malformed JSON, with the session id', async () => {
    const res = await client.request({ method: 'GET', path: '/echo', body: '{"a":', headers: { 'InterLink-Http-Session': 'S#1' } });
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toBe('application/json');
    const body = res.json() as { error: string; sessionId: string };
    expect(body.error).toMatch(/^malformed JSON body: /);
    expect(body.sessionId).toBe('S#1');
  });

  it('413 JSON beyond the body limit (declared and chunked)', async () => {
    const declared = await client.request({ method: 'POST', path: '/echo', body: 'x'.repeat(2048) });
    expect(declared.status).toBe(413);
    expect((declared.json() as { error: string }).error).toContain('exceeds the limit of 1024 bytes');
    // Chunked upload without Content-Length: the limit is enforced while reading.
    const raw = await rawRequest(service.port,
      'POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n' + '800\r\n' + 'y'.repeat(2048) + '\r\n0\r\n\r\n');
    expect(raw).toMatch(/^HTTP\/1.1 413/);
  });

  it('404 for unknown paths, 405 with Allow for restricted methods', async () => {
    const missing = await client.request({ method: 'GET', path: '/nope' });
    expect(missing.status).toBe(404);
    expect(missing.json()).toMatchObject({ error: 'no such endpoint: /nope' });
    const wrong = await client.request({ method: 'GET', path: '/only-post' });
    expect(wrong.status).toBe(405);
    expect(wrong.headers['allow']).toBe('POST');
    expect((await client.request({ method: 'POST', path: '/only-post' })).text()).toBe('ok');
  });

  it('HttpError status and details; other exceptions 500; no response → 500', async () => {
    const tea = await client.request({ method: 'GET', path: '/teapot' });
    expect(tea.status).toBe(418);
    expect(tea.json()).toMatchObject({ error: 'short and stout', hint: 'tip me over' });
    const boom = await client.request({ method: 'GET', path: '/boom' });
    expect(boom.status).toBe(500);
    expect(boom.json()).toMatchObject({ error: 'internal error: kaput' });
    const silent = await client.request({ method: 'GET', path: '/silent' });
    expect(silent.status).toBe(500);
  });

  it('/healthz and /metrics with request counts by route and code', async () => {
    expect((await client.request({ method: 'GET', path: '/healthz' })).json()).toEqual({ status: 'ok', service: 'test' });
    await client.request({ method: 'GET', path: '/teapot' });
    const metrics = (await client.request({ method: 'GET', path: '/metrics' })).text();
    expect(metrics).toMatch(/http_requests_total\{route="\/teapot",method="GET",code="418",service="test"\} \d+/);
    expect(metrics).toContain('http_request_duration_seconds_bucket');
    expect(metrics).toContain('process_resident_memory_bytes');
  });

  it('writes one access log line with method, path, status, duration, session and handler fields', async () => {
    await client.request({ method: 'GET', path: '/echo', headers: { 'InterLink-Http-Session': 'LogMe#7' } });
    await waitFor(() => log.lines.some((l) => l['sessionId'] === 'LogMe#7' && l['msg'] === 'request'));
    const line = log.lines.find((l) => l['sessionId'] === 'LogMe#7' && l['msg'] === 'request')!;
    expect(line).toMatchObject({ method: 'GET', path: '/echo', status: 200, uid: 'uid-1', level: 'info' });
    expect(typeof line['durationMs']).toBe('number');
  });

  it('survives garbage on the socket and keeps serving', async () => {
    const answer = await rawRequest(service.port, 'THIS IS NOT HTTP\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1.1 400/);
    const badHeader = await rawRequest(service.port, 'GET /echo HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n');
    expect(badHeader).toMatch(/^HTTP\/1.1 400/);
    const invalidSession = await client.request({ method: 'GET', path: '/echo', headers: { 'InterLink-Http-Session': 'a b' } });
    expect(invalidSession.headers['interlink-http-session']).toMatch(/^Request-/);
    expect((await client.request({ method: 'GET', path: '/healthz' })).status).toBe(200);
  });
});

describe('authentication hook', () => {
  it('401 without credentials, 403 when refused, /healthz stays open, /metrics needs credentials', async () => {
    const { logger } = captureLogger();
    const service = createHttpService({
      name: 'auth',
      listen: 'http://127.0.0.1:0',
      logger,
      authenticate: async (req) => {
        const h = req.headers.authorization;
        if (!h) return { ok: false, status: 401, message: 'missing bearer token' };
        if (h !== 'Bearer good') return { ok: false, status: 403, message: 'token not allowed' };
        return { ok: true, principal: 'alice' };
      },
    });
    service.route('/x', (ctx) => ctx.send(200, ctx.principal ?? ''));
    await service.start();
    const client = new HttpClient({ baseUrl: service.url });
    try {
      const none = await client.request({ method: 'GET', path: '/x' });
      expect(none.status).toBe(401);
      expect(none.headers['www-authenticate']).toBe('Bearer');
      expect(none.json()).toMatchObject({ error: 'missing bearer token' });
      expect((await client.request({ method: 'GET', path: '/x', headers: { Authorization: 'Bearer bad' } })).status).toBe(403);
      expect((await client.request({ method: 'GET', path: '/x', headers: { Authorization: 'Bearer good' } })).text()).toBe('alice');
      expect((await client.request({ method: 'GET', path: '/healthz' })).status).toBe(200);
      expect((await client.request({ method: 'GET', path: '/metrics' })).status).toBe(401);
      expect((await client.request({ method: 'GET', path: '/metrics', headers: { Authorization: 'Bearer good' } })).status).toBe(200);
    } finally {
      client.close();
      await service.stop();
    }
  });
});

function rawRequest(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    socket.on('data', (c) => (data += c.toString()));
    socket.on('end', () => resolve(data));
    socket.on('close', () => resolve(data));
    socket.on('error', (e) => (data ? resolve(data) : reject(e)));
    socket.setTimeout(3000, () => socket.destroy());
    socket.write(text);
  });
}
