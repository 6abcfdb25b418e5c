import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer, type ServerOptions } from 'node:https';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export type Handler = (
  req: RecordedRequest,
  res: ServerResponse,
  raw: IncomingMessage,
) => void | Promise<void>;

/** A real HTTP(S) server on a TCP port or unix socket that records every request it receives. */
export class FakeRelay {
  readonly requests: RecordedRequest[] = [];
  connections = 0;
  handler: Handler = (_req, res) => {
    res.writeHead(200);
    res.end('null');
  };
  private readonly server: Server;

  constructor(tls?: ServerOptions) {
    const onRequest = (raw: IncomingMessage, res: ServerResponse): void => {
      const chunks: Buffer[] = [];
      raw.on('data', (c: Buffer) => chunks.push(c));
      raw.on('end', () => {
        const rec = {
          method: raw.method ?? '',
          path: raw.url ?? '',
          headers: raw.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        };
        this.requests.push(rec);
        void Promise.resolve(this.handler(rec, res, raw)).catch((err: Error) => {
          res.writeHead(599);
          res.end(err.message);
        });
      });
    };
    this.server = tls ? createHttpsServer(tls, onRequest) : createHttpServer(onRequest);
    this.server.on('connection', () => this.connections++);
  }

  async listen(socketPath?: string): Promise<string> {
    await new Promise<void>((resolve) =>
      socketPath ? this.server.listen(socketPath, resolve) : this.server.listen(0, '127.0.0.1', resolve),
    );
    return socketPath ? `unix://${socketPath}` : String((this.server.address() as AddressInfo).port);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections?.();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
