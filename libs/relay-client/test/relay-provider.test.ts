import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import type { V1Pod } from '@kubernetes/client-node';
import { makeLogStruct, type PodCreateRequests } from '@interlink/api';
import { createTestPki, type TestPki } from '@interlink/http-kit';
import { RelayError, RelayProvider, relayBaseUrl } from '../src/index';
import { FakeRelay } from './fake-relay';

const dir = mkdtempSync(join(tmpdir(), 'relay-client-'));
let relays: FakeRelay[] = [];
let clients: RelayProvider[] = [];

async function start(
  tls?: ConstructorParameters<typeof FakeRelay>[0],
): Promise<{ relay: FakeRelay; port: string }> {
  const relay = new FakeRelay(tls);
  relays.push(relay);
  const port = await relay.listen();
  return { relay, port };
}
function client(opts: ConstructorParameters<typeof RelayProvider>[0]): RelayProvider {
  const c = new RelayProvider(opts);
  clients.push(c);
  return c;
}
afterEach(async () => {
  clients.forEach((c) => c.close());
  await Promise.all(relays.map((r) => r.close()));
  relays = [];
  clients = [];
});

const pod = (n: number): V1Pod => ({
  metadata: {
    name: `p${n}`,
    namespace: 'default',
    uid: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    managedFields: [{ manager: 'kubectl' }],
  },
  spec: { containers: [{ name: 'c', image: 'busybox' }] },
  status: { phase: 'Running' },
});
const createRequest: PodCreateRequests = {
  pod: pod(1),
  configmaps: [],
  secrets: [],
  projectedvolumesmaps: [],
  jobscriptURL: '',
};

describe('relayBaseUrl', () => {
  it.each([
    ['http://relay', '3000', 'http://relay:3000'],
    ['https://relay.example.org/', 443, 'https://relay.example.org:443'],
    ['unix:///var/run/interlink.sock', '3000', 'unix:///var/run/interlink.sock'],
    ['http://relay', '', 'http://relay'],
  ])('%s + %s → %s', (url, port, expected) => expect(relayBaseUrl(url, port)).toBe(expected));
  it.each([
    ['ftp://relay', '1', /scheme/],
    ['http://relay:3000', '3000', /already has a port/],
    ['unix://relative.sock', '', /absolute path/],
    ['http://relay', 'abc', /InterlinkPort/],
  ])('rejects %s + %s', (url, port, message) => expect(() => relayBaseUrl(url, port)).toThrow(message));
});

