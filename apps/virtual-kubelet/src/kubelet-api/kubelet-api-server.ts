import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex, Readable } from 'node:stream';
import type { V1Pod } from '@kubernetes/client-node';
import { createHttpService, HttpError, type AuthResult, type HttpService, type RequestContext } from '@interlink/http-kit';
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

function unsupportedMessage(path: string): string | undefined {
  const match = UNSUPPORTED.find(([pattern]) => pattern.test(path));
  return match?.[1].replace('%s', path.split('/')[1] ?? path);
}

function pathOf(req: IncomingMessage): string {
  return new URL(req.url ?? '/', 'https://kubelet').pathname;
}

/**
 * The kubelet HTTPS endpoint the API server calls for `kubectl logs`: /containerLogs (all
 * query parameters, streaming with follow, stops when the client goes), /pods,
 * /runningpods/, /healthz, /metrics; exec/attach/port-forward answer 501 with a reason.
 * Callers are authenticated (client certificate or TokenReview) and authorized
 * (SubjectAccessReview on nodes/proxy, nodes/metrics, ...) like a kubelet in webhook mode.
 * Served by an http-kit (express) service; answers are plain text, as a kubelet's are.
 */
export class KubeletApiServer {
  private service: HttpService | undefined;

  constructor(private readonly options: KubeletApiOptions) {}

  get port(): number {
    return this.service?.port ?? this.options.port;
  }

  async start(): Promise<void> {
    const { options } = this;
    const cert = await options.certs.start();
    // Without a client CA, client certificates are not asked for: Node would verify them against
    // its default trust store, so any publicly trusted CA could vouch for any user and group.
    if (!options.clientCa) options.log.warn('no client CA (KubeletAuthentication.ClientCAFile, or a CA in the kubeconfig): client certificates are not accepted on the kubelet API');
    const host = options.bind.includes(':') ? `[${options.bind}]` : options.bind;
    const service = createHttpService({
      name: 'kubelet-api',
      listen: `https://${host}:${options.port}`,
      tls: this.tlsOptions(cert),
      logger: options.log,
      registry: options.registry,
      authenticate: (req) => this.authenticate(req),
      errorFormat: 'text',
      // No kubelet endpoint takes a body: discard one, so that a client still sending it gets the
      // answer (e.g. a 401) instead of a reset connection.
      discardBodies: true,
      requestTimeoutMs: 0, // log follow streams have no end
      shutdownTimeoutMs: 0,
      onUpgrade: (req, socket) => void this.upgrade(req, socket),
    });
    this.registerRoutes(service);
    options.certs.onChange((c) => {
      try {
        service.setTlsCredentials(this.tlsOptions(c));
      } catch (err) {
        options.log.error('new serving certificate rejected; keeping the previous one', { error: (err as Error).message });
      }
    });
    await service.start();
    this.service = service;
    options.log.info('kubelet API listening', { address: service.url, certificate: options.certs.mode });
  }

  async stop(): Promise<void> {
    this.options.certs.stop();
    // Log streams never finish on their own: cut everything at once, as a stopping kubelet does.
    await this.service?.stop(0);
  }

  private registerRoutes(service: HttpService): void {
    const { pods, registry } = this.options;
    service
      .route('/healthz', (ctx) => ctx.send(200, 'ok'), { auth: false })
      .route('/metrics', async (ctx) => ctx.send(200, await registry.metrics(), registry.contentType))
      .route('/pods', (ctx) => ctx.sendJson(200, podList(pods.list())))
      .route('/runningpods', (ctx) => ctx.sendJson(200, podList(pods.running())))
      .route('/containerLogs/:namespace/:pod/:container', (ctx) => this.containerLogs(ctx), { label: '/containerLogs' })
      .route(
        '/{*rest}',
        (ctx) => {
          const message = unsupportedMessage(ctx.path);
          throw message ? new HttpError(501, message) : new HttpError(404, `404 page not found: ${ctx.path}`);
        },
        { label: 'other' },
      );
  }

  private tlsOptions(cert: ServingCert): { cert: string; key: string; ca?: string } {
    return { cert: cert.cert, key: cert.key, ...(this.options.clientCa ? { ca: this.options.clientCa } : {}) };
  }

