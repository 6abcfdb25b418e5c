import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export type Responder = (req: RecordedRequest, res: ServerResponse) => void | Promise<void>;

/**
 * A minimal real plugin: records exactly what arrives (method, path, headers, raw body) and
 * answers with per-path responders. Deliberately not built on our own libs, so the relay is
 * checked against an independent HTTP implementation.
 */
export class RecordingPlugin {
  readonly requests: RecordedRequest[] = [];
  private readonly responders = new Map<string, Responder>();
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  /** TCP/unix connections accepted so far (to check that the relay reuses them). */
  connections = 0;
  url = '';

  on(path: string, responder: Responder): this {
    this.responders.set(path, responder);
    return this;
  }

  /** Answer `path` with a JSON value (or text) and a status. */
  answer(path: string, status: number, body: unknown, contentType = 'application/json'): this {
    return this.on(path, (_req, res) => {
      res.writeHead(status, { 'Content-Type': contentType });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    });
  }

  calls(path: string): RecordedRequest[] {
    return this.requests.filter((r) => r.path === path);
  }

  async start(socketPath?: string): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const recorded: RecordedRequest = {
          method: req.method ?? '',
          path: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        };
        this.requests.push(recorded);
        const responder = this.responders.get(recorded.path);
        if (!responder) {
          res.writeHead(404);
          res.end(`no responder for ${recorded.path}`);
          return;
        }
        void Promise.resolve(responder(recorded, res)).catch(() => res.destroy());
      });
    });
    this.server.on('connection', (s: Socket) => {
      this.connections++;
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => {
      if (socketPath) this.server!.listen(socketPath, resolve);
      else this.server!.listen(0, '127.0.0.1', resolve);
    });
    this.url = socketPath
      ? `unix://${socketPath}`
      : `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