describe('RelayProvider over HTTP', () => {
  it('creates with POST /create, JSON body, session id and the trimmed token', async () => {
    const { relay, port } = await start();
    relay.handler = (_req, res) => {
      res.writeHead(200);
      res.end(JSON.stringify({ PodUID: createRequest.pod.metadata!.uid, PodJID: 'job-7' }));
    };
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, '  secret-token\n');
    const c = client({ interlinkUrl: 'http://127.0.0.1', interlinkPort: port, tokenFile });
    const created = await c.create(createRequest);
    expect(created).toEqual({ PodUID: createRequest.pod.metadata!.uid, PodJID: 'job-7' });
    const req = relay.requests[0]!;
    expect(req.method).toBe('POST');
    expect(req.path).toBe('/create');
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.headers['authorization']).toBe('Bearer secret-token');
    expect(req.headers['interlink-http-session']).toMatch(/^CreatePod#\d{1,5}$/);
    expect(JSON.parse(req.body)).toMatchObject({
      pod: { metadata: { name: 'p1' } },
      jobscriptURL: '',
      projectedvolumesmaps: [],
    });
  });

  it('re-reads the token file on every request', async () => {
    const { relay, port } = await start();
    const tokenFile = join(dir, 'rotating');
    writeFileSync(tokenFile, 'first');
    const c = client({ interlinkUrl: 'http://127.0.0.1', interlinkPort: port, tokenFile });
    await c.status([pod(1)]);
    writeFileSync(tokenFile, 'second\n');
    await c.status([pod(1)]);
    expect(relay.requests.map((r) => r.headers['authorization'])).toEqual(['Bearer first', 'Bearer second']);
  });

  it('sends no Authorization for an empty token, except on ping', async () => {
    const { relay, port } = await start();
    const tokenFile = join(dir, 'empty');
    writeFileSync(tokenFile, '\n');
    const c = client({ interlinkUrl: 'http://127.0.0.1', interlinkPort: port, tokenFile });
    await c.status([pod(1)]);
    await c.ping();
    expect(relay.requests[0]!.headers['authorization']).toBeUndefined();
    expect(relay.requests[1]!.headers['authorization']).toMatch(/^Bearer ?$/);
  });

  it('reports an unreadable token file on the request instead of exiting', async () => {
    const { relay, port } = await start();
    const c = client({
      interlinkUrl: 'http://127.0.0.1',
      interlinkPort: port,
      tokenFile: join(dir, 'missing'),
    });
    const err = await c.create(createRequest).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RelayError);
    expect(err).toMatchObject({ kind: 'token', op: 'CreatePod' });
    expect((err as Error).message).toContain('missing');
    expect(relay.requests).toHaveLength(0);
  });

  it('asks for many pods in one GET /status with a JSON array body, without managedFields', async () => {
    const { relay, port } = await start();
    relay.handler = (req, res) => {
      const pods = JSON.parse(req.body) as V1Pod[];
      res.writeHead(200);
      res.end(
        JSON.stringify(
          pods.map((p) => ({
            name: p.metadata!.name,
            UID: p.metadata!.uid,
            namespace: 'default',
            containers: null,
          })),
        ),
      );
    };
    const c = client({ interlinkUrl: 'http://127.0.0.1', interlinkPort: port });
    const statuses = await c.status([pod(1), pod(2), pod(3)]);
    expect(relay.requests).toHaveLength(1);
    expect(relay.requests[0]!.method).toBe('GET');
    expect(relay.requests[0]!.path).toBe('/status');
    expect(relay.requests[0]!.headers['interlink-http-session']).toMatch(/^GetStatus#\d+$/);
    const sent = JSON.parse(relay.requests[0]!.body) as V1Pod[];
    expect(sent.map((p) => p.metadata!.name)).toEqual(['p1', 'p2', 'p3']);
    expect(sent[0]!.metadata!.managedFields).toBeUndefined();
    expect(statuses.map((s) => s.name)).toEqual(['p1', 'p2', 'p3']);
    expect(statuses[0]!.containers).toEqual([]);
  });

  it('splits huge nodes into chunks and keeps the order', async () => {
    const { relay, port } = await start();
    relay.handler = (req, res) => {
      const pods = JSON.parse(req.body) as V1Pod[];
      res.writeHead(200);
      res.end(JSON.stringify(pods.map((p) => ({ name: p.metadata!.name, UID: p.metadata!.uid }))));
    };
    const c = client({ interlinkUrl: 'http://127.0.0.1', interlinkPort: port, statusChunkSize: 500 });
    const pods = Array.from({ length: 1201 }, (_, i) => pod(i));
    const statuses = await c.status(pods);
    expect(relay.requests.map((r) => (JSON.parse(r.body) as unknown[]).length).sort((a, b) => a - b)).toEqual(
      [201, 500, 500],
    );
    expect(statuses.map((s) => s.name)).toEqual(pods.map((p) => p.metadata!.name));
  });

  it('treats a null /status answer as no statuses and drops malformed entries', async () => {
    const { relay, port } = await start();
    const c = client({ interlinkUrl: 'http://127.0.0.1', interlinkPort: port });
    expect(await c.status([pod(1)])).toEqual([]);
    relay.handler = (_req, res) => {
      res.writeHead(200);
      res.end(
        JSON.stringify([
          { name: '', UID: 'x' },
          { name: 'p2', uid: 'u2' },
        ]),
      );
    };
    const statuses = await c.status([pod(1)]);
    expect(statuses).toHaveLength(1);
    expect(statuses[0]).toMatchObject({ name: 'p2', UID: 'u2' });
  });

  it('fails with kind protocol when a 200 answer is not JSON', async () => {
    const { relay, port } = await start();
    relay.handler = (_req, res) => {
      res.writeHead(200);
      res.end('');
    };
    const c = client({ interlinkUrl: 'http://127.0.0.1', interlinkPort: port });
    await expect(c.status([pod(1)])).rejects.toMatchObject({ kind: 'protocol', status: 200 });
    await expect(c.create(createRequest)).rejects.toMatchObject({ kind: 'protocol', op: 'CreatePod' });
  });

  it('deletes with DELETE /delete carrying the pod', async () => {
    const { relay, port } = await start();
    relay.handler = (_req, res) => {
      res.writeHead(200);
      res.end('All containers for submitted Pods have been deleted');
    };
    const c = client({ interlinkUrl: 'http://127.0.0.1', interlinkPort: port });
    await c.delete(pod(4));
    expect(relay.requests[0]).toMatchObject({ method: 'DELETE', path: '/delete' });
    expect(relay.requests[0]!.headers['content-type']).toBe('application/json');
    expect(JSON.parse(relay.requests[0]!.body).metadata.name).toBe('p4');
  });

  it('pushes volume updates with POST /updateVolumes and tells updated, pod-not-found and unsupported apart', async () => {
    const { relay, port } = await start();
    const answers: Array<[number, string]> = [
      [200, '{}'],
      [404, JSON.stringify({ error: 'plugin answered 404', reason: 'PodNotFound' })],
      [404, '404 page not found'],
      [405, ''],
      [500, JSON.stringify({ error: 'disk full' })],
    ];
    relay.handler = (_req, res) => {
      const [status, body] = answers.shift()!;
      res.writeHead(status);
      res.end(body);
    };
    const c = client({ interlinkUrl: 'http://127.0.0.1', interlinkPort: port });
    expect(await c.updateVolumes(createRequest)).toBe('updated');
    expect(relay.requests[0]).toMatchObject({ method: 'POST', path: '/updateVolumes' });
    expect(JSON.parse(relay.requests[0]!.body).pod.metadata.name).toBe('p1');
    expect(await c.updateVolumes(createRequest)).toBe('pod-not-found');
    expect(await c.updateVolumes(createRequest)).toBe('unsupported');
    expect(await c.updateVolumes(createRequest)).toBe('unsupported');
    await expect(c.updateVolumes(createRequest)).rejects.toMatchObject({ kind: 'http', status: 500 });
  });

  it('lists remote pods with GET /listPods; a relay without the extension is unsupported', async () => {
    const { relay, port } = await start();
    const pods = [{ name: 'p', namespace: 'ns', UID: 'u-1', nodeName: 'vk', JID: '9' }];
    const answers: Array<[number, string]> = [
      [200, JSON.stringify(pods)],
      [404, '404 page not found'],
      [200, JSON.stringify([{ name: 'p' }])],
      [503, JSON.stringify({ error: 'plugin unreachable' })],
    ];
    relay.handler = (_req, res) => {
      const [status, body] = answers.shift()!;
      res.writeHead(status);
      res.end(body);
    };
    const c = client({ interlinkUrl: 'http://127.0.0.1', interlinkPort: port });
    expect(await c.listPods()).toEqual(pods);
    expect(relay.requests[0]).toMatchObject({ method: 'GET', path: '/listPods' });
    expect(relay.requests[0]!.headers['interlink-http-session']).toMatch(/^ListPods#/);
    expect(await c.listPods()).toBe('unsupported');
    await expect(c.listPods()).rejects.toMatchObject({ kind: 'protocol' });
    await expect(c.listPods()).rejects.toMatchObject({ kind: 'http', status: 503 });
  });

  it('pings with POST /pinglink, no body and no content type, and decodes a PingResponse', async () => {
    const { relay, port } = await start();
    const answer = {
      status: 'ok',
      resources: { cpu: '64', accelerators: [{ resourceType: 'nvidia.com/gpu', available: '4' }] },
      taints: [],
    };
    relay.handler = (_req, res) => {
      res.writeHead(200);
      res.end(JSON.stringify(answer));
    };
    const c = client({ interlinkUrl: 'http://127.0.0.1', interlinkPort: port });
    const result = await c.ping();
    expect(relay.requests[0]).toMatchObject({ method: 'POST', path: '/pinglink', body: '' });
    expect(relay.requests[0]!.headers['content-type']).toBeUndefined();
    expect(relay.requests[0]!.headers['authorization']).toBeUndefined();
    expect(result.response).toMatchObject({ status: 'ok', taints: [], resources: { cpu: '64' } });
    expect(result.body).toBe(JSON.stringify(answer));
  });

  it('accepts legacy ping answers (null, [] and text)', async () => {
    const { relay, port } = await start();
    const c = client({ interlinkUrl: 'http://127.0.0.1', interlinkPort: port });
    for (const body of ['null', '[]', 'pong']) {
      relay.handler = (_req, res) => {
        res.writeHead(200);
        res.end(body);
      };
      const result = await c.ping();
      expect(result.body).toBe(body);
      expect(result.response).toBeUndefined();
    }
  });

  it('turns non-200 answers into RelayError with status and body', async () => {
    const { relay, port } = await start();
    relay.handler = (_req, res) => {
      res.writeHead(504);
      res.end(
        'HTTP InterLink session CreatePod#1:  call exit status: 500. Body: sbatch: error: invalid partition',
      );
    };
    const c = client({ interlinkUrl: 'http://127.0.0.1', interlinkPort: port });
    const err = (await c.create(createRequest).catch((e: unknown) => e)) as RelayError;
    expect(err).toMatchObject({ kind: 'http', status: 504 });
    expect(err.body).toContain('invalid partition');
    expect(err.message).toContain('HTTP 504');
    expect(err.isConnectivity).toBe(false);
    relay.handler = (_req, res) => {
      res.writeHead(201);
      res.end('{"PodUID":"x","PodJID":"y"}');
    };
    await expect(c.create(createRequest)).rejects.toMatchObject({ kind: 'http', status: 201 });
  });

  it('reports an unreachable relay as a connectivity error', async () => {
    const { relay, port } = await start();
    await relay.close();
    relays = [];
    const c = client({ interlinkUrl: 'http://127.0.0.1', interlinkPort: port });
    const err = (await c.ping().catch((e: unknown) => e)) as RelayError;
    expect(err).toMatchObject({ kind: 'unreachable', op: 'PingInterLink' });
    expect(err.isConnectivity).toBe(true);
  });

  it('times out when the relay sends no headers', async () => {
    const { relay, port } = await start();
    relay.handler = () => undefined;
    const c = client({
      interlinkUrl: 'http://127.0.0.1',
      interlinkPort: port,
      timeouts: { PingInterLink: 200 },
    });
    await expect(c.ping()).rejects.toMatchObject({ kind: 'timeout' });
  });

  it('reuses one keep-alive connection', async () => {
    const { relay, port } = await start();
    const c = client({ interlinkUrl: 'http://127.0.0.1', interlinkPort: port });
    for (let i = 0; i < 5; i++) await c.status([pod(i)]);
    expect(relay.requests).toHaveLength(5);
    expect(relay.connections).toBe(1);
  });

  it('streams logs with GET /getLogs and cancels the relay request on abort', async () => {
    const { relay, port } = await start();
    let relayRequestClosed = false;
    relay.handler = (_req, res, raw) => {
      res.writeHead(200);
      res.write('line 1\n');
      const t = setInterval(() => res.write('tick\n'), 20);
      raw.socket.on('close', () => {
        relayRequestClosed = true;
        clearInterval(t);
      });
    };
    const c = client({ interlinkUrl: 'http://127.0.0.1', interlinkPort: port });
    const abort = new AbortController();
    const req = makeLogStruct({
      Namespace: 'default',
      PodUID: pod(1).metadata!.uid!,
      PodName: 'p1',
      ContainerName: 'c',
      Opts: { Follow: true, Tail: 10 },
    });
    const stream = await c.logs(req, { signal: abort.signal });
    const first = await new Promise<string>((resolve) =>
      stream.once('data', (d: Buffer) => resolve(d.toString())),
    );
    expect(first).toContain('line 1');
    const sent = relay.requests[0]!;
    expect(sent).toMatchObject({ method: 'GET', path: '/getLogs' });
    expect(JSON.parse(sent.body)).toEqual({
      Namespace: 'default',
      PodUID: req.PodUID,
      PodName: 'p1',
      ContainerName: 'c',
      Opts: {
        Tail: 10,
        Bytes: 0,
        Timestamps: false,
        Follow: true,
        Previous: false,
        SinceSeconds: 0,
        SinceTime: '0001-01-01T00:00:00Z',
      },
    });
    stream.on('error', () => undefined);
    abort.abort();
    await expect.poll(() => relayRequestClosed, { timeout: 2000 }).toBe(true);
  });

  it('rejects a failing log request with the relay message', async () => {
    const { relay, port } = await start();
    relay.handler = (_req, res) => {
      res.writeHead(400);
      res.end('invalid pod UID: must be a valid UUID');
    };
    const c = client({ interlinkUrl: 'http://127.0.0.1', interlinkPort: port });
    const err = (await c
      .logs(makeLogStruct({ Namespace: 'd', PodUID: 'x', PodName: 'p', ContainerName: 'c' }))
      .catch((e: unknown) => e)) as RelayError;
    expect(err).toMatchObject({ kind: 'http', status: 400, op: 'GetLogs' });
    expect(err.message).toContain('invalid pod UID');
  });
});

