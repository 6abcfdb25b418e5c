import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { HttpClient, type ClientTlsOptions, type StreamedResponse } from '@interlink/http-kit';
import { serverCert } from './pki';

export interface ProxiedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body: Buffer;
}

/** What an interceptor answers instead of the API server: a plain reply, or a hand-written stream. */
export type ProxyAnswer = { status: number; body: string } | { stream: (res: ServerResponse) => void };

export interface ProxyRecord {
  method: string;
  path: string;
  query: URLSearchParams;
  /** HTTP status sent back (0 while a stream is still open). */
  status: number;
  intercepted: boolean;
}

/**
 * A TLS-terminating proxy in front of the bench API server, for faults the real server does not
 * produce on demand (an expired watch) or only in a race (a write conflict). The node controller
 * gets a kubeconfig pointing here; the proxy calls the API server with the admin credentials.
 * `intercept` sees every request first and may answer it, delay it, or act before it is forwarded.
 */
export class ApiProxy {
  readonly requests: ProxyRecord[] = [];
  intercept:
    ((req: ProxiedRequest) => Promise<ProxyAnswer | undefined> | ProxyAnswer | undefined) | undefined;
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  /** Forwarded watch responses still open. */
  private readonly watches = new Map<ServerResponse, (how: 'end' | 'reset') => void>();
  private upstream!: URL;
  private upstreamClient: HttpClient | undefined;

  constructor(private readonly target: KubeConfig) {}

  get port(): number {
    return (this.server?.address() as AddressInfo).port;
  }

  async start(): Promise<void> {
    const cluster = this.target.getCurrentCluster();
    if (!cluster) throw new Error('no current cluster');
    this.upstream = new URL(cluster.server);
    const opts: Record<string, unknown> = {};
    await this.target.applyToHTTPSOptions(opts as never);
    this.upstreamClient = new HttpClient({ baseUrl: this.upstream.origin, tls: tlsFiles(opts), maxSockets: 256 });
    const server = createServer(serverCert(), (req, res) => void this.handle(req, res));
    server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    for (const s of this.sockets) s.destroy();
    this.upstreamClient?.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** A kubeconfig for the node controller: this proxy, TLS not verified, no credentials of its own. */
  kubeConfig(): KubeConfig {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'proxy', server: `https://127.0.0.1:${this.port}`, skipTLSVerify: true }],
      users: [{ name: 'proxy' }],
      contexts: [{ name: 'proxy', cluster: 'proxy', user: 'proxy' }],
      currentContext: 'proxy',
    });
    return kc;
  }

  /** Forwarded watches currently open. */
  get openWatches(): number {
    return this.watches.size;
  }

  /** End every forwarded watch cleanly (as the API server does at its timeout): clients watch again. */
  endWatches(): number {
    const n = this.watches.size;
    for (const end of [...this.watches.values()]) end('end');
    this.watches.clear();
    return n;
  }

  /** Break every forwarded watch connection mid-stream (connection dropped, as when an API server dies). */
  resetWatches(): number {
    const n = this.watches.size;
    for (const end of [...this.watches.values()]) end('reset');
    this.watches.clear();
    return n;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', 'https://proxy');
    const record: ProxyRecord = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      status: 0,
      intercepted: false,
    };
    this.requests.push(record);
    try {
      const answer = await this.intercept?.({
        method: record.method,
        path: record.path,
        query: url.searchParams,
        body,
      });
      if (answer) {
        record.intercepted = true;
        if ('stream' in answer) {
          res.once('finish', () => (record.status = res.statusCode));
          return answer.stream(res);
        }
        record.status = answer.status;
        res.writeHead(answer.status, { 'Content-Type': 'application/json' });
        return void res.end(answer.body);
      }
    } catch (err) {
      record.status = 500;
      res.writeHead(500);
      return void res.end(`proxy interceptor failed: ${(err as Error).message}`);
    }
    await this.forward(req, res, { body, record, watch: url.searchParams.get('watch') === 'true' });
  }

  private async forward(
    req: IncomingMessage,
    res: ServerResponse,
    call: { body: Buffer; record: ProxyRecord; watch: boolean },
  ): Promise<void> {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) {
      if (v === undefined || ['host', 'authorization', 'connection', 'content-length'].includes(k)) continue;
      headers[k] = Array.isArray(v) ? v.join(', ') : v;
    }
    const controller = new AbortController();
    res.once('close', () => controller.abort());
    let up: StreamedResponse;
    try {
      up = await this.client().stream({
        method: req.method ?? 'GET',
        path: req.url ?? '/',
        headers,
        ...(call.body.length ? { body: call.body } : {}),
        timeoutMs: 0,
        signal: controller.signal,
      });
    } catch (err) {
      if (res.headersSent) res.destroy();
      else {
        res.writeHead(502);
        res.end(`proxy: ${(err as Error).message}`);
      }
      return;
    }
    call.record.status = up.status;
    res.writeHead(up.status, up.headers);
    if (call.watch) {
      this.watches.set(res, (how) => {
        up.stream.unpipe(res);
        controller.abort();
        if (how === 'end') res.end();
        else res.socket?.destroy();
      });
      res.once('close', () => this.watches.delete(res));
    }
    up.stream.pipe(res);
  }

  private client(): HttpClient {
    if (!this.upstreamClient) throw new Error('proxy not started');
    return this.upstreamClient;
  }
}

/** A watch answer that reports "resource version too old", as the API server does after compaction. */
export function expiredWatchEvent(message = 'too old resource version'): string {
  return `${JSON.stringify({ type: 'ERROR', object: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: 'Expired', code: 410 } })}\n`;
}

/** The Status body of an HTTP 410 answer to a watch request. */
export function goneStatus(message = 'too old resource version'): string {
  return JSON.stringify({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason: 'Gone',
    code: 410,
  });
}

/** The HTTP client reads TLS material from files: the admin's CA, certificate and key, written once. */
function tlsFiles(opts: Record<string, unknown>): ClientTlsOptions {
  const dir = mkdtempSync(join(tmpdir(), 'api-proxy-'));
  const file = (name: string, data: unknown): string | undefined => {
    if (data === undefined) return undefined;
    writeFileSync(join(dir, name), data as Buffer | string, { mode: 0o600 });
    return join(dir, name);
  };
  const caFile = file('ca.crt', opts['ca']);
  const certFile = file('client.crt', opts['cert']);
  const keyFile = file('client.key', opts['key']);
  return { ...(caFile ? { caFile } : {}), ...(certFile && keyFile ? { certFile, keyFile } : {}) };
}
