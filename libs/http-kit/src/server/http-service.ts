import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { Registry } from 'prom-client';
import type { Logger } from '@interlink/logging';
import { parseListenAddress, type ListenAddress } from '../listen-address';
import { createServiceApp, type ServiceApp } from './express-app';
import type { LazyAbort } from './request-context';
import { RequestMetrics } from './metrics';
import { prepareSocketPath, removeSocketFile, setSocketMode } from './unix-socket';
import { isPemTls, readServerTls, serverPemTls, watchTlsFiles } from './tls-files';
import type { HttpService, HttpServiceOptions, RouteHandler, RouteOptions, ServerPemTls } from './types';

/** Build (not start) a service; add routes, then `await service.start()`. */
export function createHttpService(options: HttpServiceOptions): HttpService {
  return new ExpressHttpService(options);
}

/** An express router on node's http/https server (TCP, TLS/mTLS, unix socket), with graceful stop. */
class ExpressHttpService implements HttpService {
  readonly name: string;
  readonly logger: Logger;
  readonly registry: Registry;
  server: Server | undefined;
  private readonly address: ListenAddress;
  private readonly serviceApp: ServiceApp;
  private readonly live = new Set<LazyAbort>();
  private readonly sockets = new Set<Socket>();
  private metricsService: HttpService | undefined;
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
    const metrics = RequestMetrics.forRegistry(this.registry, options.name, options.registry === undefined);
    this.serviceApp = createServiceApp({ options, metrics, registry: this.registry, live: this.live });
    if (options.metricsListen) {
      // Scrapers without credentials: the same registry, anonymously, on an address of its own.
      this.metricsService = createHttpService({ name: options.name, listen: options.metricsListen, logger: options.logger, registry: this.registry });
    }
  }

  route(path: string, handler: RouteHandler, options: RouteOptions = {}): HttpService {
    this.serviceApp.addRoute(path, handler, options);
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

  /** The separate anonymous /metrics listener (`metricsListen`), once started. */
  get metricsUrl(): string | undefined {
    return this.metricsService?.url;
  }

  async start(): Promise<void> {
    if (this.server) throw new Error(`${this.name}: already started`);
    const tls = this.address.kind === 'tcp' && this.address.protocol === 'https' ? this.options.tls : undefined;
    const handle = this.serviceApp.handle;
    const server: Server = tls ? (createHttpsServer(readServerTls(tls), handle) as unknown as Server) : createHttpServer(handle);
    this.configure(server);
    if (this.address.kind === 'unix') await prepareSocketPath(this.address.path);
    await listen(server, this.address);
    server.on('error', (err) => this.logger.error('server error', { err }));
    if (this.address.kind === 'unix') setSocketMode(this.address.path, this.options.socketMode);
    if (tls && !isPemTls(tls) && tls.watch !== false) {
      this.stopWatching = watchTlsFiles(tls, () => this.reloadTls());
    }
    this.server = server;
    await this.metricsService?.start();
    this.logger.info('http service listening', { name: this.name, url: this.url, ...(this.metricsService ? { metricsUrl: this.metricsService.url } : {}) });
  }

  private configure(server: Server): void {
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
    if (this.options.onUpgrade) server.on('upgrade', this.options.onUpgrade);
  }

  reloadTls(): void {
    const tls = this.options.tls;
    if (!tls || isPemTls(tls)) return;
    try {
      this.httpsServer()?.setSecureContext(readServerTls(tls));
      this.logger.info('TLS certificates reloaded');
    } catch (err) {
      this.logger.error('TLS reload failed; keeping the previous certificates', { err });
    }
  }

  setTlsCredentials(tls: ServerPemTls): void {
    this.httpsServer()?.setSecureContext(serverPemTls(tls));
  }

  private httpsServer(): HttpsServer | undefined {
    return this.server && 'setSecureContext' in this.server ? (this.server as unknown as HttpsServer) : undefined;
  }

  stop(timeoutMs?: number): Promise<void> {
    this.stopping ??= this.doStop(timeoutMs ?? this.options.shutdownTimeoutMs ?? 10_000);
    return this.stopping;
  }

  private async doStop(timeoutMs: number): Promise<void> {
    const server = this.server;
    const metricsStopped = this.metricsService?.stop(timeoutMs);
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
    await metricsStopped;
    if (this.address.kind === 'unix') removeSocketFile(this.address.path);
    this.logger.info('http service stopped', { name: this.name, url: this.url });
  }
}

function listen(server: Server, address: ListenAddress): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    const done = (): void => {
      server.off('error', reject);
      resolve();
    };
    if (address.kind === 'unix') server.listen(address.path, done);
    else server.listen(address.port, address.host, done);
  });
}
