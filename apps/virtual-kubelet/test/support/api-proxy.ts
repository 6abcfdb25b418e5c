import { request as httpsRequest, createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
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
  private tls: Record<string, unknown> = {};

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
    for (const k of ['ca', 'cert', 'key']) if (opts[k] !== undefined) this.tls[k] = opts[k];
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
    const headers: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(req.headers)) {
      if (v === undefined || ['host', 'authorization', 'connection', 'content-length'].includes(k)) continue;
      headers[k] = v;
    }
    if (body.length) headers['content-length'] = String(body.length);
    const up = httpsRequest(
      {
        protocol: 'https:',
        hostname: this.upstream.hostname,
        port: this.upstream.port,
        path: req.url,
        method: req.method,
        headers,
        ...this.tls,
      },
      (upRes) => {
        record.status = upRes.statusCode ?? 0;
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        if (url.searchParams.get('watch') === 'true') {
          this.watches.set(res, (how) => {
            upRes.unpipe(res);
            up.destroy();
            if (how === 'end') res.end();
            else res.socket?.destroy();
          });
          res.once('close', () => this.watches.delete(res));
        }
        upRes.pipe(res);
      },
    );
    res.once('close', () => up.destroy());
    up.on('error', (err) => {
      if (!res.headersSent) {
        res.writeHead(502);
        res.end(`proxy: ${err.message}`);
      } else res.destroy();
    });
    up.end(body);
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
