import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { V1Pod } from '@kubernetes/client-node';
import type { Logger } from '@interlink/logging';
import { RelayError, type Provider } from '@interlink/relay-client';
import type { Registry } from 'prom-client';
import { refusalOf, type KubeletAuthenticator, type KubeletAuthorizer, type Refusal } from './kubelet-auth';
import type { ServingCert, ServingCertSource } from './certs/serving-cert';
import { LogQueryError, logStructFor } from './log-query';
import { refuseStream } from './exec-refusal';

export interface KubeletPods {
  /** Every pod bound to the node (watch cache). */
  list(): V1Pod[];
  find(namespace: string, name: string): V1Pod | undefined;
  /** Pods with a remote job that have not finished. */
  running(): V1Pod[];
}

export interface KubeletApiOptions {
  bind: string;
  port: number;
  nodeName: string;
  /** PEM bundle used to verify client certificates (the cluster CA). */
  clientCa?: string;
  certs: ServingCertSource;
  authn: KubeletAuthenticator;
  authz: KubeletAuthorizer;
  provider: Provider;
  pods: KubeletPods;
  registry: Registry;
  log: Logger;
}

const UNSUPPORTED: Array<[RegExp, string]> = [
  [/^\/(exec|attach|run)(\/|$)/, '%s is not supported by the interLink virtual kubelet: the remote plugins offer no interactive channel to containers'],
  [/^\/portForward(\/|$)/, 'port forwarding is not supported by the interLink virtual kubelet: the remote plugins offer no network channel to pods'],
  [/^\/(stats|metrics\/resource|metrics\/cadvisor|metrics\/probes)(\/|$)/, '%s is not available: interLink plugins do not report resource usage'],
];

/**
 * The kubelet HTTPS endpoint the API server calls for `kubectl logs`: /containerLogs (all
 * query parameters, streaming with follow, stops when the client goes), /pods,
 * /runningpods/, /healthz, /metrics; exec/attach/port-forward answer 501 with a reason.
 * Callers are authenticated (client certificate or TokenReview) and authorized
 * (SubjectAccessReview on nodes/proxy, nodes/metrics, ...) like a kubelet in webhook mode.
 */
export class KubeletApiServer {
  private server: Server | undefined;
  /** Every TLS socket, upgraded ones included (http's closeAllConnections does not see those). */
  private readonly sockets = new Set<Duplex>();

  constructor(private readonly options: KubeletApiOptions) {}

  get port(): number {
    return (this.server?.address() as AddressInfo | null)?.port ?? this.options.port;
  }

