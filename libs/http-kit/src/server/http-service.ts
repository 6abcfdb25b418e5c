import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { Registry } from 'prom-client';
import type { Logger } from '@interlink/logging';
import { parseListenAddress, type ListenAddress } from '../listen-address';
import { dispatch, type Route } from './dispatch';
import type { LazyAbort } from './request-context';
import { RequestMetrics } from './metrics';
import { prepareSocketPath, removeSocketFile, setSocketMode } from './unix-socket';
import { readServerTls, watchTlsFiles } from './tls-files';
import type { HttpService, HttpServiceOptions, RouteHandler, RouteOptions } from './types';

const DEFAULT_BODY_LIMIT = 32 * 1024 * 1024;

/** Build (not start) a service; add routes, then `await service.start()`. */
export function createHttpService(options: HttpServiceOptions): HttpService {
  return new NodeHttpService(options);
}

class NodeHttpService implements HttpService {
  readonly name: string;
  readonly logger: Logger;
  readonly registry: Registry;
  server: Server | undefined;
  private readonly address: ListenAddress;
  private readonly routes = new Map<string, Route>();
  private readonly metrics: RequestMetrics;
  private readonly live = new Set<LazyAbort>();
  private readonly sockets = new Set<Socket>();
  private stopWatching: (() => void) | undefined;
  private stopping: Promise<void> | undefined;

  constructor(private readonly options: HttpServiceOptions) {
    this.name = options.name;
    this.logger = options.logger;
    this.address = parseListenAddress(options.listen);
    if (this.address.kind === 'tcp' && this.address.protocol === 'https' && !options.tls) {
      throw new Error(`${options.name}: listen address ${options.listen} is https but no TLS certificate/key is configured`);
    }
    this.registry = options.registry ?? new Registry();
    this.metrics = new RequestMetrics(this.registry, options.name, options.registry === undefined);
    this.route('/healthz', (ctx) => ctx.sendJson(200, { status: 'ok', service: this.name }), { auth: false });
    this.route(
      '/metrics',
      async (ctx) => ctx.send(200, await this.registry.metrics(), this.registry.contentType),
      { auth: false, methods: ['GET', 'HEAD'] },
    );
  }

  route(path: string, handler: RouteHandler, options: RouteOptions = {}): HttpService {
    this.routes.set(path, { handler, options });
    return this;
  }

  get url(): string {
    if (this.address.kind === 'unix') return `unix://${this.address.path}`;
    const host = this.address.host.includes(':') ? `[${this.address.host}]` : this.address.host;
    return `${this.address.protocol}://${host}:${this.port}`;
  }

  get port(): number {
    if (this.address.kind === 'unix') return 0;
    const bound = this.server?.address() as AddressInfo | null | undefined;
    return bound?.port ?? this.address.port;
  }

  async start(): Promise<void> {
    if (this.server) throw new Error(`${this.name}: already started`);
    const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
      void dispatch(
        {
          routes: this.routes,
          logger: this.logger,
          metrics: this.metrics,
          bodyLimitBytes: this.options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT,
          authenticate: this.options.authenticate,
          live: this.live,
        },
        req,
        res,
      );
    };
    const tls = this.address.kind === 'tcp' && this.address.protocol === 'https' ? this.options.tls : undefined;
    const server: Server = tls
      ? (createHttpsServer(readServerTls(tls), onRequest) as unknown as Server)
      : createHttpServer(onRequest);
    server.keepAliveTimeout = this.options.keepAliveTimeoutMs ?? 65_000;
    server.headersTimeout = this.options.headersTimeoutMs ?? 10_000;
    server.requestTimeout = this.options.requestTimeoutMs ?? 30_000;
    server.timeout = 0; // no inactivity/write timeout: log follow streams last hours
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
      this.logger.debug('client error', { err: err.message, code: err.code });
      if (socket.writable && !socket.destroyed) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      else socket.destroy();
    });
    server.on('tlsClientError', (err: Error) => this.logger.info('TLS handshake failed', { err: err.message }));

    if (this.address.kind === 'unix') await prepareSocketPath(this.address.path);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      const done = (): void => {
        server.off('error', reject);
        resolve();
      };
      if (this.address.kind === 'unix') server.listen(this.address.path, done);
      else server.listen(this.address.port, this.address.host, done);
    });
    server.on('error', (err) => this.logger.error('server error', { err }));
    if (this.address.kind === 'unix') setSocketMode(this.address.path, this.options.socketMode);
    if (tls && tls.watch !== false) {
      this.stopWatching = watchTlsFiles(tls, () => this.reloadTls());
    }
    this.server = server;
    this.logger.info('http service listening', { name: this.name, url: this.url });
  }

  reloadTls(): void {
    if (!this.server || !this.options.tls || !('setSecureContext' in this.server)) return;
    try {
      (this.server as unknown as HttpsServer).setSecureContext(readServerTls(this.options.tls));
      this.logger.info('TLS certificates reloaded');
    } catch (err) {
      this.logger.error('TLS reload failed; keeping the previous certificates', { err });
    }
  }

  stop(timeoutMs?: number): Promise<void> {
    this.stopping ??= this.doStop(timeoutMs ?? this.options.shutdownTimeoutMs ?? 10_000);
    return this.stopping;
  }

  private async doStop(timeoutMs: number): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.stopWatching?.();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    // Keep-alive sockets that become idle after their in-flight request are closed as they finish.
    const sweeper = setInterval(() => server.closeIdleConnections(), 50);
    const timer = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), timeoutMs).unref());
    const outcome = await Promise.race([closed.then(() => 'closed' as const), timer]);
    clearInterval(sweeper);
    if (outcome === 'timeout') {
      this.logger.warn('shutdown timeout: aborting in-flight requests', { inFlight: this.live.size });
      for (const c of this.live) c.abort(new Error('server shutting down'));
      for (const s of this.sockets) s.destroy();
      await closed;
    }
    if (this.address.kind === 'unix') removeSocketFile(this.address.path);
    this.logger.info('http service stopped', { name: this.name, url: this.url });
  }
}