  /** Authentication then authorization of the path, with the kubelet's wording. */
  private async authenticate(req: IncomingMessage): Promise<AuthResult> {
    const authn = await this.options.authn.authenticate(req);
    if (!authn.ok) return refusedWith(refusalOf(authn));
    const authz = await this.options.authz.authorize(authn.user, req.method ?? 'GET', pathOf(req));
    if (!authz.allowed) return refusedWith(refusalOf(authz));
    return { ok: true, principal: authn.user.username };
  }

  /** exec/attach/port-forward arrive as upgrades (WebSocket or SPDY): authenticate, then refuse clearly. */
  private async upgrade(req: IncomingMessage, socket: Duplex): Promise<void> {
    socket.on('error', () => undefined);
    const path = pathOf(req);
    try {
      const authn = await this.options.authn.authenticate(req);
      if (!authn.ok) return void socket.end(statusLine(refusalOf(authn)));
      const authz = await this.options.authz.authorize(authn.user, req.method ?? 'GET', path);
      if (!authz.allowed) return void socket.end(statusLine(refusalOf(authz)));
      refuseStream(req, socket, unsupportedMessage(path) ?? `${path}: no streaming endpoint here`);
    } catch (err) {
      this.options.log.warn('kubelet API upgrade failed', { path, error: (err as Error).message });
      socket.destroy();
    }
  }

  private async containerLogs(ctx: RequestContext): Promise<void> {
    const { namespace: ns = '', pod: name = '', container = '' } = ctx.params;
    const pod = this.options.pods.find(ns, name);
    if (!pod?.metadata?.uid) throw new HttpError(404, `pod ${ns}/${name} not found on node ${this.options.nodeName}`);
    Object.assign(ctx.logFields, { namespace: ns, pod: name, uid: pod.metadata.uid, container });
    const names = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].map((c) => c.name);
    if (!names.includes(container)) throw new HttpError(404, `container ${container} is not valid for pod ${ns}/${name}`);
    let request;
    try {
      request = logStructFor(ns, name, pod.metadata.uid, container, ctx.query);
    } catch (err) {
      if (err instanceof LogQueryError) throw new HttpError(400, `invalid log options: ${err.message}`);
      throw err;
    }
    let stream: Readable;
    try {
      stream = await this.options.provider.logs(request, { signal: ctx.signal });
    } catch (err) {
      if (ctx.signal.aborted) return;
      const relayHttp = err instanceof RelayError && err.kind === 'http';
      const detail = relayHttp ? `relay answered HTTP ${err.status}: ${(err.body ?? '').trim()}` : (err as Error).message;
      throw new HttpError(relayHttp && err.status === 404 ? 404 : 500, `failed to get logs of ${ns}/${name}/${container}: ${detail}`);
    }
    ctx.res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-cache' });
    ctx.res.flushHeaders();
    await relayChunks(stream, ctx.res, ctx.signal);
  }
}

/** Copy each chunk as it comes (kubectl logs -f shows lines live); stop when the client goes. */
function relayChunks(stream: Readable, res: ServerResponse, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const abort = (): void => {
      stream.destroy();
      resolve();
    };
    if (signal.aborted) return abort();
    signal.addEventListener('abort', abort, { once: true });
    stream.on('data', (chunk: Buffer) => res.write(chunk));
    stream.once('end', () => res.end());
    stream.once('error', () => {
      res.destroy();
      resolve();
    });
    stream.once('close', () => {
      signal.removeEventListener('abort', abort);
      if (!res.writableEnded && !res.destroyed) res.end();
      resolve();
    });
  });
}

function refusedWith(refusal: Refusal): AuthResult {
  return { ok: false, status: refusal.status as 401 | 403 | 429, message: refusal.body, headers: refusal.headers };
}

/** A refusal as a raw HTTP/1.1 answer, for upgrade requests (no ServerResponse exists for them). */
function statusLine(refusal: Refusal): string {
  const reason: Record<number, string> = { 401: 'Unauthorized', 403: 'Forbidden', 429: 'Too Many Requests' };
  const headers = Object.entries(refusal.headers).map(([name, value]) => `${name}: ${value}\r\n`).join('');
  return `HTTP/1.1 ${refusal.status} ${reason[refusal.status] ?? 'Error'}\r\n${headers}Connection: close\r\nContent-Length: 0\r\n\r\n`;
}

function podList(items: V1Pod[]): unknown {
  return { kind: 'PodList', apiVersion: 'v1', metadata: {}, items };
}