  async start(): Promise<void> {
    const cert = await this.options.certs.start();
    // Without a client CA, client certificates are not asked for: Node would verify them against
    // its default trust store, so any publicly trusted CA could vouch for any user and group.
    const requestCert = Boolean(this.options.clientCa);
    if (!requestCert) this.options.log.warn('no client CA (KubeletAuthentication.ClientCAFile, or a CA in the kubeconfig): client certificates are not accepted on the kubelet API');
    const server = createServer({ ...this.tlsOptions(cert), requestCert, rejectUnauthorized: false, minVersion: 'TLSv1.2' }, (req, res) => void this.handle(req, res));
    server.headersTimeout = 10_000;
    server.requestTimeout = 0; // log follow streams have no end
    this.options.certs.onChange((c) => {
      try {
        server.setSecureContext(this.tlsOptions(c));
      } catch (err) {
        this.options.log.error('new serving certificate rejected; keeping the previous one', { error: (err as Error).message });
      }
    });
    server.on('upgrade', (req: IncomingMessage, socket: Duplex) => void this.upgrade(req, socket));
    server.on('secureConnection', (socket: Duplex) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.bind, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.options.log.info('kubelet API listening', { address: `https://${this.options.bind}:${this.port}`, certificate: this.options.certs.mode });
  }

  async stop(): Promise<void> {
    this.options.certs.stop();
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private tlsOptions(cert: ServingCert): { cert: string; key: string; ca?: string } {
    return { cert: cert.cert, key: cert.key, ...(this.options.clientCa ? { ca: this.options.clientCa } : {}) };
  }

  /** exec/attach/port-forward arrive as upgrades (WebSocket or SPDY): authenticate, then refuse clearly. */
  private async upgrade(req: IncomingMessage, socket: Duplex): Promise<void> {
    socket.on('error', () => undefined);
    const path = new URL(req.url ?? '/', 'https://kubelet').pathname;
    try {
      const authn = await this.options.authn.authenticate(req);
      if (!authn.ok) return void socket.end(`HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      const authz = await this.options.authz.authorize(authn.user, req.method ?? 'GET', path);
      if (!authz.allowed) return void socket.end(`HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      const match = UNSUPPORTED.find(([pattern]) => pattern.test(path));
      const message = match ? match[1].replace('%s', path.split('/')[1] ?? path) : `${path}: no streaming endpoint here`;
      refuseStream(req, socket, message);
    } catch (err) {
      this.options.log.warn('kubelet API upgrade failed', { path, error: (err as Error).message });
      socket.destroy();
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://kubelet');
    const path = url.pathname;
    const log = this.options.log;
    // No kubelet endpoint takes a body: discard one, so that a client still sending it gets the
    // answer (e.g. a 401) instead of a reset connection.
    req.resume();
    try {
      if (path === '/healthz') return text(res, 200, 'ok');
      const authn = await this.options.authn.authenticate(req);
      if (!authn.ok) return refuse(res, refusalOf(authn));
      const authz = await this.options.authz.authorize(authn.user, req.method ?? 'GET', path);
      if (!authz.allowed) return refuse(res, refusalOf(authz));

      if (path === '/metrics') return text(res, 200, await this.options.registry.metrics(), this.options.registry.contentType);
      if (path === '/pods' || path === '/pods/') return json(res, 200, podList(this.options.pods.list()));
      if (path === '/runningpods' || path === '/runningpods/') return json(res, 200, podList(this.options.pods.running()));
      const logs = /^\/containerLogs\/([^/]+)\/([^/]+)\/([^/]+)\/?$/.exec(path);
      if (logs) return await this.containerLogs(req, res, decodeURIComponent(logs[1] ?? ''), decodeURIComponent(logs[2] ?? ''), decodeURIComponent(logs[3] ?? ''), url.searchParams);
      for (const [pattern, message] of UNSUPPORTED) {
        if (pattern.test(path)) return text(res, 501, message.replace('%s', path.split('/')[1] ?? path));
      }
      return text(res, 404, `404 page not found: ${path}`);
    } catch (err) {
      log.error('kubelet API request failed', { path, error: (err as Error).message });
      if (!res.headersSent) text(res, 500, `Internal error: ${(err as Error).message}`);
      else res.destroy();
    }
  }

  private async containerLogs(req: IncomingMessage, res: ServerResponse, ns: string, name: string, container: string, q: URLSearchParams): Promise<void> {
    const pod = this.options.pods.find(ns, name);
    if (!pod?.metadata?.uid) return text(res, 404, `pod ${ns}/${name} not found on node ${this.options.nodeName}`);
    const names = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].map((c) => c.name);
    if (!names.includes(container)) return text(res, 404, `container ${container} is not valid for pod ${ns}/${name}`);
    let request;
    try {
      request = logStructFor(ns, name, pod.metadata.uid, container, q);
    } catch (err) {
      if (err instanceof LogQueryError) return text(res, 400, `invalid log options: ${err.message}`);
      throw err;
    }
    const abort = new AbortController();
    const onClose = (): void => abort.abort();
    res.once('close', onClose);
    req.once('close', () => {
      if (!res.writableFinished) abort.abort();
    });
    let stream;
    try {
      stream = await this.options.provider.logs(request, { signal: abort.signal });
    } catch (err) {
      if (abort.signal.aborted) return;
      const detail = err instanceof RelayError && err.kind === 'http' ? `relay answered HTTP ${err.status}: ${(err.body ?? '').trim()}` : (err as Error).message;
      return text(res, err instanceof RelayError && err.kind === 'http' && err.status === 404 ? 404 : 500, `failed to get logs of ${ns}/${name}/${container}: ${detail}`);
    }
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-cache' });
    res.flushHeaders();
    abort.signal.addEventListener('abort', () => stream.destroy(), { once: true });
    stream.on('data', (chunk: Buffer) => res.write(chunk));
    stream.once('end', () => res.end());
    stream.once('error', () => res.destroy());
    stream.once('close', () => {
      if (!res.writableEnded) res.end();
    });
  }
}

function podList(items: V1Pod[]): unknown {
  return { kind: 'PodList', apiVersion: 'v1', metadata: {}, items };
}

function text(res: ServerResponse, status: number, body: string, contentType = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'Content-Type': contentType });
  res.end(body.endsWith('\n') || status === 200 ? body : `${body}\n`);
}

function refuse(res: ServerResponse, refusal: Refusal): void {
  for (const [name, value] of Object.entries(refusal.headers)) res.setHeader(name, value);
  text(res, refusal.status, refusal.body);
}

function json(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(value));
}
