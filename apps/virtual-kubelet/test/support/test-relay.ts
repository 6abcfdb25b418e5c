import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { V1Pod } from '@kubernetes/client-node';
import { PodCreateRequestsCodec, buildRetrievedPodData, LogStructCodec, type PingResponse } from '@interlink/api';
import { InMemoryBackend, type InMemoryBackendOptions } from '@interlink/plugin-server';

type Op = 'create' | 'status' | 'delete' | 'logs' | 'ping';

/**
 * A real hop-1 HTTP server (what the node controller talks to) in front of plugin-server's
 * InMemoryBackend, for tests that need precise control: counting calls, going down, failing
 * one operation with a chosen status, delaying answers. It speaks exactly the relay paths:
 * POST /create, GET /status (array body), DELETE /delete, GET /getLogs, POST /pinglink.
 */
export class TestRelay {
  readonly backend: InMemoryBackend;
  readonly calls: Record<Op, number> = { create: 0, status: 0, delete: 0, logs: 0, ping: 0 };
  /** Pods per /status call, in order. */
  readonly statusBatchSizes: number[] = [];
  readonly createdUids: string[] = [];
  /** Requests for paths an upstream relay does not have (extensions such as /updateVolumes). */
  readonly unknownPaths: string[] = [];
  readonly headers: Array<Record<string, string | string[] | undefined>> = [];
  /** Log streams currently open towards the node controller. */
  openLogStreams = 0;
  private readonly failing = new Map<Op, { status: number; body: string; times: number }>();
  private readonly delays = new Map<Op, number>();
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private port = 0;
  private pingAnswer: string | undefined;
  /** Rewrites each /status element before it is sent (plugins that answer differently, e.g. `initContainers: null`). */
  statusRewrite: ((status: Record<string, unknown>) => Record<string, unknown>) | undefined;
  /** Extra keys merged into every /create answer (e.g. `Warnings`). */
  createExtras: Record<string, unknown> = {};

  constructor(options: InMemoryBackendOptions = {}) {
    this.backend = new InMemoryBackend(options);
  }

  get url(): string {
    return 'http://127.0.0.1';
  }

  get portString(): string {
    return String(this.port);
  }

  async start(port = this.port): Promise<void> {
    const server = createServer((req, res) => void this.handle(req, res));
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Close the listener and every connection: the relay is unreachable until start() again. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Answer `times` calls of `op` with `status` and `body`. */
  fail(op: Op, status: number, body: string, times = Number.POSITIVE_INFINITY): void {
    this.failing.set(op, { status, body, times });
  }

  heal(op?: Op): void {
    if (op) this.failing.delete(op);
    else this.failing.clear();
  }

  delay(op: Op, ms: number): void {
    this.delays.set(op, ms);
  }

  /** Raw ping body to answer (default: the backend's PingResponse). */
  setPingBody(body: string | PingResponse | undefined): void {
    this.pingAnswer = body === undefined || typeof body === 'string' ? body : JSON.stringify(body);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const path = (req.url ?? '').split('?')[0];
    const op: Op | undefined = ({ '/create': 'create', '/status': 'status', '/delete': 'delete', '/getLogs': 'logs', '/pinglink': 'ping' } as const)[path ?? ''];
    if (!op) {
      this.unknownPaths.push(path ?? '');
      return send(res, 404, 'not found');
    }
    this.calls[op]++;
    this.headers.push(req.headers);
    const d = this.delays.get(op);
    if (d) await new Promise((r) => setTimeout(r, d));
    const f = this.failing.get(op);
    if (f && f.times > 0) {
      f.times--;
      return send(res, f.status, f.body);
    }
    const ac = new AbortController();
    res.on('close', () => ac.abort());
    const ctx = { sessionId: String(req.headers['interlink-http-session'] ?? ''), signal: ac.signal };
    try {
      switch (op) {
        case 'ping':
          return send(res, 200, this.pingAnswer ?? JSON.stringify(await this.backend.ping(ctx)));
        case 'create': {
          const request = PodCreateRequestsCodec.parse(body);
          this.createdUids.push(request.pod.metadata?.uid ?? '');
          const created = await this.backend.create(buildRetrievedPodData(request), ctx);
          return send(res, 200, JSON.stringify({ ...created, ...this.createExtras }));
        }
        case 'status': {
          const pods = (JSON.parse(body) ?? []) as V1Pod[];
          this.statusBatchSizes.push(pods.length);
          const statuses = await this.backend.status(pods, ctx);
          const rewrite = this.statusRewrite;
          const sent = rewrite ? statuses.map((s) => rewrite({ ...s })) : statuses;
          return send(res, 200, sent.length ? JSON.stringify(sent) : 'null');
        }
        case 'delete':
          await this.backend.delete(JSON.parse(body) as V1Pod, ctx);
          return send(res, 200, 'All containers for submitted Pods have been deleted');
        case 'logs': {
          const stream = await this.backend.logs(LogStructCodec.parse(body), ctx);
          res.writeHead(200);
          this.openLogStreams++;
          stream.on('data', (c: Buffer | string) => res.write(c));
          stream.on('end', () => res.end());
          res.on('close', () => {
            this.openLogStreams--;
            stream.destroy();
          });
          return;
        }
      }
    } catch (err) {
      const status = (err as { status?: number }).status ?? 500;
      return send(res, status, (err as Error).message);
    }
  }
}

function send(res: ServerResponse, status: number, body: string): void {
  if (res.headersSent) return;
  res.writeHead(status);
  res.end(body);
}