describe('RelayProvider transports', () => {
  let pki: TestPki;
  beforeAll(() => {
    pki = createTestPki();
  });

  it('talks over a unix socket', async () => {
    const relay = new FakeRelay();
    relays.push(relay);
    const url = await relay.listen(join(dir, 'relay.sock'));
    const c = client({ interlinkUrl: url, interlinkPort: '3000' });
    await c.ping();
    expect(relay.requests[0]!.headers['host']).toBe('unix');
  });

  it('verifies the relay with a PEM or a DER CA file', async () => {
    const { relay, port } = await start({
      cert: readFileSync(pki.serverCert),
      key: readFileSync(pki.serverKey),
    });
    const pem = client({
      interlinkUrl: 'https://127.0.0.1',
      interlinkPort: port,
      tls: { caFile: pki.caCert },
    });
    await pem.ping();
    const derFile = join(dir, 'ca.der');
    writeFileSync(derFile, new X509Certificate(readFileSync(pki.caCert)).raw);
    const der = client({ interlinkUrl: 'https://127.0.0.1', interlinkPort: port, tls: { caFile: derFile } });
    await der.ping();
    expect(relay.requests).toHaveLength(2);
    const untrusted = client({ interlinkUrl: 'https://127.0.0.1', interlinkPort: port });
    await expect(untrusted.ping()).rejects.toBeInstanceOf(RelayError);
    const insecure = client({
      interlinkUrl: 'https://127.0.0.1',
      interlinkPort: port,
      tls: { insecureSkipVerify: true },
    });
    await insecure.ping();
  });

  it('presents a client certificate for mTLS', async () => {
    const { relay, port } = await start({
      cert: readFileSync(pki.serverCert),
      key: readFileSync(pki.serverKey),
      ca: readFileSync(pki.caCert),
      requestCert: true,
      rejectUnauthorized: true,
    });
    const withCert = client({
      interlinkUrl: 'https://127.0.0.1',
      interlinkPort: port,
      tls: { caFile: pki.caCert, certFile: pki.clientCert, keyFile: pki.clientKey },
    });
    await withCert.ping();
    expect(relay.requests).toHaveLength(1);
    const withoutCert = client({
      interlinkUrl: 'https://127.0.0.1',
      interlinkPort: port,
      tls: { caFile: pki.caCert },
    });
    await expect(withoutCert.ping()).rejects.toBeInstanceOf(RelayError);
    expect(relay.requests).toHaveLength(1);
  });

  it('records every call for metrics', async () => {
    const { port } = await start();
    const calls: string[] = [];
    const c = client({
      interlinkUrl: 'http://127.0.0.1',
      interlinkPort: port,
      onCall: (op, seconds, outcome) => calls.push(`${op}:${outcome}:${seconds >= 0}`),
    });
    await c.ping();
    await c.status([pod(1)]);
    expect(calls).toEqual(['PingInterLink:ok:true', 'GetStatus:ok:true']);
  });
});
